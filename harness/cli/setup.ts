/**
 * What `check` and `grade` both resolve before grading: the cache folder (and what it
 * remembers of interpreters and tools), the data set of training checks, the runner's tags.
 */
import path from 'node:path';
import { ResultStore, defaultCacheDir } from '../cache/store.ts';
import { resolveData } from '../data/datasets.ts';
import type { ResolutionMemo } from '../python/remembered.ts';
import { type RunnerInfo, detectRunner, givenRunner } from '../python/tags.ts';
import type { Pack } from '../spec/types.ts';
import type { ToolMemo } from '../worker/sandbox.ts';

/** The result cache the options ask for, or none. */
export function openCache(cache: string | false | undefined): ResultStore | undefined {
  if (cache === false) return undefined;
  return new ResultStore(typeof cache === 'string' ? path.resolve(cache) : defaultCacheDir());
}

const anyObject = (v: unknown): v is unknown => v !== null && typeof v === 'object';

/** Interpreter resolutions remembered in the cache folder (see python/remembered.ts). */
export function pythonMemo(store: ResultStore | undefined): ResolutionMemo | undefined {
  if (!store) return undefined;
  return { get: (key) => store.get('python', key, anyObject), put: (key, value) => store.put('python', key, value) };
}

/** What bwrap said of itself, remembered in the cache folder (see worker/sandbox.ts). */
export function toolMemo(store: ResultStore | undefined): ToolMemo | undefined {
  if (!store) return undefined;
  return { get: (key) => store.get('tools', key, anyObject), put: (key, value) => store.put('tools', key, value) };
}

/** A --data that cannot be read is the user's mistake: say so before any student is graded. */
export function checkData(pack: Pack, data: string | undefined) {
  for (const c of pack.spec.checks) if (c.train) resolveData(c.train.data, data);
}

/** Tags are detected only for packs that have a check needing some: detection imports torch. */
export async function runnerFor(pack: Pack, python: string, tags?: string): Promise<RunnerInfo> {
  if (tags) return givenRunner(tags);
  if (!pack.spec.checks.some((c) => c.requires?.length)) return { tags: ['cpu'], devices: [], source: 'detected', torch: null };
  return detectRunner(python);
}
