/**
 * One long-lived worker per submission (the Python driver, or the Octave one for MATLAB hand-ins:
 * octave/driver.m). Requests and replies travel on two pipes of
 * their own (fds 3 and 4 in the worker), never on the student's stdout. The worker runs in its
 * own process group, sandboxed (sandbox.ts) unless the caller chose not to, under the limits of
 * limits.ts; a timeout kills it together with everything the student started.
 *
 * Nothing that arrives from the worker is trusted: a reply counts only if it answers the request
 * in flight with that request's nonce, its fields are checked and capped, and the outputs it
 * names are read by the caller from where the grader told the worker to write them.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import type { Readable, Writable } from 'node:stream';
import { OCTAVE_FLAGS } from './octave-flags.ts';
import { type TimeLimit, WaitMeter, creditedLimit, graderWaitSeconds, limitSeconds } from './cpu-wait.ts';
import type { ResultPromise } from 'execa';
import type { Language } from '../spec/types.ts';
import { type WorkerLimits, formatBytes, limitArgs } from './limits.ts';
import { type CellOutcome, type FailedStep, type ForbiddenNote, type ForbiddenUse, MAX_LINE, type NotebookReport, type Request, type ResultReply, type RunRequest, type StudentError, type WorkerTiming, readReply } from './protocol.ts';
import { type Isolation, type WorkerLayout, interpreterRoots, launchCommand, nextWorkerUid, workerPaths } from './sandbox.ts';

const HERE = path.dirname(fileURLToPath(import.meta.url));
export const DRIVER = path.join(HERE, 'driver.py');
/**
 * What the worker needs beside it in the grader's folder of a workspace: the driver, the modules
 * it imports (the notebook filter, numpy compatibility) and the helpers probes import.
 */
export const WORKER_FILES: Readonly<Record<Language, readonly string[]>> = {
  python: ['driver.py', 'dlgrade_forbid.py', 'dlgrade_notebook.py', 'dlgrade_outputs.py', 'numpy_compat.py', 'dlgrade_probe.py'].map((f) => path.join(HERE, f)),
  // The Octave driver's folder as a whole: driver.m, its helpers and the guards.
  octave: [path.join(HERE, 'octave')],
};
/** Runs a command under resource limits it cannot lift (util-linux, beside setpriv). */
const PRLIMIT = '/usr/bin/prlimit';

export interface WorkerOptions {
  /** The driver to start (default python). */
  language?: Language;
  /** The interpreter: a Python, or for language octave an Octave (octave-cli). */
  python: string;
  /** The worker's folders (see WorkerLayout); the driver is at `<grader>/driver.py`. */
  layout: WorkerLayout;
  /** Folders of the submission to put on sys.path. */
  paths: string[];
  /** Cap on the stdout and stderr kept, each. */
  outputBytes: number;
  limits: WorkerLimits;
  isolation: Isolation;
  /** Restore names numpy removed (np.float, np.NaN, ...) for code written against an older numpy. */
  legacyNumpyNames?: boolean;
  /**
   * The submission is a notebook: probes import its extracted code as `module`, or with
   * `execute`, the module the whole notebook became when it ran (see execute()).
   */
  notebook?: { module: string; files: string[]; execute?: boolean; record?: number[] };
  /** Every module and function some check forbids: the driver guards them (dlgrade_forbid.py). */
  forbid?: string[];
  /** Stops the worker and everything it started when it aborts (the grader was interrupted). */
  signal?: AbortSignal;
}

/** What a run request may carry besides its array inputs. */
export type RunExtras = Pick<RunRequest, 'text' | 'entry' | 'forbid'>;

/** What any outcome with a reply may say of forbidden libraries (protocol.ts ForbiddenUse). */
interface PolicyReport {
  /** Uses of what the check forbids: they fail it. */
  forbidden?: ForbiddenUse[];
  /** Uses that fail nothing (while a module was imported). */
  forbiddenNotes?: ForbiddenNote[];
}

