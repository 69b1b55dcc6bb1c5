#!/bin/sh
# Puts Node.js 24 first on PATH: the node already there when it is 24, otherwise the binary of the
# npm registry's `node` package, installed once under ~/.cache/order-platform. Source it in a shell
# (`source scripts/use-node24.sh`); `npm start` and `npm test` go through scripts/with-node24.sh,
# which sources it too. POSIX sh, so that both work from bash, zsh and npm's /bin/sh.
# Version managers read the same version from .nvmrc and .node-version (a test keeps them equal).
NODE24_VERSION="${NODE24_VERSION:-24.21.0}"

order_platform_use_node24() {
  _op_found="$(node --version 2>/dev/null || true)"
  case "$_op_found" in
    v24.*) return 0 ;;
  esac
  _op_home="${XDG_CACHE_HOME:-$HOME/.cache}/order-platform/node-$NODE24_VERSION"
  _op_bin="$_op_home/node_modules/node/bin"
  if [ ! -x "$_op_bin/node" ]; then
    if ! command -v npm >/dev/null 2>&1; then
      echo "order-platform needs Node.js $NODE24_VERSION and found ${_op_found:-no node}: install Node.js 24 (e.g. \`nvm install\`, which reads .nvmrc) and run again" >&2
      return 1
    fi
    echo "order-platform needs Node.js 24 and found ${_op_found}: installing Node.js $NODE24_VERSION from the npm registry into $_op_home (once)" >&2
    # Installed next to the final folder and moved into place: two shells that install at the same
    # time both end with a complete copy. The package's own script fetches the binary: allowed
    # by name, so npm does not warn about it.
    _op_staging="$_op_home.partial.$$"
    rm -rf "$_op_staging" && mkdir -p "$_op_staging"
    printf '{"private":true,"allowScripts":{"node":true}}\n' > "$_op_staging/package.json"
    if npm install --prefix "$_op_staging" --no-save --no-audit --no-fund --loglevel=error "node@$NODE24_VERSION" \
      > "$_op_staging/install.log" 2>&1 && [ -x "$_op_staging/node_modules/node/bin/node" ]; then
      mv "$_op_staging" "$_op_home" 2>/dev/null || rm -rf "$_op_staging"
    else
      rm -rf "$_op_home.failed" && mv "$_op_staging" "$_op_home.failed"
      echo "order-platform could not install Node.js $NODE24_VERSION from the npm registry (npm's output: $_op_home.failed/install.log): install Node.js 24 (e.g. \`nvm install\`, which reads .nvmrc) and run again" >&2
      return 1
    fi
  fi
  PATH="$_op_bin:$PATH"
  export PATH
}

if order_platform_use_node24 && [ -z "${ORDER_PLATFORM_QUIET:-}" ]; then
  node --version >&2
fi
unset _op_found _op_home _op_bin _op_staging
