/**
 * The resource limits of one worker and how they reach it. The driver applies them with
 * setrlimit in its own process before it imports any student code, so they hold for the student's
 * code and for everything it starts, and the student cannot raise them again (the worker runs
 * without the capability to). Wall time is not among them: the grader's own timers enforce it.
 */

export interface WorkerLimits {
  /** Address space of each process (RLIMIT_AS), in bytes. numpy with one BLAS thread needs ~250 MB. */
  memoryBytes: number;
  /**
   * Processes and threads at once (RLIMIT_NPROC). The kernel counts them per user, and not at all
   * for root, so the sandbox gives each worker a user of its own (see sandbox.ts); `shared` says
   * the count also includes other processes of the same user (unsandboxed, not root).
   */
  processes: number;
  /** Largest file the student's code may write (RLIMIT_FSIZE), in bytes. */
  fileBytes: number;
  /** Open file descriptors (RLIMIT_NOFILE). */
  openFiles: number;
  /** CPU seconds of each process (RLIMIT_CPU): a backstop behind the grader's wall-clock timers. */
  cpuSeconds: number;
}

export const DEFAULT_WORKER_LIMITS: WorkerLimits = {
  memoryBytes: 2 * 1024 ** 3,
  processes: 64,
  fileBytes: 64 * 1024 ** 2,
  openFiles: 1024,
  cpuSeconds: 660,
};

/** The driver's command-line flags for these limits. */
export function limitArgs(l: WorkerLimits, processesShared: boolean): string[] {
  const args = [
    '--limit-as', String(Math.floor(l.memoryBytes)),
    '--limit-nproc', String(Math.floor(l.processes)),
    '--limit-fsize', String(Math.floor(l.fileBytes)),
    '--limit-nofile', String(Math.floor(l.openFiles)),
    '--limit-cpu', String(Math.ceil(l.cpuSeconds)),
  ];
  if (processesShared) args.push('--nproc-shared');
  return args;
}

const UNITS: [string, number][] = [['GiB', 1024 ** 3], ['MiB', 1024 ** 2], ['KiB', 1024]];

/** 1073741824 → "1 GiB", 3221225472 → "3 GiB", 1500000 → "1.4 MiB". */
export function formatBytes(n: number): string {
  for (const [unit, size] of UNITS) {
    if (n >= size) {
      const v = n / size;
      return `${Number.isInteger(v) ? v : Number(v.toFixed(1))} ${unit}`;
    }
  }
  return `${n} bytes`;
}

/** "2G", "2GiB", "512M", "64 MiB", "1048576" → bytes; NaN when it is none of those. */
export function parseBytes(s: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([kmgt]?)(i?b)?\s*$/i.exec(s);
  if (!m) return NaN;
  const power = ' kmgt'.indexOf((m[2] || ' ').toLowerCase());
  return Math.round(Number(m[1]) * 1024 ** power);
}