export type RunOutcome =
  | ({
      status: 'ok'; outputs: string[]; values: Record<string, number>; seconds: number; timing?: WorkerTiming; inline?: Record<string, Uint8Array>;
      /** Outputs that could not be sent, and why; steps of the probe that raised. */
      problems?: Record<string, string>; failedSteps?: FailedStep[];
      /** An executed notebook's cells. */
      cells?: CellOutcome[];
    } & PolicyReport)
  | ({ status: 'error'; error: StudentError; seconds: number; timing?: WorkerTiming } & PolicyReport)
  /** `progress`: the last a notebook being executed said of where it was. */
  | { status: 'timeout'; seconds: number; progress?: { cell: number; text: string }; /** Seconds credited for waiting on the CPU. */ waited?: number }
  | { status: 'died'; message: string; seconds: number };

interface Pending {
  id: number;
  nonce: string;
  progress?: { cell: number; text: string };
  resolve: (o: RunOutcome) => void;
  started: number;
}

/** Keeps the first `cap` bytes of a stream and counts the rest. */
class CappedText {
  private chunks: Buffer[] = [];
  private kept = 0;
  dropped = 0;
  constructor(private cap: number) {}
  push(b: Buffer) {
    const room = this.cap - this.kept;
    if (room > 0) {
      const part = b.subarray(0, room);
      this.chunks.push(part);
      this.kept += part.length;
    }
    this.dropped += Math.max(0, b.length - Math.max(0, room));
  }
  text(): string {
    const s = Buffer.concat(this.chunks).toString('utf8');
    return this.dropped ? `${s}\n[... ${this.dropped} more bytes not kept]` : s;
  }
}

export class Worker {
  private proc!: ResultPromise<{ stdio: ['ignore', 'pipe', 'pipe', 'pipe', 'pipe']; buffer: false; reject: false }>;
  private requests!: Writable;
  private pending: Pending | undefined;
  private nextId = 1;
  private exited: string | undefined;
  private exitSignal: string | undefined;
  private buffer = '';
  private discarding = false;
  private uid: number | undefined;
  private toWorker!: (p: string) => string;
  private killTimer: NodeJS.Timeout | undefined;
  readonly stdout: CappedText;
  readonly stderr: CappedText;
  environment: { python: string | null; numpy: string | null } = { python: null, numpy: null };
  notebook: NotebookReport | undefined;
  /** The static scan's findings (with WorkerOptions.forbid). */
  forbiddenImports: ForbiddenNote[] = [];
  /** Seconds this worker's processes waited for a CPU: while starting and during requests. */
  waitedSeconds = 0;
  private meter = new WaitMeter(undefined);

  private constructor(private opts: WorkerOptions) {
    this.stdout = new CappedText(opts.outputBytes);
    this.stderr = new CappedText(opts.outputBytes);
  }

  /** Starts the worker and waits for its hello (the interpreter is up; no student code ran yet). */
  static async start(opts: WorkerOptions, startSeconds = 60): Promise<Worker> {
    opts.signal?.throwIfAborted();
    const w = new Worker(opts);
    await w.spawn(startSeconds);
    return w;
  }

