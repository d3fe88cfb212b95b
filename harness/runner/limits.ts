/**
 * The limits a submission is graded under: the pack's, overridden by the command line, and how
 * they reach each worker. Said in every result (environment.sandbox), so a verdict can be read
 * with the limits it was reached under.
 */
import type { RunnerInfo } from '../python/tags.ts';
import type { CheckSpec, Limits, Pack } from '../spec/types.ts';
import { DEFAULT_WORKER_LIMITS, type WorkerLimits, formatBytes } from '../worker/limits.ts';
import type { Isolation } from '../worker/sandbox.ts';

/** A check's time limit: a train check's is its training budget. */
export const checkSeconds = (limits: Limits, check: CheckSpec): number => check.train?.seconds ?? limits.check_seconds;

export const effectiveLimits = (pack: Pack, override?: Partial<Limits>): Limits => ({ ...pack.limits, ...override });

export function workerLimits(l: Limits): WorkerLimits {
  return {
    // 0: not limited (see usesCuda).
    memoryBytes: l.memory_bytes,
    processes: l.processes,
    fileBytes: l.file_bytes,
    openFiles: DEFAULT_WORKER_LIMITS.openFiles,
    cpuSeconds: l.submission_seconds + 10,
  };
}

/**
 * A CUDA context reserves tens of GiB of address space it never touches, so an address-space
 * limit makes it fail to start: workers that may use the GPU run without one.
 */
export const usesCuda = (checks: CheckSpec[], runner: RunnerInfo): boolean =>
  runner.tags.includes('cuda') && checks.some((c) => c.requires?.some((t) => t === 'gpu' || t === 'cuda'));

/** What environment.sandbox says: the isolation, then the limits every worker ran under. */
export const describeIsolation = (iso: Isolation, l: Limits): string =>
  `${iso.description}; limits: ${l.check_seconds} s per check, ${l.submission_seconds} s per submission, ` +
  `memory ${l.memory_bytes ? formatBytes(l.memory_bytes) : 'not limited (CUDA)'}, ${l.processes} processes, files up to ${formatBytes(l.file_bytes)}, ` +
  `output kept ${formatBytes(l.output_bytes)}`;

/** The checks whose ids match `only` (all when empty) and none of `skip` (globs with * and ?). */
export function selectChecks(checks: CheckSpec[], only: string[] = [], skip: string[] = []): CheckSpec[] {
  const re = (g: string) => new RegExp(`^${g.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`);
  const inc = only.map(re), exc = skip.map(re);
  return checks.filter((c) => (!inc.length || inc.some((r) => r.test(c.id))) && !exc.some((r) => r.test(c.id)));
}
