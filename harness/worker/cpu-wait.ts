/**
 * How long a worker's processes have waited for a CPU: the run-queue delay Linux keeps for every
 * task (the second field of /proc/PID/task/TID/schedstat, in nanoseconds). On a busy machine a
 * check's wall time stretches by about that much; the time limits credit it back (up to
 * MAX_WALL_FACTOR times the limit), so that a verdict does not depend on how busy the machine is:
 * a memory bomb is stopped by the memory limit, not by a clock that ran while it could not run.
 * A process that sleeps waits for nothing, so `sleep` forever still times out on the limit.
 */
import fs from 'node:fs';

/** A limit stretched by waits for the CPU never grows past this many times itself. */
export const MAX_WALL_FACTOR = 3;

/**
 * Reads the wait of one worker's processes. The tasks are listed once (a worker's tree does not
 * change between requests) so that a reading costs a few small reads; `fresh` lists them again,
 * to count what the student's code started meanwhile.
 */
export class WaitMeter {
  private tasks: string[] | undefined;
  constructor(private readonly root: number | undefined) {}

  /** Seconds waited so far, by the tasks listed (or, when `fresh`, by every task below the root). */
  seconds(fresh = false): number {
    if (!this.root) return 0;
    const tasks = fresh || !this.tasks ? taskFiles(this.root) : this.tasks;
    if (!fresh) this.tasks = tasks;
    let ns = 0;
    for (const file of tasks) {
      try {
        const wait = Number(fs.readFileSync(file, 'utf8').split(' ')[1]);
        if (Number.isFinite(wait)) ns += wait;
      } catch {
        /* the task ended meanwhile */
      }
    }
    return ns / 1e9;
  }
}

/**
 * Seconds the grader's own main thread has waited for a CPU. A worker that writes to the grader
 * is only as quick as the grader reads: when the grader waits, so does it, asleep in a write
 * that no run-queue reading of its own shows.
 */
export function graderWaitSeconds(): number {
  try {
    return Number(fs.readFileSync(`/proc/${process.pid}/task/${process.pid}/schedstat`, 'utf8').split(' ')[1]) / 1e9 || 0;
  } catch {
    return 0;
  }
}

/** The schedstat file of every task of `root` and of every process below it. */
function taskFiles(root: number): string[] {
  const files: string[] = [];
  const stack = [root];
  const seen = new Set<number>();
  while (stack.length) {
    const pid = stack.pop()!;
    if (seen.has(pid) || seen.size > 4096) continue;
    seen.add(pid);
    let tasks: string[];
    try {
      tasks = fs.readdirSync(`/proc/${pid}/task`);
    } catch {
      continue; // gone meanwhile, or no /proc
    }
    for (const tid of tasks) {
      files.push(`/proc/${pid}/task/${tid}/schedstat`);
      try {
        for (const child of fs.readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8').split(' ')) if (child.trim()) stack.push(Number(child));
      } catch {
        /* the task ended meanwhile */
      }
    }
  }
  return files;
}

/**
 * A request's time limit: `seconds`, stretched by waits for the CPU to at most `most` (by default
 * MAX_WALL_FACTOR times itself; less where the check's or the submission's own stretch ends sooner).
 */
export type TimeLimit = number | StretchedLimit;
export interface StretchedLimit {
  seconds: number;
  most: number;
}

/** The wall seconds a limit allows once `waited` seconds of waiting for the CPU are credited. */
export function creditedLimit(limit: TimeLimit, waited: number): number {
  const seconds = typeof limit === 'number' ? limit : limit.seconds;
  const most = typeof limit === 'number' ? MAX_WALL_FACTOR * limit : Math.max(seconds, limit.most);
  return Math.min(most, seconds + Math.max(0, waited));
}

/** The limit's own seconds, unstretched. */
export const limitSeconds = (limit: TimeLimit): number => (typeof limit === 'number' ? limit : limit.seconds);

/** What is left of a limit `elapsed` seconds into it (never quite nothing: a request needs a moment). */
export function remainingLimit(limit: TimeLimit, elapsed: number): StretchedLimit {
  const most = typeof limit === 'number' ? MAX_WALL_FACTOR * limit : limit.most;
  return { seconds: Math.max(0.1, limitSeconds(limit) - elapsed), most: Math.max(0.1, most - elapsed) };
}