  private async spawn(startSeconds: number): Promise<void> {
    const { layout, isolation } = this.opts;
    this.uid = isolation.kind === 'none' && isolation.ownUser === false ? undefined : nextWorkerUid();
    if (this.uid !== undefined) for (const d of [layout.submission, layout.tmp]) chownTree(d, this.uid);
    this.toWorker = workerPaths(isolation, layout);
    const octave = this.opts.language === 'octave';
    const argv = octave ? this.octaveCommand() : this.pythonCommand();
    const roots = isolation.kind === 'bubblewrap' && !octave ? await interpreterRoots(this.opts.python) : [];
    // Octave looks up a function in its current folder before its path: it starts in the
    // grader's, away from the student's files, and its driver moves in and out as it calls them.
    const plan = launchCommand(isolation, layout, roots, argv, this.uid, octave ? 'grader' : 'submission');
    // Loaded on first use: a run whose results are all cached starts no worker.
    const { execa } = await import('execa');
    this.proc = execa(plan.file, plan.args, {
      cwd: plan.cwd,
      env: plan.env,
      extendEnv: false,
      uid: plan.uid,
      gid: plan.gid,
      stdio: ['ignore', 'pipe', 'pipe', 'pipe', 'pipe'],
      detached: true, // own process group: killed as a whole
      buffer: false,
      reject: false,
      cleanup: true,
    });
    // Interrupted: killed like after a timeout, so that the request in flight (or the start)
    // ends now and the caller's cleanup runs.
    const stop = () => this.kill();
    this.opts.signal?.addEventListener('abort', stop, { once: true });
    this.proc.finally(() => this.opts.signal?.removeEventListener('abort', stop)).catch(() => {});
    const stdio = this.proc.stdio as unknown as (Readable | Writable)[];
    this.requests = stdio[3] as Writable;
    this.requests.on('error', () => {}); // a dead worker shows up as 'exit'
    const replies = stdio[4] as Readable;
    this.proc.stdout!.on('data', (b: Buffer) => this.stdout.push(b));
    this.proc.stderr!.on('data', (b: Buffer) => this.stderr.push(b));

    return new Promise((resolve, reject) => {
      let hello = false;
      const timer = setTimeout(() => {
        this.kill();
        reject(new Error(`the ${this.kind} worker did not start within ${startSeconds} s`));
      }, startSeconds * 1000);
      replies.on('data', (b: Buffer) => {
        for (const line of this.lines(b.toString('utf8'))) {
          const msg = readReply(line, this.pending ? (Date.now() - this.pending.started) / 1000 : 0);
          if (msg === undefined) continue; // not ours: ignore rather than trust
          if (!hello) {
            if (msg === 'unreadable' || msg.type !== 'hello') continue;
            hello = true;
            this.environment = msg.environment;
            this.notebook = msg.notebook;
            this.forbiddenImports = msg.forbiddenImports ?? [];
            this.meter = new WaitMeter(this.proc?.pid);
            this.waitedSeconds = this.meter.seconds();
            clearTimeout(timer);
            resolve();
          } else if (msg === 'unreadable') this.unreadable();
          else if (msg.type === 'result') this.settle(msg);
          else if (msg.type === 'progress' && this.pending && msg.id === this.pending.id && msg.nonce === this.pending.nonce) {
            this.pending.progress = { cell: msg.cell, text: msg.text };
          }
        }
      });
      this.proc.then((r) => {
        clearTimeout(this.killTimer);
        // bwrap reports a command killed by signal N as exit code 128+N.
        const bySignal = isolation.kind === 'bubblewrap' && r.exitCode !== undefined && r.exitCode > 128 && r.exitCode < 160
          ? Object.entries(os.constants.signals).find(([, n]) => n === r.exitCode! - 128)?.[0] : undefined;
        this.exitSignal = r.signal ?? bySignal;
        // No exit code and no signal: the process never ran (a missing program, a uid it may not take).
        const failed = r.exitCode === undefined && !this.exitSignal ? (r as { shortMessage?: string }).shortMessage : undefined;
        const denied = failed?.includes('EACCES') && this.uid !== undefined
          ? `: the worker runs as a user of its own (uid ${this.uid}), who may not run the interpreter; make it and the folders above it readable by others (chmod o+rx), or use one that is (--python)` : '';
        this.exited ??= this.exitSignal ? `was killed by ${this.exitSignal}` : failed ? `could not be run (${failed})${denied}` : `exited with code ${r.exitCode}`;
        this.killGroup(); // anything of the student's still in the group
        if (!hello) {
          clearTimeout(timer);
          reject(new Error(`the ${this.kind} worker ${this.exited} before it started: ${this.stderr.text().trim().split('\n').slice(-3).join(' | ')}`));
        }
        const p = this.pending;
        if (p) {
          this.pending = undefined;
          p.resolve({ status: 'died', message: this.diedMessage(), seconds: (Date.now() - p.started) / 1000 });
        }
      });
    });
  }

