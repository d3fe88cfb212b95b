/**
 * Where and as whom a worker runs. With bubblewrap, each worker sees a read-only system (/usr,
 * /etc and the interpreter's own folders), a writable copy of the submission and the check's
 * inputs, the driver and the pack's probes read-only, and nothing else: not the grader's checkout
 * (fixtures, solutions), not the other students, not the results. It has no network, its own PID
 * namespace (everything the student starts dies with it) and dies with the grader.
 *
 * The process limit (RLIMIT_NPROC) is counted per user, and not at all for root. So a grader
 * running as root gives every worker a user id of its own (no passwd entry needed): the count is
 * then exactly that worker's processes, and the student cannot raise the limits back. A grader
 * running as a normal user puts each sandbox in a user namespace of its own, where the kernel
 * also counts per sandbox.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DlgradeError } from '../common/errors.ts';
import type { Language } from '../spec/types.ts';
import { OCTAVE_FLAGS } from './octave-flags.ts';

/** The grader's own checkout: never visible inside a sandbox, wherever it is installed. */
const GRADER_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export type Isolation =
  | {
      kind: 'bubblewrap';
      bwrap: string;
      version: string;
      /** bwrap understands --size (a bounded /tmp), --perms, --chmod and --disable-userns. */
      features: { size: boolean; perms: boolean; chmod: boolean; disableUserns: boolean };
      /** Root grader: bwrap runs privileged and setpriv drops to the worker's own user. */
      setpriv?: string;
      /** Paths to keep out of sight even where they lie under a folder the sandbox shows. */
      hide: string[];
      description: string;
    }
  | {
      kind: 'none';
      description: string;
      /**
       * false: each worker runs as the grader's own user even when that is root, in a container
       * that allows no other (Gradescope's, simulated with one uid mapped). Default: a user of its own.
       */
      ownUser?: boolean;
    };

export class SandboxError extends DlgradeError {
  override name = 'SandboxError';
}

/**
 * A worker's folders as the grader sees them. The grader writes only where the worker cannot
 * (inputs, grader): a link the student planted there could otherwise send the grader's writes
 * anywhere on its machine. Where the worker writes (outputs), the grader only creates fresh
 * folders and reads files, refusing links.
 */
export interface WorkerLayout {
  /** The student's copy (read-write for the worker). */
  submission: string;
  /** The checks' input arrays (read-only for the worker). */
  inputs: string;
  /** One fresh folder per request for its outputs (the worker writes only inside those). */
  outputs: string;
  /** driver.py and probes/ (read-only for the worker). */
  grader: string;
  /** The worker's HOME and TMPDIR when unsandboxed (inside a sandbox, /tmp is its own). */
  tmp: string;
}

/** Where the layout appears inside a sandbox. */
const INSIDE = { submission: '/w/submission', inputs: '/w/in', outputs: '/w/out', grader: '/dlgrade' } as const;

const SYSTEM = ['/usr', '/etc', '/lib', '/lib64', '/lib32', '/libx32', '/bin', '/sbin'];

const isUnder = (p: string, base: string) => p === base || p.startsWith(base.endsWith('/') ? base : `${base}/`);

// ---------------------------------------------------------------------------------------------
// Worker users

const UID_BASE = 1_000_000_000;
const UIDS_PER_GRADER = 4096;
let uidCounter = 0;

export const runningAsRoot = () => process.getuid?.() === 0;

/**
 * A fresh user id for the next worker when the grader is root (none otherwise). Grader processes
 * running side by side take different blocks (by pid); within one, ids are reused only after 4096
 * workers, long after the earlier holder is gone.
 */
export function nextWorkerUid(): number | undefined {
  if (!runningAsRoot()) return undefined;
  return UID_BASE + (process.pid % 250_000) * UIDS_PER_GRADER + (uidCounter++ % UIDS_PER_GRADER);
}

