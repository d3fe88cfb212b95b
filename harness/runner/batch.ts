/**
 * Grades a folder of submissions, several at a time. Each result is written atomically as soon
 * as it is known, so an interrupted batch (even kill -9) keeps everything it finished.
 *
 * One rule decides what is graded again: a result is reused when its key (result-key.ts: the
 * submission's content, the pack, the grader, the seed and every other setting) is the key this
 * run would give it. The result can be in OUT already (a killed or repeated run: kept as it is)
 * or in the result cache (another output folder, an earlier run: copied into OUT, marked as a
 * cache hit). Running the same command again therefore grades only what is missing or changed;
 * OUT/batch.json keeps the seed a first run drew, so a repeated run uses the same hidden inputs.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { caseValues } from '../checks/memo.ts';
import type { PythonEnvironment } from '../python/environment.ts';
import type { RunnerInfo } from '../python/tags.ts';
import { shardOf } from './merge.ts';
import type { SubmissionResult } from '../results/types.ts';
import { asResult, readResult } from '../results/read.ts';
import { toJson, writeAtomic, writeResult } from '../results/write.ts';
import { SpecError } from '../spec/load.ts';
import type { Limits, Pack } from '../spec/types.ts';
import type { Isolation } from '../worker/sandbox.ts';
import type { ResultStore } from '../cache/store.ts';
import { Profile } from '../results/profile.ts';
import { effectiveLimits, selectChecks } from './limits.ts';
import { CPU_RUNNER, gradeSubmission } from './submission.ts';
import { runKey, submissionKey } from './result-key.ts';
import { GRADER_VERSION } from './version.ts';
import { ZipError, extractZip } from './zip.ts';
import { DlgradeError, Interrupted } from '../common/errors.ts';
import { type Annotations, annotator } from './annotate.ts';

export interface BatchOptions {
  /** The hidden inputs' seed; default: the one OUT/batch.json recorded, else a new random one. */
  seed?: string;
  python: PythonEnvironment;
  runner?: RunnerInfo;
  isolation: Isolation;
  jobs: number;
  /** Grade only this share of the class (see shardOf). */
  shard?: { index: number; count: number };
  only?: string[];
  skip?: string[];
  limits?: Partial<Limits>;
  /** Regrade every submission: reuse no result, from OUT or from the cache (still store them). */
  force?: boolean;
  /** The result cache; absent with --no-cache (results already in OUT with this run's key are still kept). */
  cache?: ResultStore;
  /** Stands in for this grader's fingerprint in result keys (tests: a new grader version). */
  grader?: string;
  /** Runs once before the first submission is graded, never when every result is reused (the sandbox's trial run). */
  beforeGrading?: () => Promise<void>;
  profile?: Profile;
  /** Where scratch workspaces go (default: the system's temporary folder). */
  scratch?: string;
  /**
   * Before any grading: the seed in use, the submissions whose results in OUT were kept, and
   * those whose results came from the cache (each of those is also passed to onResult).
   */
  onStart?: (info: { seed: string; total: number; kept: string[]; cached: string[]; keptResults: SubmissionResult[] }) => void;
  /** Where train checks read their data set (see GradeOptions.data). */
  data?: string;
  /** The roster and the due date: each result gets its student and late verdict (annotate.ts). */
  annotations?: Annotations;
  /** What the roster could not match, said before any grading. */
  onWarning?: (message: string) => void;
  onResult?: (r: SubmissionResult, done: number, total: number) => void;
  /** A submission the grader itself failed on (not the student's fault): no result is written. */
  onFailure?: (name: string, error: Error) => void;
  /**
   * Stops the batch when it aborts (SIGINT, SIGTERM: see cli/grade.ts): no new submission
   * starts, those in progress stop their workers and remove their workspaces, and gradeBatch
   * rejects with an Interrupted error that says how many are graded (those results stay in OUT,
   * so the same command resumes). The signal's reason, when an Interrupted, names the signal.
   */
  signal?: AbortSignal;
}

/** A problem with the batch itself (its folders), found before anyone is graded. */
export class BatchError extends DlgradeError {
  override name = 'BatchError';
}

export interface SubmissionEntry {
  /** The name results carry: the folder's, or the zip's without ".zip". */
  name: string;
  source: string;
  zip: boolean;
}

const RESERVED = new Set(['gradebook.csv', 'batch.json', 'profile.json', 'index.html', 'diff.txt', 'diff.csv']);