  private pythonCommand(): string[] {
    const { layout, isolation } = this.opts;
    const args = [
      this.opts.python, '-u', '-X', 'faulthandler', this.toWorker(path.join(layout.grader, 'driver.py')),
      '--submission', this.toWorker(layout.submission), '--req-fd', '3', '--rep-fd', '4', '--keeper',
      ...limitArgs(this.opts.limits, isolation.kind === 'none' && this.uid === undefined),
    ];
    for (const p of this.opts.paths) args.push('--path', p);
    if (this.opts.legacyNumpyNames) args.push('--legacy-numpy-names');
    if (this.opts.notebook) {
      args.push('--notebook-module', this.opts.notebook.module);
      for (const f of this.opts.notebook.files) args.push('--notebook', f);
      if (this.opts.notebook.execute) args.push('--notebook-execute');
      for (const d of this.opts.notebook.record ?? []) args.push('--notebook-record', String(d));
    }
    for (const name of this.opts.forbid ?? []) args.push('--forbid', name);
    return args;
  }

  /**
   * Octave cannot set its own rlimits: prlimit sets them and then runs it, so they hold from its
   * first instruction. (The process count is per user: left to the sandbox's user of its own
   * when the worker shares the grader's.)
   */
  private octaveCommand(): string[] {
    const { layout, isolation, limits } = this.opts;
    const shared = isolation.kind === 'none' && this.uid === undefined;
    const rl = [
      ...(limits.memoryBytes ? [`--as=${Math.floor(limits.memoryBytes)}`] : []),
      ...(shared ? [] : [`--nproc=${Math.floor(limits.processes)}`]),
      `--fsize=${Math.floor(limits.fileBytes)}`, `--nofile=${Math.floor(limits.openFiles)}`, `--cpu=${Math.ceil(limits.cpuSeconds)}`,
    ];
    const args = [PRLIMIT, ...rl, '--', this.opts.python, ...OCTAVE_FLAGS, this.toWorker(path.join(layout.grader, 'octave', 'driver.m')),
      '--submission', this.toWorker(layout.submission), '--req-fd', '3', '--rep-fd', '4'];
    for (const p of this.opts.paths) args.push('--path', p);
    return args;
  }

  /** Complete lines from the reply pipe; an endless line is dropped rather than kept. */
  private *lines(text: string): Generator<string> {
    this.buffer += text;
    let nl: number;
    while ((nl = this.buffer.indexOf('\n')) >= 0) {
      const line = this.buffer.slice(0, nl);
      this.buffer = this.buffer.slice(nl + 1);
      if (this.discarding) this.discarding = false;
      else if (line.trim()) yield line;
    }
    if (this.buffer.length > MAX_LINE) {
      this.buffer = '';
      this.discarding = true;
    }
  }

  private diedMessage(): string {
    const l = this.opts.limits;
    let why = ' (os._exit or a crash?)';
    if (this.exitSignal === 'SIGXCPU') why = ` (it used more than ${l.cpuSeconds} s of CPU)`;
    else if (this.exitSignal === 'SIGXFSZ') why = ` (it wrote a file larger than the limit of ${formatBytes(l.fileBytes)})`;
    else if (this.exitSignal) why = ` (a crash, or it ran out of memory: the limit is ${formatBytes(l.memoryBytes)})`;
    return `the worker process ${this.exited} while running this check${why}`;
  }

  private settle(msg: ResultReply) {
    const p = this.pending;
    // Only the reply to the request in flight, carrying its nonce, counts.
    if (!p || msg.id !== p.id || msg.nonce !== p.nonce) return;
    this.pending = undefined;
    const seconds = (Date.now() - p.started) / 1000; // ours, not the reply's
    const timing = msg.timing ? { timing: msg.timing } : {};
    const policy = { ...(msg.forbidden ? { forbidden: msg.forbidden } : {}), ...(msg.forbiddenNotes ? { forbiddenNotes: msg.forbiddenNotes } : {}) };
    if (msg.ok === 'refused') p.resolve({ status: 'error', seconds, ...policy, error: { kind: 'bad-output', message: msg.problem, traceback: '' } });
    else if (msg.ok) p.resolve({ status: 'ok', outputs: msg.outputs, values: msg.values, seconds, ...timing, ...policy, inline: msg.inline, problems: msg.problems, failedSteps: msg.failedSteps, cells: msg.cells });
    else p.resolve({ status: 'error', seconds, ...timing, ...policy, error: msg.error });
  }

