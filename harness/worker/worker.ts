/**
 * One long-lived Python worker per submission. Requests and replies travel on two pipes of
 * their own (fds 3 and 4 in the worker), never on the student's stdout. The worker runs in its
 * own process group, so a timeout kills it together with anything the student started.
 */
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import type { Readable, Writable } from 'node:stream';
import { execa, type ResultPromise } from 'execa';

export const DRIVER = path.join(path.dirname(fileURLToPath(import.meta.url)), 'driver.py');

export interface WorkerOptions {
  python: string;
  /** The scratch copy of the submission the worker runs in. */
  submissionDir: string;
  /** Folders of the submission to put on sys.path. */
  paths: string[];
  /** Cap on the stdout and stderr kept, each. */
  outputBytes: number;
  /** Wraps the command, e.g. in a sandbox; identity when absent. */
  launch?: (command: string[]) => string[];
  /** The submission is a notebook: probes import its extracted code as `module`. */
  notebook?: { module: string; files: string[] };
}

/** What the driver made of a notebook submission (parsed at start-up, before any of it ran). */
export interface NotebookReport {
  module: string;
  /** The notebook used, relative to the submission; null when none was (or a module file was). */
  file: string | null;
  kept_cells: number[];
  skipped: { cell: number; line: number; text: string; why: string }[];
  error?: string;
}

export interface StudentError {
  kind: 'import' | 'exception' | 'bad-output';
  message: string;
  traceback: string;
}

export type RunOutcome =
  | { status: 'ok'; outputs: Record<string, string>; seconds: number }
  | { status: 'error'; error: StudentError; seconds: number }
  | { status: 'timeout'; seconds: number }
  | { status: 'died'; message: string; seconds: number };

interface Pending {
  id: number;
  nonce: string;
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
  private buffer = '';
  readonly stdout: CappedText;
  readonly stderr: CappedText;
  environment: Record<string, unknown> = {};
  notebook: NotebookReport | undefined;

  private constructor(private opts: WorkerOptions) {
    this.stdout = new CappedText(opts.outputBytes);
    this.stderr = new CappedText(opts.outputBytes);
  }

  /** Starts the worker and waits for its hello (the interpreter is up; no student code ran yet). */
  static async start(opts: WorkerOptions, startSeconds = 60): Promise<Worker> {
    const w = new Worker(opts);
    await w.spawn(startSeconds);
    return w;
  }

  private spawn(startSeconds: number): Promise<void> {
    const args = ['-u', '-X', 'faulthandler', DRIVER, '--submission', this.opts.submissionDir, '--req-fd', '3', '--rep-fd', '4'];
    for (const p of this.opts.paths) args.push('--path', p);
    if (this.opts.notebook) {
      args.push('--notebook-module', this.opts.notebook.module);
      for (const f of this.opts.notebook.files) args.push('--notebook', f);
    }
    const command = (this.opts.launch ?? ((c) => c))([this.opts.python, ...args]);
    this.proc = execa(command[0], command.slice(1), {
      cwd: this.opts.submissionDir,
      stdio: ['ignore', 'pipe', 'pipe', 'pipe', 'pipe'],
      detached: true, // own process group: killed as a whole
      buffer: false,
      reject: false,
      cleanup: true,
      env: { PYTHONDONTWRITEBYTECODE: '1', PYTHONHASHSEED: '0', OMP_NUM_THREADS: '1', OPENBLAS_NUM_THREADS: '1', MKL_NUM_THREADS: '1', MPLBACKEND: 'Agg' },
      extendEnv: true,
    });
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
        reject(new Error(`the Python worker did not start within ${startSeconds} s`));
      }, startSeconds * 1000);
      replies.on('data', (b: Buffer) => {
        this.buffer += b.toString('utf8');
        let nl: number;
        while ((nl = this.buffer.indexOf('\n')) >= 0) {
          const line = this.buffer.slice(0, nl);
          this.buffer = this.buffer.slice(nl + 1);
          let msg: any;
          try {
            msg = JSON.parse(line);
          } catch {
            continue; // not ours: ignore rather than trust
          }
          if (!hello && msg.type === 'hello') {
            hello = true;
            this.environment = msg.environment ?? {};
            this.notebook = msg.notebook ?? undefined;
            clearTimeout(timer);
            resolve();
          } else if (msg.type === 'result') this.settle(msg);
        }
      });
      this.proc.then((r) => {
        this.exited ??= r.signal ? `killed by ${r.signal}` : `exited with code ${r.exitCode}`;
        if (!hello) {
          clearTimeout(timer);
          reject(new Error(`the Python worker ${this.exited} before it started: ${this.stderr.text().trim().split('\n').slice(-3).join(' | ')}`));
        }
        const p = this.pending;
        if (p) {
          this.pending = undefined;
          p.resolve({ status: 'died', message: `the worker process ${this.exited} while running this check (os._exit, a crash or running out of memory?)`, seconds: (Date.now() - p.started) / 1000 });
        }
      });
    });
  }

  private settle(msg: any) {
    const p = this.pending;
    // Only the reply to the request in flight, carrying its nonce, counts.
    if (!p || msg.id !== p.id || msg.nonce !== p.nonce) return;
    this.pending = undefined;
    const seconds = typeof msg.seconds === 'number' ? msg.seconds : (Date.now() - p.started) / 1000;
    if (msg.ok) p.resolve({ status: 'ok', outputs: msg.outputs ?? {}, seconds });
    else p.resolve({ status: 'error', error: msg.error, seconds });
  }

  get alive(): boolean {
    return this.exited === undefined;
  }

  /** Runs one probe on inputs already written as .npy files; outputs land in outdir. */
  run(probe: string, inputs: Record<string, string>, outdir: string, timeoutSeconds: number): Promise<RunOutcome> {
    if (!this.alive) return Promise.resolve({ status: 'died', message: `the worker process ${this.exited}`, seconds: 0 });
    if (this.pending) throw new Error('worker: one request at a time');
    const id = this.nextId++;
    const nonce = randomBytes(12).toString('hex');
    return new Promise((resolve) => {
      const started = Date.now();
      const timer = setTimeout(() => {
        if (this.pending?.id !== id) return;
        this.pending = undefined;
        this.kill();
        resolve({ status: 'timeout', seconds: (Date.now() - started) / 1000 });
      }, timeoutSeconds * 1000);
      this.pending = {
        id, nonce, started,
        resolve: (o) => { clearTimeout(timer); resolve(o); },
      };
      this.requests.write(JSON.stringify({ type: 'run', id, nonce, probe, inputs, outdir }) + '\n');
    });
  }

  /** Kills the worker and everything it started. */
  kill() {
    const pid = this.proc?.pid;
    if (!pid) return;
    // Dead from now on, before the exit event arrives: nothing more may be sent to it.
    this.exited ??= 'was stopped by the grader';
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
  }

  async close() {
    if (this.alive) {
      this.requests.write(JSON.stringify({ type: 'exit' }) + '\n');
      await Promise.race([this.proc, new Promise((r) => setTimeout(r, 2000))]);
    }
    this.kill(); // a worker that did not leave, and stray children of one that did
    await this.proc.catch(() => {});
  }
}
