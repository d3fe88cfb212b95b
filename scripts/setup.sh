#!/usr/bin/env bash
# Installs what dlgrade needs on a fresh Debian machine, and nothing twice: the interpreter's
# numpy for the packs that pin numpy 1.x, bubblewrap for the sandbox, and the npm packages;
# for `npm run bench`: pytest for that interpreter (baseline 1) and GNU time (CPU and memory).
set -euo pipefail
cd "$(dirname "$0")/.."

debs=(python3-numpy python3-scipy python3-yaml python3-pytest time)
missing=()
for p in "${debs[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "setup: missing Debian packages: ${missing[*]} (run as root, or install them: sudo apt-get install -y ${missing[*]})" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund --loglevel=error
fi
