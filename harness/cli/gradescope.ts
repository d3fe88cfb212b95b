/**
 * `dlgrade gradescope PACK -o autograder.zip`: the zip Gradescope's "Configure Autograder" takes.
 * Gradescope unpacks it into /autograder/source, runs setup.sh once when it builds the image
 * (Ubuntu 22.04, whose own Node is too old), then run_autograder for each submission. The zip holds:
 *
 * - setup.sh: installs a pinned Node (the one that built the engine, >= 20) from nodejs.org,
 *   checked against the release's published SHA-256 sums, unless a Node >= 20 is already there;
 *   then asks the engine whether an interpreter meets the pack's requirements and, only if none
 *   does, installs the pack's Python packages with pip (Octave with apt for a MATLAB pack).
 * - run_autograder: puts the grader in a network namespace of its own where the container allows
 *   it, runs `dlgrade autograde` (autograde.ts), and writes a results.json itself should even that
 *   fail to start.
 * - pack/: the autograder edition (assign.ts): the whole spec and the probes, no solution.
 * - engine/: the CLI's bundle (bin/bundle.mjs, relocatable) with the files it reads at run time
 *   (the Python driver, templates, the bundled data set where a training check needs it) and the
 *   few packages it loads on demand rather than bundles.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Command } from 'commander';
import { zipSync } from 'fflate';
import { REPO_ROOT, loadPack } from '../spec/load.ts';
import type { Pack } from '../spec/types.ts';
import { DlgradeError } from '../common/errors.ts';
import { writeAutograderEdition } from './assign.ts';
import { type Cli, UsageError } from './options.ts';

const BUILD = path.join(REPO_ROOT, '.dlgrade-cache', 'build');
/** Packages the bundle loads with require() at run time instead of bundling (see bin/bundle.mjs). */
const RUNTIME_PACKAGES = ['handlebars', 'ajv'];
/** Import names that pip knows by another name. */
const PIP_NAMES: Record<string, string> = { sklearn: 'scikit-learn', cv2: 'opencv-python-headless', PIL: 'pillow', yaml: 'pyyaml' };

export function gradescopeCommand(program: Command, _cli: Cli) {
  program
    .command('gradescope')
    .description("build Gradescope's autograder.zip for a pack (setup.sh, run_autograder, the autograder edition, the engine)")
    .argument('<pack>', "a shipped pack's name or a path to a pack")
    .requiredOption('-o, --out <zip>', 'the zip to write')
    .action((name: string, o: { out: string }) => {
      const pack = loadPack(name);
      if (pack.spec.edition) throw new UsageError(`${name} is a student edition: build the autograder from the full pack`);
      const files = autograderFiles(pack);
      const zip = zipSync(files, { level: 6 });
      fs.mkdirSync(path.dirname(path.resolve(o.out)), { recursive: true });
      fs.writeFileSync(o.out, zip);
      console.log(`${pack.spec.name}: wrote ${o.out} (${(zip.length / 1024 ** 2).toFixed(1)} MiB, ${Object.keys(files).length} files)`);
    });
}

type Entry = [Uint8Array, { os: number; attrs: number }];
const entry = (bytes: Uint8Array | string, mode = 0o644): Entry => [typeof bytes === 'string' ? Buffer.from(bytes) : bytes, { os: 3, attrs: ((0o100000 | mode) << 16) >>> 0 }];

