/**
 * Measuring a grader's run: wall seconds, CPU seconds (user + sys of the whole process tree, from
 * GNU time, which reads the rusage of every process the command waited for), peak memory (the
 * largest sum of the resident sets of all our descendant processes at one moment, sampled from
 * /proc, and the largest single process's, from GNU time), and a small job pool for the baselines.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

export const TIME = '/usr/bin/time';

export function requireGnuTime() {
  if (!fs.existsSync(TIME)) throw new Error(`${TIME} not found: install Debian's "time" package (bash scripts/setup.sh does)`);
}

export interface Usage {
  wall: number;
  user: number;
  sys: number;
  /** Largest resident set of any one process, KiB (GNU time's %M). */
  maxRssKb: number;
}

export interface Finished extends Usage {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs one command under GNU time; resolves with its usage and output. */
export function timed(command: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutSeconds?: number; timeFile: string }): Promise<Finished> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(TIME, ['-f', '%e %U %S %M', '-o', opts.timeFile, ...command], { cwd: opts.cwd, env: opts.env, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [], err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    const timer = opts.timeoutSeconds ? setTimeout(() => child.kill('SIGKILL'), opts.timeoutSeconds * 1000) : undefined;
    child.on('error', reject);
    child.on('close', (code) => {
      if (timer) clearTimeout(timer);
      const wall = (performance.now() - started) / 1000;
      let user = 0, sys = 0, maxRssKb = 0;
      try {
        // The last line: a failing command makes GNU time write "Command exited with ..." first.
        const line = fs.readFileSync(opts.timeFile, 'utf8').trim().split('\n').pop()!;
        const [, u, s, m] = line.split(/\s+/).map(Number);
        user = u; sys = s; maxRssKb = m;
      } catch {
        /* killed before GNU time could write: CPU unknown, counted as 0 */
      }
      resolve({ code: code ?? -1, wall, user, sys, maxRssKb, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') });
    });
  });
}

/** Samples the summed resident set of every descendant of this process; peak in MiB. */
export class TreeMemory {
  private timer: NodeJS.Timeout | undefined;
  peakBytes = 0;
  private readonly page = 4096;

  start(intervalMs = 200) {
    this.peakBytes = 0;
    this.timer = setInterval(() => this.sample(), intervalMs);
    return this;
  }

  stop(): number {
    if (this.timer) clearInterval(this.timer);
    this.sample();
    return this.peakBytes / (1 << 20);
  }

  private sample() {
    const parent = new Map<number, number>(), rss = new Map<number, number>();
    let entries: string[];
    try {
      entries = fs.readdirSync('/proc');
    } catch {
      return; // no /proc: peak stays 0 and the table says so
    }
    for (const e of entries) {
      if (!/^\d+$/.test(e)) continue;
      try {
        const stat = fs.readFileSync(`/proc/${e}/stat`, 'utf8');
        const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        parent.set(Number(e), Number(fields[1]));
        rss.set(Number(e), Number(fields[21]) * this.page);
      } catch {
        /* gone meanwhile */
      }
    }
    const children = new Map<number, number[]>();
    for (const [pid, ppid] of parent) children.set(ppid, [...(children.get(ppid) ?? []), pid]);
    let total = 0;
    const stack = [...(children.get(process.pid) ?? [])];
    while (stack.length) {
      const pid = stack.pop()!;
      total += rss.get(pid) ?? 0;
      stack.push(...(children.get(pid) ?? []));
    }
    this.peakBytes = Math.max(this.peakBytes, total);
  }
}

export interface PoolItem {
  name: string;
  command: string[];
}

export interface PoolResult extends Finished {
  name: string;
}

/** Runs the items `jobs` at a time, in order, each under GNU time. */
export async function pool(items: PoolItem[], jobs: number, opts: { env: NodeJS.ProcessEnv; timeDir: string; timeoutSeconds: number; cwd?: string; onDone?: (r: PoolResult, done: number) => void }): Promise<PoolResult[]> {
  fs.mkdirSync(opts.timeDir, { recursive: true });
  const results: PoolResult[] = new Array(items.length);
  let next = 0, done = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      const r = await timed(items[i].command, { env: opts.env, cwd: opts.cwd, timeoutSeconds: opts.timeoutSeconds, timeFile: path.join(opts.timeDir, `${items[i].name}.time`) });
      results[i] = { name: items[i].name, ...r };
      opts.onDone?.(results[i], ++done);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(jobs, items.length)) }, worker));
  return results;
}

/** Greedy list scheduling of durations on `jobs` workers, in order: the wall a pool would take. */
export function scheduleWall(durations: number[], jobs: number): number {
  const free = new Array(Math.max(1, jobs)).fill(0);
  for (const d of durations) {
    let k = 0;
    for (let j = 1; j < free.length; j++) if (free[j] < free[k]) k = j;
    free[k] += d;
  }
  return Math.max(...free);
}

export const MARK = 'DLGRADE_BENCH_FORWARD_COUNTS';

/** Sums every forward-count line the instrumentation wrote into a process's stderr. */
export function forwardCounts(stderr: string): Record<string, number> | undefined {
  let found = false;
  const total: Record<string, number> = {};
  for (const m of stderr.matchAll(new RegExp(`${MARK} (\\{[^\\n]*\\})`, 'g'))) {
    found = true;
    for (const [k, v] of Object.entries(JSON.parse(m[1]) as Record<string, number>)) total[k] = (total[k] ?? 0) + v;
  }
  return found ? total : undefined;
}

export const addCounts = (a: Record<string, number>, b: Record<string, number>, scale = 1) => {
  for (const [k, v] of Object.entries(b)) a[k] = (a[k] ?? 0) + v * scale;
  return a;
};
export const sumCounts = (c: Record<string, number>) => Object.values(c).reduce((s, v) => s + v, 0);
