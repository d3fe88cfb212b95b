/**
 * The Octave driver (harness/worker/octave/driver.m) started directly, as the worker will start
 * it: its own process group, fds 3 and 4 for requests and replies, stdout and stderr kept apart.
 * A stand-in for the Worker class until that can start Octave workers itself.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { REPO_ROOT } from '../../harness/spec/load.ts';
import type { LaunchPlan, WorkerLayout } from '../../harness/worker/sandbox.ts';

export const OCTAVE_DRIVER_DIR = path.join(REPO_ROOT, 'harness', 'worker', 'octave');

export const octaveCli = ['/usr/bin/octave-cli', '/usr/local/bin/octave-cli'].find((p) => fs.existsSync(p));

/** The command line that starts the driver at `driver` on a submission (paths as the worker sees them). */
export function driverCommand(driver: string, submission: string, paths: string[] = []): string[] {
  return [
    octaveCli ?? 'octave-cli', '--no-gui', '--no-window-system', '--norc', '--no-history', '--quiet', driver,
    '--submission', submission, '--req-fd', '3', '--rep-fd', '4', ...paths.flatMap((p) => ['--path', p]),
  ];
}

/**
 * A scratch worker layout (see WorkerLayout) holding `files` as the submission and the driver
 * and `probes` (name to source) under grader/, as the workspace lays them out.
 */
export function scratchLayout(prefix: string, files: Record<string, string>, probes: Record<string, string>): WorkerLayout & { root: string } {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  fs.chmodSync(root, 0o711);
  const layout = { root, submission: `${root}/submission`, inputs: `${root}/in`, outputs: `${root}/out`, grader: `${root}/grader`, tmp: `${root}/tmp` };
  for (const d of [layout.submission, layout.inputs, layout.outputs, layout.tmp]) fs.mkdirSync(d, { mode: 0o755 });
  fs.cpSync(OCTAVE_DRIVER_DIR, layout.grader, { recursive: true });
  fs.mkdirSync(path.join(layout.grader, 'probes'));
  for (const [name, text] of Object.entries(probes)) fs.writeFileSync(path.join(layout.grader, 'probes', name), text);
  for (const [name, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(layout.submission, name)), { recursive: true });
    fs.writeFileSync(path.join(layout.submission, name), text);
  }
  chmodTree(layout.grader);
  return layout;
}

function chmodTree(dir: string) {
  fs.chmodSync(dir, 0o755);
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) chmodTree(p);
    else fs.chmodSync(p, 0o644);
  }
}

/**
 * Processes of a process group still alive (not zombies: where PID 1 does not reap, as in some
 * containers, the dead stay listed).
 */
export function liveInGroup(pgid: number): { pid: number; command: string }[] {
  const found: { pid: number; command: string }[] = [];
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    let stat: string;
    try {
      stat = fs.readFileSync(`/proc/${name}/stat`, 'utf8');
    } catch {
      continue;
    }
    // The command may hold spaces and parentheses: the fields start after the last ")".
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(fields[2]) === pgid && fields[0] !== 'Z' && fields[0] !== 'X') found.push({ pid: Number(name), command: stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')) });
  }
  return found;
}

export interface Reply {
  type: string;
  id?: unknown;
  nonce?: unknown;
  ok?: boolean;
  outputs?: Record<string, string>;
  error?: { kind: string; message: string; traceback: string };
  seconds?: number;
  pid?: number;
  environment?: Record<string, unknown>;
  [key: string]: unknown;
}

export class OctaveDriver {
  readonly proc: ChildProcess;
  stdout = '';
  stderr = '';
  /** Every line that came on the reply channel, parsed or not. */
  readonly lines: string[] = [];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private replies: Reply[] = [];
  private waiting: ((r: Reply | undefined) => void)[] = [];
  private buffer = '';
  private nextId = 1;
  private done = false;

  constructor(command: string[], opts: { cwd: string; env?: Record<string, string>; uid?: number; gid?: number }) {
    this.proc = spawn(command[0], command.slice(1), {
      cwd: opts.cwd,
      env: opts.env ?? { PATH: '/usr/bin:/bin', HOME: os.tmpdir(), LANG: 'C.UTF-8' },
      uid: opts.uid,
      gid: opts.gid,
      stdio: ['ignore', 'pipe', 'pipe', 'pipe', 'pipe'],
      detached: true, // its own process group, killed as a whole
    });
    this.proc.stdout!.on('data', (b: Buffer) => { this.stdout += b.toString(); });
    this.proc.stderr!.on('data', (b: Buffer) => { this.stderr += b.toString(); });
    (this.proc.stdio[3] as Writable).on('error', () => {});
    (this.proc.stdio[4] as Readable).on('data', (b: Buffer) => this.take(b.toString('utf8')));
    this.exited = new Promise((resolve) => this.proc.on('exit', (code, signal) => {
      this.done = true;
      for (const w of this.waiting.splice(0)) w(undefined);
      resolve({ code, signal });
    }));
  }

  static start(layout: WorkerLayout, paths: string[] = []): OctaveDriver {
    return new OctaveDriver(driverCommand(path.join(layout.grader, 'driver.m'), layout.submission, paths), { cwd: layout.submission });
  }

  static fromPlan(plan: LaunchPlan): OctaveDriver {
    return new OctaveDriver([plan.file, ...plan.args], { cwd: plan.cwd, env: plan.env, uid: plan.uid, gid: plan.gid });
  }

  private take(text: string) {
    this.buffer += text;
    let nl: number;
    while ((nl = this.buffer.indexOf('\n')) >= 0) {
      const line = this.buffer.slice(0, nl);
      this.buffer = this.buffer.slice(nl + 1);
      if (!line.trim()) continue;
      this.lines.push(line);
      let msg: Reply;
      try {
        msg = JSON.parse(line);
      } catch {
        continue;
      }
      const w = this.waiting.shift();
      if (w) w(msg);
      else this.replies.push(msg);
    }
  }

  /** The next reply, or undefined if the process ends or `ms` pass first. */
  next(ms = 30_000): Promise<Reply | undefined> {
    const ready = this.replies.shift();
    if (ready) return Promise.resolve(ready);
    if (this.done) return Promise.resolve(undefined);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiting = this.waiting.filter((w) => w !== settle);
        resolve(undefined);
      }, ms);
      const settle = (r: Reply | undefined) => { clearTimeout(timer); resolve(r); };
      this.waiting.push(settle);
    });
  }

  send(msg: unknown) {
    (this.proc.stdio[3] as Writable).write(`${JSON.stringify(msg)}\n`);
  }

  /** Sends a run request with a fresh id and nonce and returns them with the reply. */
  async run(probe: string, inputs: Record<string, string>, outdir: string, text?: Record<string, string>, ms?: number) {
    const request = { type: 'run', id: this.nextId++, nonce: randomBytes(12).toString('hex'), probe, inputs, outdir, ...(text ? { text } : {}) };
    this.send(request);
    return { request, reply: await this.next(ms) };
  }

  killGroup() {
    try {
      process.kill(-this.proc.pid!, 'SIGKILL');
    } catch {
      /* gone */
    }
  }

  async close() {
    if (!this.done) this.send({ type: 'exit' });
    const t = setTimeout(() => this.killGroup(), 2000);
    await this.exited;
    clearTimeout(t);
    this.killGroup(); // the relays the driver started, should any outlive it
  }
}
