/**
 * The grader's own Python process for a pack's reference ops (reference_worker.py beside this
 * file). It runs the instructor's code, so it is trusted, and it is never the student's: it
 * starts from the grader, outside any sandbox, with the pack's reference/ folder on its path,
 * and no student process is given that folder or this process's channel.
 *
 * Reference ops are synchronous (checks/expect.ts runs steps in order and memoizes them), so a
 * call blocks: a worker thread owns the Python process and its pipes, and the caller waits on a
 * shared flag (Atomics.wait) until the thread posts the reply. One process per interpreter and
 * folder lives as long as the grader and answers every call; a process that dies is started
 * afresh on the next call. A call blocks the grader's event loop while the op runs; memoization
 * makes that once per case and seed, not once per submission.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { MessageChannel, type MessagePort, Worker, receiveMessageOnPort } from 'node:worker_threads';
import { readNpy, writeNpy } from '../../harness/tensor/npy.ts';
import type { Tensor } from '../../harness/tensor/tensor.ts';

const HERE = path.dirname(fileURLToPath(import.meta.url));
/** Beside this file in the source tree; the CLI's bundle runs from elsewhere, so look in both. */
export const REFERENCE_WORKER = [path.join(HERE, 'reference_worker.py'), path.join(HERE, '../../reference/python/reference_worker.py')].find((p) => fs.existsSync(p)) ?? path.join(HERE, 'reference_worker.py');

/** How long one reference call may take before the process is stopped and the call fails. */
export const CALL_SECONDS = Number(process.env.DLGRADE_REFERENCE_SECONDS ?? 120);

/** The thread that owns the process: plain JavaScript, so that it runs from source and bundle alike. */
const THREAD = String.raw`
const { workerData } = require('node:worker_threads');
const { spawn } = require('node:child_process');
const { python, script, folder, scratch, flag, port } = workerData;
const state = new Int32Array(flag);
// -B: no __pycache__ written into the pack's reference/ folder; what else it writes goes to scratch.
const child = spawn(python, ['-B', '-u', script, folder], { cwd: scratch, stdio: ['pipe', 'pipe', 'pipe'] });
Atomics.store(state, 1, child.pid || 0);
let buffer = '', stderr = '', gone = null;
const done = (reply) => { port.postMessage(reply); Atomics.store(state, 0, 1); Atomics.notify(state, 0); };
child.stdout.setEncoding('utf8');
child.stdout.on('data', (chunk) => {
  buffer += chunk;
  let i;
  while ((i = buffer.indexOf('\n')) >= 0) {
    const line = buffer.slice(0, i); buffer = buffer.slice(i + 1);
    try { done(JSON.parse(line)); } catch { done({ id: -1, ok: false, error: 'unreadable reply: ' + line.slice(0, 200) }); }
  }
});
child.stderr.setEncoding('utf8');
child.stderr.on('data', (chunk) => { stderr = (stderr + chunk).slice(-4000); });
const died = (why) => { gone = why + (stderr ? ': ' + stderr.trim().split('\n').slice(-3).join(' | ') : ''); done({ id: -1, ok: false, dead: true, error: gone }); };
child.on('error', (e) => died('could not start ' + python + ' (' + e.message + ')'));
child.on('exit', (code, signal) => died('the reference worker exited (' + (signal || 'code ' + code) + ')'));
port.on('message', (req) => {
  if (gone) return done({ id: req.id, ok: false, dead: true, error: gone });
  child.stdin.write(JSON.stringify(req) + '\n');
});
`;

interface Reply { id: number; ok: boolean; files?: Record<string, string>; error?: string; traceback?: string; dead?: boolean }

/** A Python reference op failed: the instructor's code raised, or its process could not run. */
export class ReferenceError extends Error {}

