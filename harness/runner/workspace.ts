/**
 * The scratch workspace of one submission: a copy of the submission (the worker may write to it
 * freely), folders for the checks' inputs (read-only for the worker) and outputs, a copy of the
 * driver and the pack's probes (read-only for the worker), and the worker's temporary folder. The
 * original is never touched, and nothing of the grader's (expected values, seeds, the spec) is
 * ever written here.
 */
import fs from 'node:fs';
import path from 'node:path';
import tmp from 'tmp';
import picomatch from 'picomatch';
import { formatBytes } from '../worker/limits.ts';
import { WORKER_FILES } from '../worker/worker.ts';
import type { WorkerLayout } from '../worker/sandbox.ts';
import { DEFAULT_SUBMISSION_FILES, type Language } from '../spec/types.ts';

tmp.setGracefulCleanup();

export interface Workspace extends WorkerLayout {
  root: string;
  /** Graded files that could not be copied, each naming the file and why (the result's errors). */
  problems: string[];
  /** One line on what else was left out (the result's notes), or undefined when nothing was. */
  leftOut: string | undefined;
  dispose(): void;
}

export const IGNORED = new Set(['.git', 'node_modules', '__pycache__', '.ipynb_checkpoints', '.venv', 'venv']);

/**
 * What a submission may bring. The graded files (the pack's `submission.files`) come first and
 * always, each within a cap that fits any notebook with its plots; the rest of a repository
 * (data sets, a committed virtualenv, build output) only as far as the remaining limits allow,
 * so a student's 100,000 stray files cost a directory walk, never the grade.
 */
export interface CopyLimits {
  /** The largest graded file. */
  gradedFileBytes: number;
  /** Graded files in all: far more than any homework, far less than a full disk. */
  gradedFiles: number;
  /** Bytes copied in all, graded files first. */
  bytes: number;
  /** Files (and empty folders) copied besides the graded ones. */
  otherFiles: number;
  /** Entries looked at: past this many the walk stops and what it did not reach is left out. */
  scanned: number;
}

export const MAX_BYTES = 256 * 1024 * 1024;

export const COPY_LIMITS: CopyLimits = {
  gradedFileBytes: 32 * 1024 * 1024,
  gradedFiles: 20_000,
  bytes: MAX_BYTES,
  otherFiles: 5_000,
  scanned: 1_000_000,
};

export interface WorkspaceOptions {
  /** Where the scratch folder goes (default: the system's temporary folder, and /dev/shm for the grader's files). */
  scratch?: string;
  /** The pack's probes folder. */
  probes: string;
  language?: Language;
  /** Globs of the graded files (spec/types.ts gradedFiles); default: the language's (DEFAULT_SUBMISSION_FILES). */
  files?: readonly string[];
  /** Probe files compiled from the spec (call checks), by their path under probes/. */
  generated?: Record<string, string>;
  limits?: Partial<CopyLimits>;
}

