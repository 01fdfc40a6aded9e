#!/usr/bin/env bash
# Installs what cess-sync needs on Debian/Ubuntu, only what is missing, saying what it does.
# Used by `npm run demo`, `npm test` and .ci/run; safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '\033[1m[setup]\033[0m %s\n' "$*"; }

# Debian packages: libsecret-1-dev to build keytar; gnome-keyring + dbus for a Secret Service
# (the OS keychain) in tests; chromium for the UI tests; build tools for native modules.
APT_PKGS=(libsecret-1-dev gnome-keyring dbus dbus-x11 chromium python3 make g++)
missing=()
for p in "${APT_PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    say "installing Debian packages: ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  elif command -v sudo >/dev/null 2>&1; then
    say "installing Debian packages with sudo: ${missing[*]}"
    sudo apt-get update -qq
    sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "Missing Debian packages: ${missing[*]}. Install them (apt-get install ${missing[*]}) and run again." >&2
    exit 1
  fi
fi

node_major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
if [ "$node_major" -lt 20 ]; then
  echo "Node.js 20 or newer is needed (found: $(node --version 2>/dev/null || echo none))." >&2
  exit 1
fi

# npm packages. The Electron binary is downloaded from outside the npm registry by electron's
# postinstall; it is not needed to build, test or run the daemon, so that download is skipped.
# Set ELECTRON_SKIP_BINARY_DOWNLOAD=0 on a machine that can fetch it.
export ELECTRON_SKIP_BINARY_DOWNLOAD="${ELECTRON_SKIP_BINARY_DOWNLOAD:-1}"
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ] \
   || [ ! -f node_modules/better-sqlite3/build/Release/better_sqlite3.node ]; then
  say "installing npm packages (npm ci; native modules build from source, ~3-5 min the first time)"
  npm ci --no-audit --no-fund --loglevel=error
fi
