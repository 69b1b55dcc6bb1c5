#!/bin/sh
# Runs a command with Node.js 24 first on PATH (see use-node24.sh), whatever node started npm:
# `npm start` and `npm test` are `sh scripts/with-node24.sh <command>`. exec, so no extra process
# stands between npm and the command (signals and exit codes reach it unchanged).
ORDER_PLATFORM_QUIET=1
. "$(dirname "$0")/use-node24.sh"
[ "$(node --version 2>/dev/null | cut -d. -f1)" = "v24" ] || exit 1
exec "$@"