/** Every file of the zip, by its path inside it. */
export function autograderFiles(pack: Pack): Record<string, Entry> {
  const files: Record<string, Entry> = {};
  const addTree = (from: string, to: string, keep: (rel: string) => boolean = () => true) => {
    for (const e of fs.readdirSync(from, { withFileTypes: true, recursive: true })) {
      if (!e.isFile()) continue;
      const abs = path.join(e.parentPath, e.name);
      const rel = path.relative(from, abs).split(path.sep).join('/');
      if (keep(rel)) files[`${to}/${rel}`] = entry(fs.readFileSync(abs), fs.statSync(abs).mode & 0o777);
    }
  };
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'dlgrade-gradescope-'));
  try {
    writeAutograderEdition(pack, path.join(tmp, 'pack'));
    addTree(path.join(tmp, 'pack'), 'pack');
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }

  const bundle = freshBundle();
  files['engine/.dlgrade-cache/build/cli.mjs'] = entry(fs.readFileSync(bundle));
  files['engine/dlgrade.mjs'] = entry(LAUNCHER, 0o755);
  files['engine/package.json'] = entry(fs.readFileSync(path.join(REPO_ROOT, 'package.json')));
  // What the engine reads beside its code: the drivers, schemas, templates.
  for (const dir of ['harness', 'reports']) addTree(path.join(REPO_ROOT, dir), `engine/${dir}`, (rel) => !rel.endsWith('.ts') && !rel.endsWith('DEPS.list'));
  if (pack.spec.checks.some((c) => c.train)) addTree(path.join(REPO_ROOT, 'fixtures', 'data'), 'engine/fixtures/data');
  const expression = pack.spec.checks.some((c) => c.answer?.type === 'expression');
  for (const name of packageClosure([...RUNTIME_PACKAGES, ...(expression ? ['mathjs'] : [])])) {
    addTree(path.join(REPO_ROOT, 'node_modules', name), `engine/node_modules/${name}`);
  }

  files['setup.sh'] = entry(setupScript(pack), 0o755);
  files['run_autograder'] = entry(RUN_AUTOGRADER, 0o755);
  return files;
}

/** The packages `roots` need, themselves included, as installed in node_modules. */
function packageClosure(roots: string[]): string[] {
  const seen = new Set<string>();
  const visit = (name: string) => {
    if (seen.has(name)) return;
    const pj = path.join(REPO_ROOT, 'node_modules', name, 'package.json');
    if (!fs.existsSync(pj)) throw new DlgradeError(`node_modules/${name} is missing: run npm ci first`);
    seen.add(name);
    const deps = JSON.parse(fs.readFileSync(pj, 'utf8')).dependencies ?? {};
    for (const d of Object.keys(deps)) visit(d);
  };
  roots.forEach(visit);
  return [...seen].sort();
}

const stamp = (file: string) => {
  const st = fs.statSync(file, { throwIfNoEntry: false });
  return st ? `${st.size}:${st.mtimeMs}:${st.ino}` : 'absent';
};

/**
 * The CLI's bundle, built now if it is missing or older than a source file (by running the CLI
 * once, which is how bin/bundle.mjs builds it), and refused if it still is not current.
 */
function freshBundle(): string {
  const env = { ...process.env };
  delete env.DLGRADE_NO_BUNDLE;
  spawnSync(process.execPath, [path.join(REPO_ROOT, 'bin', 'dlgrade.mjs'), '--version'], { env, stdio: 'ignore', timeout: 300_000 });
  const bundle = path.join(BUILD, 'cli.mjs');
  let manifest: { node: string; bundle: string; inputs: [string, string][] } | undefined;
  try {
    manifest = JSON.parse(fs.readFileSync(path.join(BUILD, 'cli.json'), 'utf8'));
  } catch {
    /* none */
  }
  const current = manifest && manifest.node === process.version && manifest.bundle === stamp(bundle) && manifest.inputs.every(([f, s]) => stamp(f) === s);
  if (!current) throw new DlgradeError(`the engine's bundle (${path.relative(process.cwd(), bundle)}) could not be built; run with DLGRADE_DEBUG=1 to see why`);
  return bundle;
}

const LAUNCHER = `#!/usr/bin/env node
// The engine as the autograder runs it: the CLI's bundle, with the files it reads beside it.
import { main } from './.dlgrade-cache/build/cli.mjs';
process.exitCode = await main(process.argv.slice(2));
`;

/** pip's requirement for each module the pack requires. */
function pipRequirements(pack: Pack): string[] {
  return Object.entries(pack.spec.python.requires ?? {}).map(([mod, spec]) => `${PIP_NAMES[mod] ?? mod}${spec.trim() === '*' ? '' : spec.replace(/\s+/g, '')}`);
}

const sh = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

