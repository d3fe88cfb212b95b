/**
 * The scratch workspace of one submission: a copy of the submission (the worker may write to it
 * freely), folders for the checks' inputs (read-only for the worker) and outputs, a copy of the
 * driver and the pack's probes (read-only for the worker), and the worker's temporary folder. The original is never
 * touched, and nothing of the grader's (expected values, seeds, the spec) is ever written here.
 */
import fs from 'node:fs';
import path from 'node:path';
import tmp from 'tmp';
import { WORKER_FILES } from '../worker/worker.ts';
import type { WorkerLayout } from '../worker/sandbox.ts';
import type { Language } from '../spec/types.ts';

tmp.setGracefulCleanup();

export interface Workspace extends WorkerLayout {
  root: string;
  /** Entries of the submission that were not copied, with why. */
  skipped: string[];
  dispose(): void;
}

export const IGNORED = new Set(['.git', 'node_modules', '__pycache__', '.ipynb_checkpoints', '.venv', 'venv']);
/** What a submission may bring: far more than any homework, far less than a full disk. */
const MAX_FILES = 20_000;
export const MAX_BYTES = 256 * 1024 * 1024;

/** `generated`: probe files compiled from the spec (call checks), by their path under probes/. */
export function createWorkspace(submissionDir: string, parent: string | undefined, probesDir: string, language: Language = 'python', generated: Record<string, string> = {}): Workspace {
  if (parent) fs.mkdirSync(parent, { recursive: true });
  const root = scratchDir(parent);
  // What only the grader writes (each case's inputs, the driver and probes) goes to memory when
  // it can: a case writes several small files, and on a journalled disk their creation cost more
  // than the student's code ran. The student's writable folders stay on disk, where filling them
  // cannot take the machine's memory.
  const fast = parent ? root : (ramDisk() ? scratchDir(ramDisk()) : root);
  const layout = {
    submission: path.join(root, 'submission'),
    inputs: path.join(fast, 'in'),
    outputs: path.join(root, 'out'),
    grader: path.join(fast, 'grader'),
    tmp: path.join(root, 'tmp'),
  };
  for (const d of [layout.inputs, layout.outputs, layout.grader, layout.tmp]) {
    fs.mkdirSync(d);
    fs.chmodSync(d, 0o755);
  }
  const skipped: string[] = [];
  copyTree(submissionDir, layout.submission, '', skipped, { files: 0, bytes: 0 });
  for (const f of WORKER_FILES[language]) {
    const to = path.join(layout.grader, path.basename(f));
    if (fs.statSync(f).isDirectory()) copyTree(f, to, '', [], { files: 0, bytes: 0 });
    else fs.copyFileSync(f, to);
  }
  // A pack whose checks all use call steps may have no probes folder.
  if (fs.existsSync(probesDir)) copyTree(probesDir, path.join(layout.grader, 'probes'), '', [], { files: 0, bytes: 0 });
  for (const [rel, source] of Object.entries(generated)) {
    const to = path.join(layout.grader, 'probes', rel);
    fs.mkdirSync(path.dirname(to), { recursive: true });
    fs.writeFileSync(to, source);
  }
  makeReadable(layout.grader);
  const dispose = () => {
    fs.rmSync(root, { recursive: true, force: true });
    if (fast !== root) fs.rmSync(fast, { recursive: true, force: true });
  };
  return { root, ...layout, skipped, dispose };
}

function scratchDir(parent: string | undefined): string {
  const root = tmp.dirSync({ prefix: 'dlgrade-', unsafeCleanup: true, tmpdir: parent }).name;
  // Others may pass through (a worker running as a user of its own must) but not list it.
  fs.chmodSync(root, 0o711);
  return root;
}

const TMPFS_MAGIC = 0x01021994;
let ram: string | null | undefined;

/** /dev/shm when it is a writable tmpfs (Linux almost always), else null. */
function ramDisk(): string | undefined {
  if (ram === undefined) {
    ram = null;
    try {
      if (fs.statfsSync('/dev/shm').type === TMPFS_MAGIC) {
        fs.accessSync('/dev/shm', fs.constants.W_OK | fs.constants.X_OK);
        ram = '/dev/shm';
      }
    } catch {
      /* none: everything on disk */
    }
  }
  return ram ?? undefined;
}

/**
 * Copies regular files and folders only: links could point anywhere on the grader's machine
 * (another student's folder, the fixtures), and devices or pipes could hang whoever reads them.
 */
function copyTree(src: string, dst: string, rel: string, skipped: string[], count: { files: number; bytes: number }) {
  fs.mkdirSync(dst, { recursive: true });
  for (const entry of fs.readdirSync(src, { withFileTypes: true })) {
    const from = path.join(src, entry.name);
    const to = path.join(dst, entry.name);
    const relPath = rel ? `${rel}/${entry.name}` : entry.name;
    if (IGNORED.has(entry.name)) continue;
    if (entry.isSymbolicLink()) skipped.push(`${relPath} (a symbolic link)`);
    else if (entry.isDirectory()) copyTree(from, to, relPath, skipped, count);
    else if (entry.isFile()) {
      const size = fs.statSync(from).size;
      if (count.files + 1 > MAX_FILES || count.bytes + size > MAX_BYTES) {
        skipped.push(`${relPath} (the submission is larger than ${MAX_FILES} files or ${MAX_BYTES >> 20} MiB)`);
        continue;
      }
      count.files++;
      count.bytes += size;
      fs.copyFileSync(from, to);
    } else skipped.push(`${relPath} (not a regular file)`);
  }
}

function makeReadable(dir: string) {
  fs.chmodSync(dir, 0o755);
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) makeReadable(p);
    else fs.chmodSync(p, 0o644);
  }
}