  /**
   * A line on the reply pipe that is not JSON, while a request is in flight: the driver's reply
   * could not be encoded, or the student's code wrote into the pipe. Either way that request has
   * no answer the grader can read; waiting would only turn it into a timeout.
   */
  private unreadable() {
    const p = this.pending;
    if (!p) return;
    this.pending = undefined;
    p.resolve({ status: 'error', seconds: (Date.now() - p.started) / 1000, error: { kind: 'bad-output', message: 'the worker sent a reply the grader cannot read (not JSON): the request failed', traceback: '' } });
  }

  /** How the messages name this worker. */
  get kind(): string {
    return this.opts.language === 'octave' ? 'Octave' : 'Python';
  }

  get alive(): boolean {
    return this.exited === undefined;
  }

  /**
   * Runs one probe (a file under the layout's grader folder) on inputs already written as .npy
   * files (under its inputs folder). The outputs land in `outdir`, a new folder directly under
   * the outputs folder that this creates; the caller reads them from there.
   */
  run(probe: string, inputs: Record<string, string>, outdir: string, timeoutSeconds: TimeLimit, extra: RunExtras = {}): Promise<RunOutcome> {
    if (!this.alive) return Promise.resolve({ status: 'died', message: `the worker process ${this.exited}`, seconds: 0 });
    if (this.pending) throw new Error('worker: one request at a time');
    if (path.dirname(outdir) !== this.opts.layout.outputs) throw new Error(`worker: ${outdir} is not a folder directly under ${this.opts.layout.outputs}`);
    // The worker's user must be able to read the inputs whatever the grader's umask is.
    const dirs = new Set<string>();
    for (const f of Object.values(inputs)) {
      fs.chmodSync(f, 0o644);
      for (let d = path.dirname(f); d.startsWith(this.opts.layout.inputs); d = path.dirname(d)) dirs.add(d);
    }
    for (const d of dirs) fs.chmodSync(d, 0o755);
    // Not recursive, and failing if anything is already there: never a folder the student made.
    fs.mkdirSync(outdir, { mode: 0o755 });
    if (this.uid !== undefined) fs.chownSync(outdir, this.uid, this.uid);
    return this.request({
      type: 'run', probe: this.toWorker(probe),
      inputs: Object.fromEntries(Object.entries(inputs).map(([k, f]) => [k, this.toWorker(f)])),
      outdir: this.toWorker(outdir),
      ...(extra.text && Object.keys(extra.text).length ? { text: extra.text } : {}),
      ...(extra.entry ? { entry: extra.entry } : {}),
      ...(extra.forbid?.length ? { forbid: extra.forbid } : {}),
    }, timeoutSeconds);
  }

  /**
   * Derivatives of the probe's forward(inputs)[output] along the given directions (files under
   * the inputs folder, like the inputs): the values come back in the reply, no files.
   */
  selfCheck(
    probe: string, inputs: Record<string, string>, directions: Record<string, string>,
    output: string, dout: string, h: number, timeoutSeconds: TimeLimit,
  ): Promise<RunOutcome> {
    if (!this.alive) return Promise.resolve({ status: 'died', message: `the worker process ${this.exited}`, seconds: 0 });
    for (const f of Object.values(directions)) fs.chmodSync(f, 0o644);
    const map = (files: Record<string, string>) => Object.fromEntries(Object.entries(files).map(([k, f]) => [k, this.toWorker(f)]));
    return this.request({ type: 'selfcheck', probe: this.toWorker(probe), inputs: map(inputs), directions: map(directions), output, dout, h }, timeoutSeconds);
  }

