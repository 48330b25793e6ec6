#!/usr/bin/env bash
# Installs what the dashboard tests drive: Debian's `chromium` (apt-get, needs root or sudo) and
# `playwright-core` from npm into a cache outside the clone (default ~/.cache/rasch/node), so
# repeated CI runs reuse it. `playwright-core` never downloads a browser; the tests launch
# /usr/bin/chromium through it. Idempotent: does nothing when both are present.
# Prints the node_modules directory on its last line. Exit status 3: a package registry
# (Debian's or npm's) cannot be reached.
set -euo pipefail
CACHE=${RASCH_CACHE_DIR:-$HOME/.cache/rasch}
NODE_DIR="$CACHE/node"
PLAYWRIGHT_VERSION=1.49.1
if ! [ -x /usr/bin/chromium ]; then
    SUDO=""
    if [ "$(id -u)" != 0 ]; then SUDO="sudo -n"; fi
    export DEBIAN_FRONTEND=noninteractive
    # Exit status 3: the package registry cannot be reached (the tests then say they skipped).
    $SUDO apt-get update -qq || exit 3
    $SUDO apt-get install -y -qq --no-install-recommends chromium >/dev/null
fi
/usr/bin/chromium --version >&2
if ! [ -f "$NODE_DIR/node_modules/playwright-core/package.json" ] \
    || ! grep -q "\"version\": \"$PLAYWRIGHT_VERSION\"" "$NODE_DIR/node_modules/playwright-core/package.json"; then
    command -v npm >/dev/null || { echo "npm is not installed" >&2; exit 1; }
    mkdir -p "$NODE_DIR"
    [ -f "$NODE_DIR/package.json" ] || echo '{"name":"rasch-dashboard-tests","private":true}' >"$NODE_DIR/package.json"
    npm ping >/dev/null 2>&1 || { echo "cannot reach the npm registry" >&2; exit 3; }
    npm install --prefix "$NODE_DIR" --no-audit --no-fund --silent "playwright-core@$PLAYWRIGHT_VERSION" >&2
fi
echo "$NODE_DIR/node_modules"