/** Every folder (or link to one) and every .zip under `dir` is one submission. */
export function listSubmissions(dir: string, outDir?: string): SubmissionEntry[] {
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) throw new BatchError(`${dir}: not a folder of submissions`);
  const out = outDir && fs.existsSync(outDir) ? fs.realpathSync(outDir) : undefined;
  const found: SubmissionEntry[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    if (e.name.startsWith('.')) continue;
    const source = path.join(dir, e.name);
    let st: fs.Stats;
    try {
      st = fs.statSync(source);
    } catch {
      continue; // a dangling link
    }
    if (st.isDirectory() && fs.realpathSync(source) !== out) found.push({ name: e.name, source, zip: false });
    else if (st.isFile() && /\.zip$/i.test(e.name) && e.name.length > 4) found.push({ name: e.name.slice(0, -4), source, zip: true });
  }
  found.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (let i = 1; i < found.length; i++) {
    if (found[i].name === found[i - 1].name) throw new BatchError(`${dir}: two submissions are named "${found[i].name}" (${path.basename(found[i - 1].source)} and ${path.basename(found[i].source)})`);
  }
  const reserved = found.find((s) => RESERVED.has(s.name));
  if (reserved) throw new BatchError(`${dir}: a submission may not be named "${reserved.name}" (the batch writes a file of that name)`);
  return found;
}

/**
 * Fails fast on a broken spec: every case's inputs are built, and every reference step that does
 * not need the student's outputs is run, before any student is graded.
 */
export function preflight(pack: Pack, seed: string, only?: string[], skip?: string[]) {
  const file = path.join(pack.dir, 'assignment.yaml');
  const checks = selectChecks(pack.spec.checks, only, skip);
  if (!checks.length) throw new SpecError(file, '', `no check matches --only/--skip`);
  for (const check of checks) {
    for (const c of check.cases) {
      try {
        // Through the memo: what is proved here is what every submission then reuses.
        const values = caseValues(check, c, seed);
        // A train check's steps need its data set, which the CLI checks before this (checkData).
        if (!check.train) values.steps();
      } catch (e) {
        throw new SpecError(file, `check ${check.id}, case ${c.name}`, `${(e as Error).message.replace(/^check \S+, case \S+, /, '')} (nobody was graded)`);
      }
    }
    if (check.probe && !fs.existsSync(pack.probes[check.probe])) throw new SpecError(file, `check ${check.id}`, `probe ${pack.probes[check.probe]} is missing (nobody was graded)`);
  }
}

interface BatchRecord {
  assignment: string;
  seed: string;
  grader_version: string;
  checks: string[];
  started_at: string;
}

function readJson(file: string): any {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch {
    return undefined;
  }
}

/** Where an interrupted batch stands, and how to go on from there. */
function interrupted(signal: AbortSignal, done: number, total: number): Interrupted {
  const why = signal.reason instanceof Interrupted ? signal.reason : new Interrupted('SIGINT');
  const resume = done === 0 ? 'run the same command again to grade them'
    : `run the same command again to resume: ${done === 1 ? 'the 1 is' : `the ${done} are`} kept`;
  return new Interrupted(why.signal, `${why.message}: graded ${done} of ${total}; ${resume}`);
}

/** A result that is the one this run would produce: the key says so (see result-key.ts). */
function isResultFor(key: string, name: string) {
  return (r: unknown): r is SubmissionResult => {
    const x = asResult(r);
    return typeof x !== 'string' && x.cache?.key === key && x.submission === name;
  };
}