  /** Runs the notebook top to bottom (execution mode), within `timeoutSeconds`. */
  execute(timeoutSeconds: number): Promise<RunOutcome> {
    if (!this.alive) return Promise.resolve({ status: 'died', message: `the worker process ${this.exited}`, seconds: 0 });
    return this.request({ type: 'execute' }, timeoutSeconds);
  }

  private request(body: DistributiveOmit<Exclude<Request, { type: 'exit' }>, 'id' | 'nonce'>, timeoutSeconds: TimeLimit): Promise<RunOutcome> {
    if (this.pending) throw new Error('worker: one request at a time');
    const id = this.nextId++;
    const nonce = randomBytes(12).toString('hex');
    const request: Request = { ...body, id, nonce };
    return new Promise((resolve) => {
      const started = Date.now();
      const waitedBefore = this.meter.seconds();
      const graderBefore = graderWaitSeconds();
      const waitedNow = (fresh = false) => Math.max(0, this.meter.seconds(fresh) - waitedBefore, graderWaitSeconds() - graderBefore);
      let timer: NodeJS.Timeout;
      // The limit is wall time plus what the worker spent waiting for a CPU (see cpu-wait.ts).
      const expire = () => {
        if (this.pending?.id !== id) return;
        const waited = waitedNow(true);
        const allowed = creditedLimit(timeoutSeconds, waited) * 1000 - (Date.now() - started);
        if (allowed > 50) {
          timer = setTimeout(expire, allowed);
          return;
        }
        const progress = this.pending.progress;
        this.pending = undefined;
        this.waitedSeconds += waited;
        this.kill();
        resolve({ status: 'timeout', seconds: (Date.now() - started) / 1000, waited, ...(progress ? { progress } : {}) });
      };
      timer = setTimeout(expire, limitSeconds(timeoutSeconds) * 1000);
      this.pending = {
        id, nonce, started,
        resolve: (o) => {
          clearTimeout(timer);
          this.waitedSeconds += waitedNow();
          resolve(o);
        },
      };
      this.requests.write(JSON.stringify(request) + '\n');
    });
  }

  private killGroup() {
    const pid = this.proc?.pid;
    if (!pid) return;
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
  }

  /** Kills the worker and everything it started. */
  kill() {
    const pid = this.proc?.pid;
    if (!pid) return;
    const running = this.proc.exitCode === null && this.proc.signalCode === null;
    // Dead from now on, before the exit event arrives: nothing more may be sent to it.
    this.exited ??= 'was stopped by the grader';
    if (this.opts.isolation.kind === 'none' && running && this.opts.language !== 'octave') {
      // Unsandboxed, only the keeper finds the processes that left the group: ask it first,
      // and kill the group anyway if it does not answer. (Octave's worker has no keeper.)
      try {
        process.kill(pid, 'SIGTERM');
      } catch {
        /* gone */
      }
      this.killTimer ??= setTimeout(() => this.killGroup(), 2000);
    } else {
      // bwrap --die-with-parent takes the whole PID namespace down with it.
      this.killGroup();
    }
  }

  /** Resolves once the worker process has exited. */
  async stopped(): Promise<void> {
    await this.proc.catch(() => {});
  }

  async close() {
    if (this.alive) {
      this.requests.write(JSON.stringify({ type: 'exit' } satisfies Request) + '\n');
      await Promise.race([this.proc, new Promise((r) => setTimeout(r, 2000).unref())]);
    }
    this.kill(); // a worker that did not leave, and stray children of one that did
    await this.proc.catch(() => {});
  }
}

/**
 * Hands a folder to the worker's user. Links are changed themselves, never what they point to,
 * and a file with other hard links is left alone: it could be a name for a file outside.
 */
function chownTree(dir: string, uid: number) {
  fs.lchownSync(dir, uid, uid);
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) chownTree(p, uid);
    else if (e.isSymbolicLink() || fs.lstatSync(p).nlink === 1) fs.lchownSync(p, uid, uid);
  }
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