/** The ids the grader process `pid` hands out (for tests that look for leftover processes). */
export function workerUidRange(pid = process.pid): [number, number] {
  const lo = UID_BASE + (pid % 250_000) * UIDS_PER_GRADER;
  return [lo, lo + UIDS_PER_GRADER - 1];
}

// ---------------------------------------------------------------------------------------------
// Detection

interface Bubblewrap {
  path: string;
  version: string;
  help: string;
}

function onPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin').split(':')) {
    const p = path.join(dir || '.', name);
    try {
      fs.accessSync(p, fs.constants.X_OK);
      if (fs.statSync(p).isFile()) return p;
    } catch {
      /* not here */
    }
  }
  return undefined;
}

let found: Promise<Bubblewrap | undefined> | undefined;

/** Where what bwrap said of itself is remembered between runs, by the binary's size, time and inode. */
export interface ToolMemo {
  get(key: string): unknown;
  put(key: string, value: unknown): void;
}

export function findBubblewrap(memo?: ToolMemo): Promise<Bubblewrap | undefined> {
  found ??= (async () => {
    const bwrap = onPath('bwrap');
    if (!bwrap) return undefined;
    const st = fs.statSync(bwrap);
    const key = createHash('sha256').update(JSON.stringify(['bwrap', bwrap, st.size, st.mtimeMs, st.ino])).digest('hex');
    const known = memo?.get(key) as Bubblewrap | undefined;
    if (known?.path === bwrap && typeof known.version === 'string' && typeof known.help === 'string') return known;
    const { execa } = await import('execa'); // on first use, like everything that starts processes
    const v = await execa(bwrap, ['--version'], { reject: false, timeout: 10_000 });
    if (v.exitCode !== 0) return undefined;
    const h = await execa(bwrap, ['--help'], { reject: false, timeout: 10_000 });
    const bw = { path: bwrap, version: v.stdout.trim().replace(/^bubblewrap\s*/, ''), help: `${h.stdout}\n${h.stderr}` };
    memo?.put(key, bw);
    return bw;
  })();
  return found;
}

export const NOT_INSTALLED =
  'bubblewrap (bwrap) is not installed, so student code cannot be sandboxed. Install it ' +
  '(Debian/Ubuntu: apt-get install -y bubblewrap), or pass --no-sandbox to run student code ' +
  'without isolation (limits still apply).';

const trials = new Map<string, Promise<Isolation>>();

export interface IsolationRequest {
  sandbox: boolean;
  /** The interpreter the trial run starts (a Python, or an Octave for language octave). */
  python: string;
  language?: Language;
  hide?: string[];
  why?: string;
}

/**
 * The isolation to grade with. `sandbox: false` is the caller saying --no-sandbox. With a sandbox
 * asked for, bubblewrap must be installed and a trial run of `python` inside it must work, or this
 * throws a SandboxError saying what to do.
 */
export async function resolveIsolation(opts: IsolationRequest): Promise<Isolation> {
  const iso = await planIsolation(opts);
  await verifyIsolation(iso, opts.python, opts.language);
  return iso;
}

/**
 * The isolation resolveIsolation would give, without its trial run (verifyIsolation): enough to
 * know what results would record, which is all a batch whose results are all cached needs.
 */
export function planIsolation(opts: IsolationRequest): Promise<Isolation> {
  if (!opts.sandbox) {
    const who = runningAsRoot() ? 'as an unprivileged user of its own' : "as the grader's user";
    return Promise.resolve({
      kind: 'none',
      description: `none (${opts.why ?? '--no-sandbox'}): the student's code ran ${who}, could read what that user can read, use the network and outlive a check if it tried hard; limits applied`,
    });
  }
  const hide = [...new Set([GRADER_ROOT, ...(opts.hide ?? []).map((p) => path.resolve(p))])].sort();
  return plan(hide);
}

