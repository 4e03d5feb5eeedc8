#!/usr/bin/env bash
# Installs the Debian packages the platform needs, only when something is missing.
# `serve` needs PostgreSQL's server binaries; `test` also needs Chromium (e2e) and Mesa's Vulkan
# drivers (WebGPU on the CPU). Outside Debian or without root, it says what to install instead.
set -euo pipefail
mode=${1:-test}

missing=()
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || command -v initdb >/dev/null 2>&1 || missing+=(postgresql)
command -v psql >/dev/null 2>&1 || missing+=(postgresql-client)
python3 -c 'import ensurepip, venv' >/dev/null 2>&1 || missing+=(python3-venv)
command -v npm >/dev/null 2>&1 || missing+=(npm)  # installs the shell's pinned Pyodide runtime
if [ "$mode" = test ]; then
  [ -x /usr/bin/chromium ] || missing+=(chromium)
  dpkg -s mesa-vulkan-drivers >/dev/null 2>&1 || missing+=(mesa-vulkan-drivers)
  command -v wrk >/dev/null 2>&1 || missing+=(wrk)
  command -v npm >/dev/null 2>&1 || missing+=(npm)  # proto/: buf from the npm registry
fi
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  echo "missing system packages: ${missing[*]}" >&2
  echo "install them (Debian: sudo apt-get install ${missing[*]}), or set OPENAGENTS_DATABASE_URL" >&2
  [ "$mode" = serve ] && [[ " ${missing[*]} " == *" postgresql "* ]] && exit 1
  exit 0
fi