export function createWorkspace(submissionDir: string, opts: WorkspaceOptions): Workspace {
  const { scratch: parent, probes: probesDir, language = 'python' } = opts;
  if (parent) fs.mkdirSync(parent, { recursive: true });
  const root = scratchDir(parent);
  // What only the grader writes (each case's inputs, the driver and probes) goes to memory when
  // it can: a case writes several small files, and on a journalled disk their creation cost more
  // than the student's code ran. The student's writable folders stay on disk, where filling them
  // cannot take the machine's memory.
  const fast = parent ? root : (ramDisk() ? scratchDir(ramDisk()) : root);
  const dispose = () => {
    fs.rmSync(root, { recursive: true, force: true });
    if (fast !== root) fs.rmSync(fast, { recursive: true, force: true });
  };
  const layout = {
    submission: path.join(root, 'submission'),
    inputs: path.join(fast, 'in'),
    outputs: path.join(root, 'out'),
    grader: path.join(fast, 'grader'),
    tmp: path.join(root, 'tmp'),
  };
  try {
    for (const d of [layout.inputs, layout.outputs, layout.grader, layout.tmp]) {
      fs.mkdirSync(d);
      fs.chmodSync(d, 0o755);
    }
    const copied = copySubmission(submissionDir, layout.submission, opts.files ?? DEFAULT_SUBMISSION_FILES[language], { ...COPY_LIMITS, ...opts.limits });
    for (const f of WORKER_FILES[language]) {
      const to = path.join(layout.grader, path.basename(f));
      if (fs.statSync(f).isDirectory()) copyTree(f, to);
      else fs.copyFileSync(f, to);
    }
    // A pack whose checks all use call steps may have no probes folder.
    if (fs.existsSync(probesDir)) copyTree(probesDir, path.join(layout.grader, 'probes'));
    for (const [rel, source] of Object.entries(opts.generated ?? {})) {
      const to = path.join(layout.grader, 'probes', rel);
      fs.mkdirSync(path.dirname(to), { recursive: true });
      fs.writeFileSync(to, source);
    }
    makeReadable(layout.grader);
    return { root, ...layout, ...copied, dispose };
  } catch (e) {
    dispose(); // a full disk or an unreadable probe: no scratch folder outlives the error
    throw e;
  }
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

/** The grader's own folders (the driver, the probes): trusted, small, copied whole. */
function copyTree(src: string, dst: string) {
  fs.mkdirSync(dst, { recursive: true });
  for (const entry of fs.readdirSync(src, { withFileTypes: true })) {
    if (IGNORED.has(entry.name)) continue;
    const from = path.join(src, entry.name);
    const to = path.join(dst, entry.name);
    if (entry.isDirectory()) copyTree(from, to);
    else if (entry.isFile()) fs.copyFileSync(from, to);
  }
}

interface Found {
  rel: string;
  size: number;
  depth: number;
  /** An empty folder: made, so that code writing into it finds it. */
  dir?: boolean;
}

/** What was not copied besides what is over the limits, by kind, for the one line. */
interface Odd {
  kind: 'symbolic link' | 'entry that is not a regular file' | 'unreadable entry';
  rel: string;
}

/**
 * Copies the submission in two passes over one walk. The walk (breadth first, names sorted, so
 * the files near the top come first and the order never depends on the file system) stats every
 * entry but reads none. Then the graded files are copied, then the others while they fit.
 * Regular files and folders only: links could point anywhere on the grader's machine (another
 * student's folder, the fixtures), and devices or pipes could hang whoever reads them.
 */
export function copySubmission(src: string, dst: string, files: readonly string[], limits: CopyLimits): { problems: string[]; leftOut: string | undefined } {
  const isGraded = picomatch(files as string[], { dot: true });
  const graded: Found[] = [], others: Found[] = [], odd: Odd[] = [], problems: string[] = [];
  let scanned = 0, unscanned = false;
  fs.mkdirSync(dst, { recursive: true });
  const queue: { abs: string; rel: string; depth: number }[] = [{ abs: src, rel: '', depth: 0 }];
  for (let q = 0; q < queue.length; q++) {
    const dir = queue[q];
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(dir.abs, { withFileTypes: true });
    } catch (e) {
      if (!dir.rel) throw e; // the submission itself: the grader's problem, not the student's
      odd.push({ kind: 'unreadable entry', rel: `${dir.rel}/` });
      continue;
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    if (!entries.length && dir.rel) others.push({ rel: dir.rel, size: 0, depth: dir.depth, dir: true });
    for (const entry of entries) {
      if (IGNORED.has(entry.name)) continue;
      if (++scanned > limits.scanned) {
        unscanned = true;
        break;
      }
      const rel = dir.rel ? `${dir.rel}/${entry.name}` : entry.name;
      const abs = path.join(dir.abs, entry.name);
      if (entry.isDirectory()) queue.push({ abs, rel, depth: dir.depth + 1 });
      else if (entry.isFile()) {
        let size: number;
        try {
          size = fs.lstatSync(abs).size;
        } catch (e) {
          if (isGraded(rel)) problems.push(`${rel} is graded but could not be copied: it cannot be read (${(e as NodeJS.ErrnoException).code})`);
          else odd.push({ kind: 'unreadable entry', rel });
          continue;
        }
        (isGraded(rel) ? graded : others).push({ rel, size, depth: dir.depth });
      } else {
        const kind = entry.isSymbolicLink() ? 'symbolic link' : 'entry that is not a regular file';
        if (isGraded(rel)) problems.push(`${rel} is graded but could not be copied: it is a${kind === 'symbolic link' ? ' symbolic link (hand in the file itself)' : 'n entry that is not a regular file'}`);
        else odd.push({ kind, rel });
      }
    }
    if (unscanned) break;
  }

  const made = new Set<string>();
  const copy = (f: Found): string | undefined => {
    const to = path.join(dst, f.rel);
    try {
      const parent = f.dir ? to : path.dirname(to);
      if (!made.has(parent)) {
        fs.mkdirSync(parent, { recursive: true });
        made.add(parent);
      }
      if (!f.dir) fs.copyFileSync(path.join(src, f.rel), to);
      return undefined;
    } catch (e) {
      return (e as NodeJS.ErrnoException).code ?? (e as Error).message;
    }
  };

  let bytes = 0, gradedCount = 0;
  const failedGraded: string[] = [];
  for (const f of graded) {
    let why: string | undefined;
    if (f.size > limits.gradedFileBytes) why = `it is ${formatBytes(f.size)}, over the ${formatBytes(limits.gradedFileBytes)} a graded file may have`;
    else if (gradedCount + 1 > limits.gradedFiles || bytes + f.size > limits.bytes) {
      why = `the graded files are more than ${count(limits.gradedFiles)} files or ${formatBytes(limits.bytes)} in all`;
    } else {
      const code = copy(f);
      if (code) why = `it cannot be read (${code})`;
      else {
        gradedCount++;
        bytes += f.size;
        continue;
      }
    }
    failedGraded.push(`${f.rel} is graded but could not be copied: ${why}`);
  }
  // One line each for the first few; past them, a count: a result is read by a person.
  problems.push(...failedGraded.slice(0, 10));
  if (failedGraded.length > 10) problems.push(`and ${count(failedGraded.length - 10)} more graded files could not be copied`);

  const over: Found[] = [];
  let otherCount = 0;
  for (const f of others) {
    if (otherCount + 1 > limits.otherFiles || bytes + f.size > limits.bytes) {
      over.push(f);
      continue;
    }
    const code = copy(f);
    if (code) odd.push({ kind: 'unreadable entry', rel: f.rel });
    else {
      otherCount++;
      bytes += f.size;
    }
  }
  return { problems, leftOut: leftOutLine(over, odd, unscanned, problems.length === 0, limits) };
}

const count = (n: number) => n.toLocaleString('en-US');
const plural = (n: number, one: string, many = `${one}s`) => `${count(n)} ${n === 1 ? one : many}`;
const KIND_WORDS: Record<Odd['kind'], [string, string]> = {
  'symbolic link': ['symbolic link', 'symbolic links'],
  'entry that is not a regular file': ['entry that is not a regular file', 'entries that are not regular files'],
  'unreadable entry': ['unreadable entry', 'unreadable entries'],
};

/**
 * The one line a result says about what was not copied: how many files, how large, under which
 * top folders, never their names (a repository's 100,000 stray files would bury the result).
 */
function leftOutLine(over: Found[], odd: Odd[], unscanned: boolean, gradedCopied: boolean, limits: CopyLimits): string | undefined {
  if (!over.length && !odd.length && !unscanned) return undefined;
  const parts: string[] = [];
  if (over.length || unscanned) {
    const files = over.filter((f) => !f.dir);
    const bytes = files.reduce((s, f) => s + f.size, 0);
    const folders = new Map<string, number>();
    for (const f of over) {
      const top = f.rel.includes('/') || f.dir ? `${f.rel.split('/')[0]}/` : '';
      folders.set(top, (folders.get(top) ?? 0) + 1);
    }
    const named = [...folders].filter(([top]) => top).sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).map(([top]) => top);
    const where = [...named.slice(0, 4), ...(named.length > 4 ? [`${named.length - 4} more folders`] : []), ...(folders.has('') ? ['the top folder'] : [])];
    const what = files.length || unscanned
      ? `${unscanned ? 'more than ' : ''}${plural(files.length, 'file')}${bytes ? ` (${formatBytes(bytes)})` : ''}`
      : plural(over.length, 'empty folder');
    const whereText = where.length ? ` under ${where.length > 1 ? `${where.slice(0, -1).join(', ')} and ${where[where.length - 1]}` : where[0]}` : '';
    const why = unscanned
      ? `over the submission limits (the walk stopped after ${count(limits.scanned)} entries)`
      : `over the submission limits (${count(limits.otherFiles)} files besides the graded ones, ${formatBytes(limits.bytes)} in all)`;
    parts.push(`left out ${what}${whereText}: ${why}`);
  }
  const kinds = new Map<Odd['kind'], string[]>();
  for (const o of odd) kinds.set(o.kind, [...(kinds.get(o.kind) ?? []), o.rel]);
  for (const [kind, rels] of kinds) {
    const names = `${rels.slice(0, 3).join(', ')}${rels.length > 3 ? ', ...' : ''}`;
    parts.push(`${parts.length ? '' : 'left out '}${plural(rels.length, ...KIND_WORDS[kind])} (${names})`);
  }
  parts.push(gradedCopied ? 'the graded files were all copied' : 'some graded files could not be copied (see the errors)');
  return parts.join('; ');
}

function makeReadable(dir: string) {
  fs.chmodSync(dir, 0o755);
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) makeReadable(p);
    else fs.chmodSync(p, 0o644);
  }
}