/** Runs the trial of a planned bubblewrap isolation once per interpreter and isolation. */
export function verifyIsolation(iso: Isolation, python: string, language: Language = 'python'): Promise<Isolation> {
  if (iso.kind === 'none') return Promise.resolve(iso);
  const key = `${python}\0${iso.hide.join('\0')}`;
  if (!trials.has(key)) trials.set(key, trial(iso, python, language));
  return trials.get(key)!;
}

async function plan(hide: string[]): Promise<Isolation> {
  const bw = await findBubblewrap();
  if (!bw) throw new SandboxError(NOT_INSTALLED);
  let setpriv: string | undefined;
  if (runningAsRoot()) {
    setpriv = onPath('setpriv');
    if (!setpriv) throw new SandboxError('the grader runs as root, and running each worker as a user of its own needs setpriv (util-linux), which is not installed; install util-linux, or run the grader as a normal user');
  }
  const who = setpriv ? 'an unprivileged user of its own' : "the grader's user in a user namespace of its own";
  const iso: Isolation = {
    kind: 'bubblewrap',
    bwrap: bw.path,
    version: bw.version,
    features: { size: /--size\b/.test(bw.help), perms: /--perms\b/.test(bw.help), chmod: /--chmod\b/.test(bw.help), disableUserns: /--disable-userns\b/.test(bw.help) },
    setpriv,
    hide,
    description: `bubblewrap ${bw.version} (no network, read-only system, own PID namespace, runs as ${who})`,
  };
  return iso;
}