export class ReferenceProcess {
  private readonly worker: Worker;
  private readonly port: MessagePort;
  private readonly state: Int32Array;
  private next = 0;
  private readonly scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'dlgrade-reference-'));
  dead = false;
  private closed = false;
  /** Calls answered, for the figures in bench/python-reference.ts. */
  calls = 0;

  constructor(readonly python: string, readonly folder: string) {
    const flag = new SharedArrayBuffer(8);
    this.state = new Int32Array(flag);
    const { port1, port2 } = new MessageChannel();
    this.port = port1;
    this.worker = new Worker(THREAD, { eval: true, workerData: { python, script: REFERENCE_WORKER, folder, scratch: this.scratch, flag, port: port2 }, transferList: [port2] });
    this.worker.unref();
    this.port.unref();
    live.add(this);
    if (live.size === 1 && !exitHook) {
      exitHook = true;
      process.once('exit', () => closeReferenceProcesses());
    }
  }

  /** Calls module.func(*args, **kwargs) in the process and reads back the named outputs. */
  call(module: string, func: string, args: Tensor[], kwargs: Record<string, Tensor>, outputs: string[]): Record<string, Tensor> {
    if (this.dead) throw new ReferenceError('the reference worker has stopped');
    const id = ++this.next;
    const dir = fs.mkdtempSync(path.join(this.scratch, `${id}-`));
    try {
      const file = (name: string, t: Tensor) => {
        const p = path.join(dir, `${name}.npy`);
        writeNpy(p, t);
        return p;
      };
      const req = {
        id, module, func, outputs, outdir: dir,
        args: args.map((t, i) => file(`arg${i}`, t)),
        kwargs: Object.fromEntries(Object.entries(kwargs).map(([k, t]) => [k, file(`kw_${k}`, t)])),
      };
      const reply = this.send(req);
      if (!reply.ok) {
        if (reply.dead) this.close();
        throw new ReferenceError(`${module}.${func}: ${reply.error}${reply.traceback ? `\n${reply.traceback}` : ''}`);
      }
      this.calls++;
      const out: Record<string, Tensor> = {};
      for (const [name, p] of Object.entries(reply.files ?? {})) out[name] = readNpy(p);
      return out;
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }

  private send(req: { id: number }): Reply {
    Atomics.store(this.state, 0, 0);
    this.port.postMessage(req);
    const until = Date.now() + CALL_SECONDS * 1000;
    for (;;) {
      const left = until - Date.now();
      if (left <= 0 || Atomics.wait(this.state, 0, 0, left) === 'timed-out') {
        this.close();
        throw new ReferenceError(`no reply within ${CALL_SECONDS} s (DLGRADE_REFERENCE_SECONDS): the reference worker was stopped`);
      }
      Atomics.store(this.state, 0, 0);
      // Every reply posted so far; a late one for an earlier call (after a timeout) is dropped.
      for (let m = receiveMessageOnPort(this.port); m; m = receiveMessageOnPort(this.port)) {
        const reply = m.message as Reply;
        if (reply.id === req.id || reply.dead) return reply;
      }
    }
  }

  close() {
    live.delete(this);
    if (this.closed) return;
    this.closed = true;
    this.dead = true;
    const pid = Atomics.load(this.state, 1);
    if (pid) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        /* already gone */
      }
    }
    void this.worker.terminate();
    fs.rmSync(this.scratch, { recursive: true, force: true });
  }
}

/** One process per interpreter and folder, for the life of the grader (a grading run). */
const running = new Map<string, ReferenceProcess>();
/** Every process not yet closed, which the grader's exit stops. */
const live = new Set<ReferenceProcess>();
let exitHook = false;

export function referenceProcess(python: string, folder: string): ReferenceProcess {
  const key = `${python}\0${folder}`;
  let p = running.get(key);
  if (!p || p.dead) running.set(key, (p = new ReferenceProcess(python, folder)));
  return p;
}

/** Stops every reference process (tests; the grader's exit does it too). */
export function closeReferenceProcesses() {
  for (const p of [...live]) p.close();
  running.clear();
}
