/**
 * `dlgrade grade`: a class in one command. The batch decides what to grade (runner/batch.ts:
 * results whose key is unchanged are reused from OUT or the cache); this writes each result's
 * reports, the class reports, and with --profile where the time went.
 */
import fs from 'node:fs';
import path from 'node:path';
import { ResultStore, defaultCacheDir } from '../cache/store.ts';
import { resolveData } from '../data/datasets.ts';
import { type ResolutionMemo } from '../python/remembered.ts';
import { resolvePython } from '../python/environment.ts';
import { type RunnerInfo, detectRunner, givenRunner } from '../python/tags.ts';
import { NO_PROFILE, Profile, type Timer } from '../results/profile.ts';
import type { SubmissionResult } from '../results/types.ts';
import { toJson, writeAtomic } from '../results/write.ts';
import { gradeBatch, listSubmissions } from '../runner/batch.ts';
import { parseShard } from '../runner/merge.ts';
import type { Limits, Pack } from '../spec/types.ts';
import { NOT_INSTALLED, SandboxError, type ToolMemo, findBubblewrap, planIsolation, verifyIsolation } from '../worker/sandbox.ts';
import { profileTable } from '../../reports/profile.ts';
import { Progress } from '../../reports/progress.ts';
import { BATCH_REPORTERS, DEFAULT_REPORTS, SUBMISSION_REPORTERS, writeBatchReports, writeSubmissionReports } from '../../reports/registry.ts';
import type { BatchEntry, ReportOptions } from '../../reports/reporter.ts';
import { loadPackCached } from './pack-cache.ts';
import { ReportStamps } from './report-stamps.ts';

export class UsageError extends Error {}

export interface GradeCommand {
  jobs: number;
  seed?: string;
  python?: string;
  only?: string[];
  skip?: string[];
  sandbox: boolean;
  force: boolean;
  limits?: Partial<Limits>;
  tags?: string;
  shard?: string;
  data?: string;
  reports?: string[];
  reportOptions?: ReportOptions;
  /** The cache folder; false: --no-cache; undefined: the default folder. */
  cache?: string | false;
  /** Print where the time went and write OUT/profile.json. */
  profile?: boolean;
  /** performance.now() when the command started (the profile's "cli start"). */
  startedAt?: number;
}

/** The result cache the options ask for, or none. */
export function openCache(cache: string | false | undefined): ResultStore | undefined {
  if (cache === false) return undefined;
  return new ResultStore(typeof cache === 'string' ? path.resolve(cache) : defaultCacheDir());
}

/** Interpreter resolutions remembered in the cache folder (see python/remembered.ts). */
export function pythonMemo(store: ResultStore | undefined): ResolutionMemo | undefined {
  if (!store) return undefined;
  const any = (v: unknown): v is unknown => v !== null && typeof v === 'object';
  return { get: (key) => store.get('python', key, any), put: (key, value) => store.put('python', key, value) };
}

