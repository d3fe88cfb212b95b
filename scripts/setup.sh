#!/usr/bin/env bash
# Installs what dlgrade needs on a fresh Debian machine, and nothing twice: the interpreter's
# numpy for the packs that pin numpy 1.x, torch (CPU) for the torch-training pack, bubblewrap for
# the sandbox, GNU Octave for the worker of the MATLAB packs, the full Fashion-MNIST for
# training checks on real data, chromium for the test that opens the HTML reports in a real
# browser, pytest and GNU time for `npm run bench`, Slurm and munge for the test that grades on
# a one-node cluster (tests/cluster/slurm.test.ts starts it with scripts/slurm-cluster.sh), and the
# npm packages.
set -euo pipefail
cd "$(dirname "$0")/.."

debs=(python3-numpy python3-scipy python3-yaml python3-torch bubblewrap octave dataset-fashion-mnist chromium python3-pytest time slurm-wlm munge)
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