function setupScript(pack: Pack): string {
  const node = process.version.slice(1);
  if (Number(node.split('.')[0]) < 20) throw new DlgradeError(`the engine must be built with Node 20 or later (this is ${process.version}): Gradescope's image gets the same version`);
  const reqs = pipRequirements(pack);
  const torch = reqs.some((r) => r.startsWith('torch'));
  const octave = pack.spec.worker === 'octave';
  return `#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder's image (Ubuntu 22.04).
# It installs only what is missing:
#   - Node ${node} (the version that built the engine) from https://nodejs.org/dist/v${node}/,
#     checked against that release's SHASUMS256.txt, into /autograder/node, unless a Node >= 20
#     is on PATH;
#   - ${octave ? 'Octave (apt-get install octave-cli), unless the pack finds one' : `the pack's Python packages (${reqs.join(', ') || 'none'}) with pip${torch ? " (torch from PyTorch's CPU index: Gradescope has no GPU)" : ''}, unless an interpreter
#     the pack lists already meets its requirements`}.
# Run again, it installs nothing.
set -euo pipefail
SRC="$(cd "$(dirname "\${BASH_SOURCE[0]}")" && pwd)"
NODE_VERSION=${node}

node_ok() { command -v "$1" >/dev/null 2>&1 && [ "$("$1" -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)" -ge 20 ]; }
if node_ok /autograder/node/bin/node; then NODE=/autograder/node/bin/node
elif node_ok node; then NODE="$(command -v node)"
else
  case "$(uname -m)" in x86_64) ARCH=x64 ;; aarch64) ARCH=arm64 ;; *) echo "setup.sh: no Node build for $(uname -m)" >&2; exit 1 ;; esac
  command -v curl >/dev/null 2>&1 || { apt-get update -q && apt-get install -y -q curl ca-certificates xz-utils; }
  TARBALL="node-v\${NODE_VERSION}-linux-\${ARCH}.tar.xz"
  TMP="$(mktemp -d)"
  curl -fsSL -o "$TMP/$TARBALL" "https://nodejs.org/dist/v\${NODE_VERSION}/$TARBALL"
  curl -fsSL -o "$TMP/SHASUMS256.txt" "https://nodejs.org/dist/v\${NODE_VERSION}/SHASUMS256.txt"
  (cd "$TMP" && grep " $TARBALL\\$" SHASUMS256.txt | sha256sum -c -)
  mkdir -p /autograder/node
  tar -xJf "$TMP/$TARBALL" -C /autograder/node --strip-components=1
  rm -rf "$TMP"
  NODE=/autograder/node/bin/node
fi
echo "setup.sh: Node $("$NODE" --version) ($NODE)"

if "$NODE" "$SRC/engine/dlgrade.mjs" autograde --pack "$SRC/pack" --check-interpreter; then
  echo "setup.sh: nothing to install"
  exit 0
fi
${octave ? `apt-get update -q && apt-get install -y -q octave-cli` : `PY="$(command -v python3 || true)"
if [ -z "$PY" ]; then apt-get update -q && apt-get install -y -q python3 python3-pip; PY="$(command -v python3)"; fi
"$PY" -m pip --version >/dev/null 2>&1 || { apt-get update -q && apt-get install -y -q python3-pip; }
"$PY" -m pip install --no-cache-dir${torch ? ' --extra-index-url https://download.pytorch.org/whl/cpu' : ''} ${reqs.map(sh).join(' ')}`}
"$NODE" "$SRC/engine/dlgrade.mjs" autograde --pack "$SRC/pack" --check-interpreter
`;
}

const RUN_AUTOGRADER = `#!/usr/bin/env bash
# Gradescope runs this for each submission, as root, with the hand-in in /autograder/submission.
# It always leaves /autograder/results/results.json: dlgrade autograde writes it (with the reason
# when grading fails), and should the grader not even start, this script writes one itself.
set -u
SRC=/autograder/source
RESULTS=/autograder/results/results.json
mkdir -p /autograder/results
NODE=node
[ -x /autograder/node/bin/node ] && NODE=/autograder/node/bin/node
# No network for the grader and everything it starts, where the container allows a namespace.
NET=() ; NETWORK=shared
if unshare -n true 2>/dev/null; then NET=(unshare -n); NETWORK=isolated; fi
\${NET[@]+"\${NET[@]}"} "$NODE" "$SRC/engine/dlgrade.mjs" autograde --pack "$SRC/pack" --submission /autograder/submission --results "$RESULTS" --network "$NETWORK"
rc=$?
if [ ! -s "$RESULTS" ]; then
  printf '{"score": 0, "output": "The autograder could not start (exit code %s); its output says why.", "tests": [], "extra_data": {"error": "dlgrade autograde exited %s without a result"}}\\n' "$rc" "$rc" > "$RESULTS"
fi
exit 0
`;