export async function gradeBatch(pack: Pack, submissionsDir: string, outDir: string, opts: BatchOptions): Promise<SubmissionResult[]> {
  const prof = opts.profile ?? new Profile();
  const all = listSubmissions(submissionsDir, outDir);
  const share = opts.shard ? new Set(shardOf(all.map((e) => e.name), opts.shard)) : undefined;
  const entries = share ? all.filter((e) => share.has(e.name)) : all;
  const checks = selectChecks(pack.spec.checks, opts.only, opts.skip).map((c) => c.id);
  if (!checks.length) throw new SpecError(path.join(pack.dir, 'assignment.yaml'), '', `no check matches --only/--skip`);
  const batchFile = path.join(outDir, 'batch.json');
  const before = readJson(batchFile) as BatchRecord | undefined;
  const seed = opts.seed ?? (before?.assignment === pack.spec.name && typeof before.seed === 'string' ? before.seed : randomBytes(6).toString('hex'));

  const run = prof.time('cache keys', () => runKey(pack, {
    seed, checks, python: opts.python, runner: opts.runner ?? CPU_RUNNER, isolation: opts.isolation, limits: effectiveLimits(pack, opts.limits), data: opts.data, grader: opts.grader,
  }));
  const keys = entries.map((e) => prof.time('cache keys', () => {
    try {
      return submissionKey(run, e.name, e.source, e.zip);
    } catch {
      return undefined; // unreadable: graded (and failing) the usual way, never cached
    }
  }));

  // The whole class, not this shard's share: a roster row of another shard's student is not missing.
  const annotate = annotator(all, opts.annotations ?? {});
  for (const w of annotate.warnings) opts.onWarning?.(w);

  const results: SubmissionResult[] = new Array(entries.length);
  const todo: number[] = [];
  const kept: number[] = [], cached: number[] = [];
  entries.forEach((e, i) => {
    const dir = path.join(outDir, e.name);
    // Half-written results of a run that was killed: never read, now removed.
    if (fs.existsSync(dir)) for (const f of fs.readdirSync(dir)) if (f.endsWith('.partial')) fs.rmSync(path.join(dir, f), { force: true });
    const key = keys[i];
    if (opts.force || !key) return void todo.push(i);
    const valid = isResultFor(key, e.name);
    const inOut = prof.time('cache lookups', () => readResult(path.join(dir, 'result.json')));
    if (typeof inOut !== 'string' && valid(inOut)) {
      results[i] = annotate.apply(inOut);
      // A new roster or due date: the same grading, said anew.
      if (toJson(results[i]) !== toJson(inOut)) writeResult(dir, results[i]);
      kept.push(i);
      return;
    }
    const stored = prof.time('cache lookups', () => opts.cache?.get('results', key, valid));
    if (stored) {
      results[i] = annotate.apply({ ...stored, cache: { key, hit: true } });
      cached.push(i);
    } else todo.push(i);
  });
  if (todo.length && !opts.signal?.aborted) {
    try {
      await opts.beforeGrading?.();
    } catch (e) {
      // Ctrl-C reaches the sandbox's trial run too: what it then says is not the sandbox's fault.
      if (opts.signal?.aborted) throw interrupted(opts.signal, kept.length, entries.length);
      throw e;
    }
    prof.time('preflight', () => preflight(pack, seed, opts.only, opts.skip));
  }
  fs.mkdirSync(outDir, { recursive: true });
  const record: BatchRecord = { assignment: pack.spec.name, seed, grader_version: GRADER_VERSION, checks, started_at: new Date().toISOString() };
  writeAtomic(batchFile, toJson(record));
  opts.onStart?.({ seed, total: entries.length, kept: kept.map((i) => entries[i].name), cached: cached.map((i) => entries[i].name), keptResults: kept.map((i) => results[i]) });
  prof.submissions.kept += kept.length;
  prof.submissions.cached += cached.length;

  let done = kept.length;
  for (const i of cached) {
    // A copy of what the cache holds: no need to wait for the disk.
    prof.time('reports (submissions)', () => writeResult(path.join(outDir, entries[i].name), results[i], { durable: false }));
    opts.onResult?.(results[i], ++done, entries.length);
  }

  const rootNames = new Set(['starter', 'solution'].flatMap((d) => (fs.existsSync(path.join(pack.dir, d)) ? fs.readdirSync(path.join(pack.dir, d)) : [])));
  const unpacked = todo.some((i) => entries[i].zip) ? fs.mkdtempSync(path.join(opts.scratch ?? os.tmpdir(), 'dlgrade-unzip-')) : undefined;
  let next = 0;
  const failed = new Set<number>();
  const job = async () => {
    while (next < todo.length && !opts.signal?.aborted) {
      const i = todo[next++];
      const e = entries[i];
      let dir = e.source;
      const notes: string[] = [];
      try {
        if (e.zip) {
          dir = path.join(unpacked!, String(i));
          try {
            const x = extractZip(e.source, dir, rootNames);
            if (x.skipped.length) notes.push(`not unpacked from ${path.basename(e.source)}: ${x.skipped.join(', ')}`);
          } catch (err) {
            if (!(err instanceof ZipError)) throw err;
            fs.mkdirSync(dir, { recursive: true });
            notes.push(`${path.basename(e.source)} could not be unpacked: ${err.message}`);
          }
        }
        const graded = await gradeSubmission(pack, dir, { ...opts, seed, name: e.name, notes, profile: prof, signal: opts.signal });
        const key = keys[i];
        const plain = key ? { ...graded, cache: { key, hit: false } } : graded;
        const r = annotate.apply(plain);
        writeResult(path.join(outDir, e.name), r);
        if (key) prof.time('cache stores', () => opts.cache?.put('results', key, plain));
        results[i] = r;
        prof.submissions.graded++;
        opts.onResult?.(r, ++done, entries.length);
      } catch (err) {
        if (opts.signal?.aborted) continue; // stopped, not failed: graded again by the next run
        // The grader's own failure (a full disk, a bug): the others go on, and with no result
        // written, the next run grades this one again.
        failed.add(i);
        opts.onFailure?.(e.name, err as Error);
      } finally {
        if (e.zip) fs.rmSync(dir, { recursive: true, force: true });
      }
    }
  };
  try {
    if (!opts.signal?.aborted) await Promise.all(Array.from({ length: Math.max(1, Math.min(opts.jobs, todo.length)) }, job));
  } finally {
    if (unpacked) fs.rmSync(unpacked, { recursive: true, force: true });
  }
  if (opts.signal?.aborted && done < entries.length) throw interrupted(opts.signal, done, entries.length);
  return results.filter((r, i) => r && !failed.has(i));
}