/** What bwrap said of itself, remembered in the cache folder (see worker/sandbox.ts). */
export function toolMemo(store: ResultStore | undefined): ToolMemo | undefined {
  if (!store) return undefined;
  const any = (v: unknown): v is unknown => v !== null && typeof v === 'object';
  return { get: (key) => store.get('tools', key, any), put: (key, value) => store.put('tools', key, value) };
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

const fileOf = (reporter: string) => SUBMISSION_REPORTERS.find((r) => r.name === reporter)!.file;
const batchReportFiles = (reports: string[]) => BATCH_REPORTERS.filter((r) => reports.includes(r.name)).map((r) => r.file);
const names = (list: string[]) => (list.length > 10 ? `${list.slice(0, 10).join(', ')} and ${list.length - 10} more` : list.join(', '));

export async function grade(dir: string, assignment: string, out: string, o: GradeCommand): Promise<number> {
  const profile = o.profile ? new Profile() : undefined;
  const prof: Timer = profile ?? NO_PROFILE;
  if (profile && o.startedAt !== undefined) profile.add('cli start', o.startedAt / 1000);
  const cache = openCache(o.cache);
  const pack = prof.time('pack load', () => loadPackCached(assignment, cache));
  if (!Number.isInteger(o.jobs) || o.jobs < 1) throw new UsageError(`--jobs must be a positive whole number`);
  if (o.sandbox && !(await prof.timeAsync('sandbox check', () => findBubblewrap(toolMemo(cache))))) throw new SandboxError(NOT_INSTALLED);
  let shard;
  try {
    shard = o.shard ? parseShard(o.shard) : undefined;
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const python = await prof.timeAsync('python resolve', () => resolvePython(pack.spec.python, o.python, pythonMemo(cache)));
  checkData(pack, o.data);
  const runner = await runnerFor(pack, python.executable, o.tags);
  // Planned only: the trial run inside the sandbox waits until a submission needs grading.
  const isolation = await prof.timeAsync('sandbox check', () => planIsolation({ sandbox: o.sandbox, python: python.executable, hide: [pack.dir, dir, out] }));
  if (isolation.kind === 'none') console.error(`dlgrade: ${isolation.description}`);
  const reports = o.reports ?? DEFAULT_REPORTS;
  const perSubmission = SUBMISSION_REPORTERS.filter((r) => r.name !== 'json' && reports.includes(r.name)).map((r) => r.name);
  const stamps = new ReportStamps(out, { reports, options: o.reportOptions ?? {} });
  const started = Date.now();
  const entries: BatchEntry[] = [];
  const progress = new Progress(process.stdout, listSubmissions(dir).length);
  let seed = '';
  let failures = 0;
  const written: [string, string][] = [];
  const writeReports = (r: SubmissionResult, force: boolean) => {
    const stamp = stamps.ofResult(r.submission);
    written.push([r.submission, stamp]);
    const upToDate = stamps.current(r.submission, stamp) && !force && perSubmission.every((n) => fs.existsSync(path.join(out, r.submission, fileOf(n))));
    const files = { json: 'result.json', ...Object.fromEntries(perSubmission.map((n) => [n, fileOf(n)])) };
    if (!upToDate) prof.time('reports (submissions)', () => writeSubmissionReports(path.join(out, r.submission), r, perSubmission, o.reportOptions));
    entries.push({ result: r, dir: r.submission, files });
  };
  const results = await gradeBatch(pack, dir, out, {
    seed: o.seed, python, runner, shard, isolation, jobs: o.jobs, only: o.only, skip: o.skip, limits: o.limits, force: o.force, data: o.data,
    cache, profile,
    beforeGrading: async () => {
      await prof.timeAsync('sandbox check', () => verifyIsolation(isolation, python.executable));
    },
    onStart: (info) => {
      seed = info.seed;
      if (info.kept.length) console.log(`Resuming (seed ${info.seed}): ${info.kept.length} of ${info.total} already graded in ${out}, skipped: ${names(info.kept)} (--force regrades them)`);
      if (info.cached.length) console.log(`From the cache (${cache!.root}): ${info.cached.length} of ${info.total} unchanged since they were graded: ${names(info.cached)} (--force regrades them)`);
    },
    onResult: (r) => {
      // The batch has already written result.json; the rest are written from the same result.
      writeReports(r, true);
      progress.update(r);
    },
    onFailure: (name, e) => {
      failures++;
      console.error(`dlgrade: could not grade ${name} (the grader's fault, not the student's; no result written, the next run retries it): ${e.stack ?? e.message}`);
    },
  });
  progress.finish();
  // Results kept from an earlier run: their reports are rewritten only if they are out of date.
  const seen = new Set(entries.map((e) => e.result.submission));
  for (const r of results) if (r && !seen.has(r.submission)) writeReports(r, false);
  const batchCurrent = stamps.current('', stamps.ofBatch(written)) && batchReportFiles(reports).every((f) => fs.existsSync(path.join(out, f)));
  const batchFiles = batchCurrent ? batchReportFiles(reports) : prof.time('reports (batch)', () => writeBatchReports(out, entries, reports, o.reportOptions));
  stamps.save();
  const hits = results.filter((r) => r.cache?.hit).length;
  const fromCache = hits ? `; ${hits} from the cache` : '';
  console.log(`Graded ${results.length} submissions in ${((Date.now() - started) / 1000).toFixed(1)} s (seed ${seed}${fromCache}); ${batchFiles.map((f) => path.join(out, f)).join(', ') || path.join(out, 'gradebook.csv')}`);
  if (cache?.stats.corrupt) console.error(`dlgrade: ${cache.stats.corrupt} cache entr${cache.stats.corrupt === 1 ? 'y was' : 'ies were'} unreadable, removed and regraded`);
  if (profile) {
    const data = profile.data(o.jobs);
    writeAtomic(path.join(out, 'profile.json'), toJson(data), { durable: false });
    console.error(`\n${profileTable(data)}\n(also in ${path.join(out, 'profile.json')})`);
  }
  return failures ? 1 : 0;
}