async function trial(iso: Isolation & { kind: 'bubblewrap' }, python: string, language: Language): Promise<Isolation> {
  // A trial run with the real interpreter, as a worker runs: a kernel without user namespaces, an
  // interpreter the worker's user cannot read, or a broken install all show up here, once.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dlgrade-trial-'));
  try {
    const layout: WorkerLayout = { submission: path.join(dir, 's'), inputs: path.join(dir, 'i'), outputs: path.join(dir, 'o'), grader: path.join(dir, 'g'), tmp: path.join(dir, 't') };
    for (const d of Object.values(layout)) fs.mkdirSync(d, { mode: 0o755 });
    fs.chmodSync(dir, 0o711);
    const uid = nextWorkerUid();
    if (uid !== undefined) for (const d of [layout.submission, layout.tmp]) fs.chownSync(d, uid, uid);
    const octave = language === 'octave';
    const roots = octave ? [] : await interpreterRoots(python);
    const command = octave ? [python, ...OCTAVE_FLAGS, '--eval', 'printf("ok %d", getpid())'] : [python, '-c', 'import os, sys; sys.stdout.write("ok %d" % os.getuid())'];
    const plan = launchCommand(iso, layout, roots, command, uid, octave ? 'grader' : 'submission');
    const { execa } = await import('execa');
    const r = await execa(plan.file, plan.args, { cwd: plan.cwd, env: plan.env, extendEnv: false, reject: false, timeout: 60_000, uid: plan.uid, gid: plan.gid });
    if (r.exitCode !== 0 || !r.stdout.startsWith('ok')) {
      const why = (r.stderr || r.stdout || `exit code ${r.exitCode}`).trim().split('\n').slice(-3).join(' | ');
      throw new SandboxError(`bubblewrap ${iso.version} is installed but could not run ${python} in a sandbox: ${why}. Fix that (user namespaces disabled? an interpreter the worker's user cannot read?), or pass --no-sandbox.`);
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return iso;
}

// ---------------------------------------------------------------------------------------------
// The interpreter's own folders

const rootsCache = new Map<string, Promise<string[]>>();

/**
 * Folders outside the system ones that the interpreter needs (a pyenv or venv prefix, their
 * site-packages), asked of the interpreter itself in isolated mode, as the pack check does.
 */
export function interpreterRoots(python: string): Promise<string[]> {
  if (!rootsCache.has(python)) {
    rootsCache.set(python, (async () => {
      const code = 'import json, sys; print(json.dumps([sys.executable, sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix] + sys.path))';
      const { execa } = await import('execa');
      const r = await execa(python, ['-I', '-c', code], { reject: false, timeout: 60_000 });
      if (r.exitCode !== 0) throw new SandboxError(`${python} does not run: ${(r.stderr || r.stdout).trim().split('\n').pop()}`);
      const [exe, ...rest] = JSON.parse(r.stdout) as string[];
      const candidates = [path.dirname(exe), path.dirname(fs.realpathSync(exe)), ...rest]
        .filter((p) => p && path.isAbsolute(p) && fs.existsSync(p))
        .map((p) => fs.realpathSync(p))
        .filter((p) => !SYSTEM.some((s) => isUnder(p, s)));
      // Keep the outermost of nested folders: binding a prefix also shows its lib/ and bin/.
      const unique = [...new Set(candidates)].sort();
      return unique.filter((p) => !unique.some((q) => q !== p && isUnder(p, q)));
    })());
  }
  return rootsCache.get(python)!;
}

// ---------------------------------------------------------------------------------------------
// The command

export interface LaunchPlan {
  file: string;
  args: string[];
  /** Run the process as this user (unsandboxed root grader only). */
  uid?: number;
  gid?: number;
  env: Record<string, string>;
  cwd: string;
  /** A grader-side path of the layout as the worker sees it. */
  toWorker: (hostPath: string) => string;
}

const BASE_ENV = {
  LANG: 'C.UTF-8',
  PYTHONDONTWRITEBYTECODE: '1',
  PYTHONHASHSEED: '0',
  PYTHONNOUSERSITE: '1',
  PYTHONUNBUFFERED: '1',
  OMP_NUM_THREADS: '1',
  OPENBLAS_NUM_THREADS: '1',
  MKL_NUM_THREADS: '1',
  MPLBACKEND: 'Agg',
};

/** NVIDIA's device nodes (/dev/nvidia0, nvidiactl, nvidia-uvm, nvidia-caps/...) and /dev/dri's. */
export function gpuDeviceNodes(dev = '/dev'): string[] {
  const found: string[] = [];
  const list = (dir: string): string[] => {
    try {
      return fs.readdirSync(dir).sort();
    } catch {
      return [];
    }
  };
  for (const name of list(dev)) {
    if (!name.startsWith('nvidia')) continue;
    const p = path.join(dev, name);
    if (name === 'nvidia-caps') found.push(...list(p).map((n) => path.join(p, n)));
    else found.push(p);
  }
  found.push(...list(path.join(dev, 'dri')).map((n) => path.join(dev, 'dri', n)));
  return found;
}

/** The path mapping alone, for building the driver's arguments before the command. */
export function workerPaths(iso: Isolation, layout: WorkerLayout): (hostPath: string) => string {
  if (iso.kind === 'none') return (p) => p;
  const pairs = (Object.keys(INSIDE) as (keyof typeof INSIDE)[]).map((k) => [path.resolve(layout[k]), INSIDE[k]] as const);
  return (hostPath: string) => {
    const p = path.resolve(hostPath);
    for (const [host, inside] of pairs) if (isUnder(p, host)) return inside + p.slice(host.length);
    throw new Error(`sandbox: ${hostPath} is not inside the worker's folders`);
  };
}

/**
 * The command that runs `command` (the interpreter first) for one worker. The environment is
 * rebuilt from scratch in both modes: the grader's own variables (tokens in CI, paths to the
 * course's files) never reach student code.
 */
/** `start`: the folder the worker starts in (the submission, or for Octave the grader's). */
export function launchCommand(iso: Isolation, layout: WorkerLayout, roots: string[], command: string[], uid?: number, start: 'submission' | 'grader' = 'submission'): LaunchPlan {
  const toWorker = workerPaths(iso, layout);
  if (iso.kind === 'none') {
    return {
      file: command[0], args: command.slice(1), uid, gid: uid, cwd: layout[start], toWorker,
      env: { ...BASE_ENV, PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin', HOME: layout.tmp, TMPDIR: layout.tmp },
    };
  }
  const a: string[] = [];
  for (const dir of SYSTEM) {
    if (!fs.existsSync(dir)) continue;
    const st = fs.lstatSync(dir);
    if (st.isSymbolicLink()) a.push('--symlink', fs.readlinkSync(dir), dir);
    else if (st.isDirectory()) a.push('--ro-bind', dir, dir);
  }
  a.push('--proc', '/proc', '--dev', '/dev');
  // A GPU runner's checks need the GPU inside: its device nodes, and /sys (read-only) where
  // CUDA reads the PCI topology. Nothing of the kind is shown on a machine without one.
  const gpu = gpuDeviceNodes();
  for (const d of gpu) a.push('--dev-bind', d, d);
  if (gpu.length && fs.existsSync('/sys')) a.push('--ro-bind', '/sys', '/sys');
  // A /tmp of its own, writable by the worker's user like any /tmp (bwrap makes it 0755, root's).
  if (iso.features.perms) a.push('--perms', '1777');
  if (iso.features.size) a.push('--size', String(256 * 1024 * 1024));
  a.push('--tmpfs', '/tmp');
  if (!iso.features.perms && iso.features.chmod) a.push('--chmod', '1777', '/tmp');
  // The grader's files may sit under a folder shown read-only (an install under /usr, say):
  // an empty tmpfs over them keeps them out of sight. The interpreter is bound after, so a venv
  // inside a hidden folder still works.
  const shown = [...SYSTEM, ...roots];
  for (const p of iso.hide) if (shown.some((s) => isUnder(p, s)) && fs.existsSync(p)) a.push('--tmpfs', p, '--remount-ro', p);
  // Parents a bind creates on its own are private to root (0700): make them readable first.
  const parents = new Set<string>();
  for (const p of [...roots, ...Object.values(INSIDE)]) for (let d = path.dirname(p); d !== '/'; d = path.dirname(d)) parents.add(d);
  for (const d of [...parents].sort()) if (!shown.some((s) => isUnder(d, s)) && d !== '/tmp') a.push('--dir', d);
  for (const r of roots) a.push('--ro-bind', r, r);
  a.push('--bind', layout.submission, INSIDE.submission, '--ro-bind', layout.inputs, INSIDE.inputs,
    '--bind', layout.outputs, INSIDE.outputs, '--ro-bind', layout.grader, INSIDE.grader);
  a.push('--unshare-net', '--unshare-pid', '--unshare-ipc', '--unshare-uts', '--unshare-cgroup-try', '--hostname', 'dlgrade');
  if (!iso.setpriv) {
    a.push('--unshare-user');
    if (iso.features.disableUserns) a.push('--disable-userns');
  }
  a.push('--die-with-parent', '--new-session', '--chdir', INSIDE[start], '--clearenv');
  const env: Record<string, string> = { ...BASE_ENV, PATH: '/usr/local/bin:/usr/bin:/bin', HOME: '/tmp', TMPDIR: '/tmp' };
  for (const [k, v] of Object.entries(env)) a.push('--setenv', k, v);
  if (iso.setpriv && uid !== undefined) {
    // bwrap drops every capability but these two; setpriv uses them to become the worker's user,
    // after which the process has none and cannot gain any (no_new_privs).
    a.push('--cap-add', 'CAP_SETUID', '--cap-add', 'CAP_SETGID', '--', iso.setpriv,
      '--reuid', String(uid), '--regid', String(uid), '--clear-groups', '--no-new-privs', ...command);
  } else {
    a.push('--', ...command);
  }
  return { file: iso.bwrap, args: a, cwd: layout.submission, toWorker, env: { PATH: process.env.PATH ?? '/usr/bin:/bin' } };
}
