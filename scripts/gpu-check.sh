#!/usr/bin/env bash
# device_parity on a real GPU, as one prepared run (issue: GPU versus CPU on a real GPU).
#
# A GPU runner here has Python with PyTorch and CUDA but no Node and no package registry, so the
# run carries what it needs in .gpu/ (ignored by git): Node as .xz, the bundled CLI (its paths
# are relative to the repository, see bin/bundle.mjs) and bubblewrap with its libraries.
#
#   bash scripts/gpu-check.sh prepare     # here: fills .gpu/ (about 30 MB) and says how to run
#   bash scripts/gpu-check.sh run         # on the GPU machine, from the repository's root
#
# `run` grades fixtures/gpu/torch-training.yaml (the solution and two mutants that differ from
# it only on a GPU) on device_parity with tags cpu,gpu, sandboxed if bubblewrap works there and
# unsandboxed otherwise (it says which and why), and writes into $OUT (default /tmp/gpu-check):
# environment.txt (GPU, driver, torch), class.txt (the verdicts), figures.json (seconds and
# accuracy per device and student, for the pack's README) and results.tgz.
set -uo pipefail
cd "$(dirname "$0")/.."
GPU=.gpu

prepare() {
  command -v xz >/dev/null || { echo "gpu-check: xz is needed to pack Node (apt-get install -y xz-utils)" >&2; exit 2; }
  rm -rf "$GPU" && mkdir -p "$GPU/build" "$GPU/bwrap"
  node bin/dlgrade.mjs --version >/dev/null # builds or refreshes the bundle
  cp .dlgrade-cache/build/cli.mjs "$GPU/build/cli.mjs" # same depth as .dlgrade-cache/build/
  # The bundle keeps mathjs out (expression answers only); the GPU class has none.
  xz -T2 -6 -c "$(command -v node)" >"$GPU/node.xz"
  local bw; bw="$(command -v bwrap || true)"
  if [ -n "$bw" ]; then
    cp "$bw" "$GPU/bwrap/bwrap"
    ldd "$bw" | awk '/=> \// { print $3 }' | grep -v -e '/libc\.so' | xargs -r cp -t "$GPU/bwrap/"
  fi
  du -sh "$GPU"
  cat <<MSG
Prepared $GPU/. On the GPU machine, from the repository's root (the device tool: carry [".gpu"]):
  bash scripts/gpu-check.sh run
MSG
}

run() {
  local out="${OUT:-/tmp/gpu-check}" bin=/tmp/gpu-check-bin
  mkdir -p "$out" "$bin"
  [ -f "$GPU/node.xz" ] || { echo "gpu-check: $GPU/node.xz is missing: run 'bash scripts/gpu-check.sh prepare' first and carry $GPU" >&2; exit 2; }
  python3 -c "import lzma, shutil; shutil.copyfileobj(lzma.open('$GPU/node.xz'), open('$bin/node', 'wb'))" && chmod +x "$bin/node"
  {
    echo "== date"; date -u
    echo "== nvidia-smi"; nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv 2>&1 || echo "no nvidia-smi"
    echo "== python and torch"
    python3 -c "import sys, torch; print(sys.version.split()[0], 'torch', torch.__version__, 'cuda', torch.version.cuda, 'available', torch.cuda.is_available(), torch.cuda.get_device_name(0) if torch.cuda.is_available() else '')" 2>&1
    echo "== cpu"; nproc
  } >"$out/environment.txt"
  cat "$out/environment.txt"

  # bubblewrap: the machine's own, else the carried one; the grader finds it on PATH.
  local sandbox=(--no-sandbox) why="no bubblewrap"
  if ! command -v bwrap >/dev/null && [ -x "$GPU/bwrap/bwrap" ]; then
    printf '#!/bin/sh\nLD_LIBRARY_PATH=%s exec %s "$@"\n' "$PWD/$GPU/bwrap" "$PWD/$GPU/bwrap/bwrap" >"$bin/bwrap" && chmod +x "$bin/bwrap"
  fi
  export PATH="$bin:$PATH"
  if command -v bwrap >/dev/null; then
    if why="$(bwrap --unshare-all --die-with-parent --ro-bind / / --proc /proc --dev /dev true 2>&1)"; then
      sandbox=(); why="sandboxed by $(command -v bwrap)"
      # The GPU must be reachable inside the sandbox as the grader builds it (device nodes bound).
      python3 - <<'PY' >>"$out/environment.txt" 2>&1
import glob, subprocess
nodes = [a for d in sorted(glob.glob('/dev/nvidia*')) + sorted(glob.glob('/dev/dri/*')) for a in ('--dev-bind', d, d)]
cmd = ['bwrap', '--unshare-all', '--die-with-parent', '--ro-bind', '/', '/', '--proc', '/proc', '--dev', '/dev', *nodes,
       'python3', '-c', 'import torch; print("inside bubblewrap: cuda available", torch.cuda.is_available())']
print(subprocess.run(cmd, capture_output=True, text=True).stdout.strip() or 'inside bubblewrap: python failed')
PY
    else
      why="bubblewrap cannot run here: $why"
    fi
  fi
  echo "== isolation: $why" | tee -a "$out/environment.txt"

  local work=/tmp/gpu-check-class
  "$bin/node" --input-type=module -e "
    const { main } = await import('$PWD/$GPU/build/cli.mjs');
    process.exitCode = await main(process.argv.slice(1));
  " class fixtures/gpu/torch-training.yaml -o "$work" --tags cpu,gpu -j 1 --reports text "${sandbox[@]}" 2>&1 | tee "$out/class.txt"
  local rc=${PIPESTATUS[0]}
  python3 - "$work/results" >"$out/figures.json" <<'PY'
import json, os, sys
root = sys.argv[1]
figures = {}
for name in sorted(os.listdir(root)):
    f = os.path.join(root, name, 'result.json')
    if not os.path.isfile(f):
        continue
    r = json.load(open(f))
    for c in r['checks']:
        if c['id'] != 'device_parity':
            continue
        figures[name] = {
            'status': c['status'], 'message': c['message'],
            'cases': {k['name']: {'status': k['status'], 'message': k['message'], 'seconds': k.get('seconds'),
                                  'comparisons': [{m: v for m, v in x.items() if m in ('output', 'value', 'bar', 'passed')} for x in k.get('comparisons', [])]}
                      for k in c['cases']},
        }
    figures.setdefault('_environment', r.get('environment'))
print(json.dumps(figures, indent=1))
PY
  tar -czf "$out/results.tgz" -C "$work" results
  echo "gpu-check: class exit code $rc; figures in $out/figures.json"
  return "$rc"
}

case "${1:-}" in
  prepare) prepare ;;
  run) run ;;
  *) echo "usage: bash scripts/gpu-check.sh prepare|run" >&2; exit 2 ;;
esac
