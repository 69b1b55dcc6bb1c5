#!/usr/bin/env bash
# Source this file: puts a Node.js 24 binary first on PATH, installing it from the npm registry's
# `node` package (which ships the binary) when the system node is another major version.
NODE24_VERSION="${NODE24_VERSION:-24.21.0}"
if [ "$(node --version 2>/dev/null | cut -d. -f1)" != "v24" ]; then
  node24_home="${XDG_CACHE_HOME:-$HOME/.cache}/order-platform/node-$NODE24_VERSION"
  if [ ! -x "$node24_home/node_modules/node/bin/node" ]; then
    echo "Installing Node.js $NODE24_VERSION into $node24_home" >&2
    mkdir -p "$node24_home"
    npm install --prefix "$node24_home" --no-save --no-audit --no-fund "node@$NODE24_VERSION" >&2
  fi
  export PATH="$node24_home/node_modules/node/bin:$PATH"
fi
node --version >&2
