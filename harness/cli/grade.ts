/**
 * `dlgrade grade`: a class in one command. The batch decides what to grade (runner/batch.ts:
 * results whose key is unchanged are reused from OUT or the cache); this writes each result's
 * reports, the class reports, and with --profile where the time went.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { resolveInterpreter } from '../python/environment.ts';
import { NO_PROFILE, Profile, type Timer } from '../results/profile.ts';
import type { SubmissionResult } from '../results/types.ts';
import { RESULT_FILE, toJson, writeAtomic } from '../results/write.ts';
import { gradeBatch } from '../runner/batch.ts';
import { parseShard } from '../runner/merge.ts';
import type { Limits } from '../spec/types.ts';
import { NOT_INSTALLED, SandboxError, findBubblewrap, planIsolation, verifyIsolation } from '../worker/sandbox.ts';
import { profileTable } from '../../reports/profile.ts';
import { Progress } from '../../reports/progress.ts';
import {
  DEFAULT_REPORTS, REPORT_NAMES, type ReportName, batchFile, isBatchReport, isSubmissionReport, submissionFile, writeBatchReports, writeSubmissionReports,
} from '../../reports/registry.ts';
import type { BatchEntry, ReportOptions } from '../../reports/reporter.ts';
import {
  CACHE_HELP, type Cli, type GradebookOptions, UsageError, defaultJobs, duePolicyOf, gradebookOptions, gradingOptions, limitOptions, parseReports, rosterOf, visibility,
} from './options.ts';
import { loadPackCached } from './pack-cache.ts';
import { watchInterrupts } from './interrupt.ts';
import { ReportStamps } from './report-stamps.ts';
import { checkData, openCache, pythonMemo, runnerFor, toolMemo } from './setup.ts';

export function gradeCommand(program: Command, cli: Cli) {
  gradebookOptions(gradingOptions(
    program
      .command('grade')
      .description('grade a folder of submissions (every sub-folder is one) and write a gradebook')
      .argument('<submissions>', 'folder holding one folder per submission')
      .requiredOption('-o, --out <dir>', 'where results and the gradebook go')
      .option('-j, --jobs <n>', 'submissions graded at once', defaultJobs()),
    'seed for the hidden inputs (default: the one OUT/batch.json recorded, else random)',
  ))
    .option('--shard <i/n>', 'grade only the i-th of n deterministic shares of the class (combine with dlgrade merge)')
    .option('--force', 'regrade every submission: reuse no earlier result, from OUT or from the cache')
    .option('--cache <dir>', CACHE_HELP)
    .option('--no-cache', 'neither read nor write the result cache (results already in OUT for this exact run are still kept)')
    .option('--profile', 'print where the time went, phase by phase, and write it to OUT/profile.json')
    .option('--no-sandbox', 'run student code without bubblewrap (no isolation; limits still apply)')
    .option('--check-seconds <s>', "wall time per check (default: the pack's)")
    .option('--submission-seconds <s>', "wall time per submission (default: the pack's)")
    .option('--memory <size>', "address space per student process, e.g. 2G (default: the pack's)")
    .option('--reports <list>', `outputs to write, comma-separated: ${REPORT_NAMES.join(', ')}, or all (result.json and gradebook.csv are always written)`, DEFAULT_REPORTS.join(','))
    .action(async (dir: string, o) => {
      cli.setExit(await grade(dir, o.assignment, o.out, {
        jobs: Number(o.jobs), seed: o.seed, python: o.python, octave: o.octave, only: o.only, skip: o.skip,
        sandbox: o.sandbox, force: !!o.force, limits: limitOptions(o), tags: o.tags, shard: o.shard, data: o.data,
        reports: parseReports(o.reports), reportOptions: { gradescopeHiddenVisibility: visibility(o.gradescopeHiddenVisibility) },
        cache: o.cache, profile: !!o.profile, startedAt: cli.startedAt,
        gradebook: { roster: o.roster, due: o.due, grace: o.grace, penalty: o.penalty, penaltyCap: o.penaltyCap },
      }));
    });
}

export interface GradeCommand {
  jobs: number;
  seed?: string;
  python?: string;
  octave?: string;
  only?: string[];
  skip?: string[];
  sandbox: boolean;
  force: boolean;
  limits?: Partial<Limits>;
  tags?: string;
  shard?: string;
  data?: string;
  reports?: ReportName[];
  reportOptions?: ReportOptions;
  /** The cache folder; false: --no-cache; undefined: the default folder. */
  cache?: string | false;
  /** Print where the time went and write OUT/profile.json. */
  profile?: boolean;
  /** performance.now() when the command started (the profile's "cli start"). */
  startedAt?: number;
  /** The roster and the due date (--roster, --due, --grace, --penalty, --penalty-cap). */
  gradebook?: GradebookOptions;
}

const batchReportFiles = (reports: ReportName[]) => reports.filter(isBatchReport).map(batchFile);
const names = (list: string[]) => (list.length > 10 ? `${list.slice(0, 10).join(', ')} and ${list.length - 10} more` : list.join(', '));

export async function grade(dir: string, assignment: string, out: string, o: GradeCommand): Promise<number> {
  const profile = o.profile ? new Profile() : undefined;
  const prof: Timer = profile ?? NO_PROFILE;
  if (profile && o.startedAt !== undefined) profile.add('cli start', o.startedAt / 1000);
  const cache = openCache(o.cache);
  const pack = prof.time('pack load', () => loadPackCached(assignment, cache));
  if (!Number.isInteger(o.jobs) || o.jobs < 1) throw new UsageError(`--jobs must be a positive whole number`);
  const annotations = { due: duePolicyOf(o.gradebook ?? {}, pack), roster: rosterOf(o.gradebook?.roster) };
  if (o.sandbox && !(await prof.timeAsync('sandbox check', () => findBubblewrap(toolMemo(cache))))) throw new SandboxError(NOT_INSTALLED);
  let shard;
  try {
    shard = o.shard ? parseShard(o.shard) : undefined;
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const python = await prof.timeAsync('python resolve', () => resolveInterpreter(pack.spec, { python: o.python, octave: o.octave }, pythonMemo(cache)));
  checkData(pack, o.data);
  const runner = await runnerFor(pack, python.executable, o.tags);
  // Planned only: the trial run inside the sandbox waits until a submission needs grading.
  const isolation = await prof.timeAsync('sandbox check', () => planIsolation({ sandbox: o.sandbox, python: python.executable, hide: [pack.dir, dir, out] }));
  if (isolation.kind === 'none') console.error(`dlgrade: ${isolation.description}`);
  const reports = o.reports ?? DEFAULT_REPORTS;
  // result.json is the batch's own record (runner/batch.ts writes it): the others are made from it.
  const perSubmission = reports.filter(isSubmissionReport).filter((n) => n !== 'json');
  const stamps = new ReportStamps(out, { reports, options: o.reportOptions ?? {} });
  const started = Date.now();
  const entries: BatchEntry[] = [];
  // Made when the batch knows what it kept: a resumed batch counts on from there.
  let progress: Progress | undefined;
  let seed = '';
  let failures = 0;
  const written: [string, string][] = [];
  const writeReports = (r: SubmissionResult, force: boolean) => {
    const stamp = stamps.ofResult(r.submission);
    written.push([r.submission, stamp]);
    const upToDate = stamps.current(r.submission, stamp) && !force && perSubmission.every((n) => fs.existsSync(path.join(out, r.submission, submissionFile(n))));
    const files = { json: RESULT_FILE, ...Object.fromEntries(perSubmission.map((n) => [n, submissionFile(n)])) };
    if (!upToDate) prof.time('reports (submissions)', () => writeSubmissionReports(path.join(out, r.submission), r, perSubmission, o.reportOptions));
    entries.push({ result: r, dir: r.submission, files });
  };
  // From here on Ctrl-C stops the batch cleanly and says how to resume (see interrupt.ts).
  const interrupts = watchInterrupts();
  let results: SubmissionResult[];
  try {
    results = await gradeBatch(pack, dir, out, {
      seed: o.seed, python, runner, shard, isolation, jobs: o.jobs, only: o.only, skip: o.skip, limits: o.limits, force: o.force, data: o.data,
      cache, profile, annotations, signal: interrupts.signal,
      onWarning: (w) => console.error(`dlgrade: roster: ${w}`),
      beforeGrading: async () => {
        await prof.timeAsync('sandbox check', () => verifyIsolation(isolation, python.executable, pack.spec.worker));
      },
      onStart: (info) => {
        seed = info.seed;
        progress = new Progress(process.stdout, info.total, info.keptResults);
        if (info.kept.length) console.log(`Resuming (seed ${info.seed}): ${info.kept.length} of ${info.total} already graded in ${out}, skipped: ${names(info.kept)} (--force regrades them)`);
        if (info.cached.length) console.log(`From the cache (${cache!.root}): ${info.cached.length} of ${info.total} unchanged since they were graded: ${names(info.cached)} (--force regrades them)`);
      },
      onResult: (r) => {
        // The batch has already written result.json; the rest are written from the same result.
        writeReports(r, true);
        progress?.update(r);
      },
      onFailure: (name, e) => {
        failures++;
        console.error(`dlgrade: could not grade ${name} (the grader's fault, not the student's; no result written, the next run retries it): ${e.stack ?? e.message}`);
      },
    });
  } finally {
    interrupts.dispose();
    progress?.finish();
  }
  // Results kept from an earlier run: their reports are rewritten only if they are out of date.
  const seen = new Set(entries.map((e) => e.result.submission));
  for (const r of results) if (r && !seen.has(r.submission)) writeReports(r, false);
  // The gradebook is always written: it is what a batch is run for.
  const batchReports = [...new Set<ReportName>([...reports.filter(isBatchReport), 'gradebook'])];
  const batchCurrent = stamps.current('', stamps.ofBatch(written)) && batchReportFiles(batchReports).every((f) => fs.existsSync(path.join(out, f)));
  const batchFiles = batchCurrent ? batchReportFiles(batchReports) : prof.time('reports (batch)', () => writeBatchReports(out, entries, batchReports, o.reportOptions));
  stamps.save();
  const hits = results.filter((r) => r.cache?.hit).length;
  const fromCache = hits ? `; ${hits} from the cache` : '';
  console.log(`Graded ${results.length} submissions in ${((Date.now() - started) / 1000).toFixed(1)} s (seed ${seed}${fromCache}); ${batchFiles.map((f) => path.join(out, f)).join(', ')}`);
  const late = results.filter((r) => r.late && r.late.seconds_late > 0);
  if (late.length) console.log(`Late: ${late.length} of ${results.length} (${late.map((r) => `${r.submission} ${r.late!.days_late}d, -${Math.round(r.late!.penalty * 1000) / 10}%`).slice(0, 10).join(', ')}${late.length > 10 ? ', …' : ''}); gradebook scores are after the penalty`);
  if (cache?.stats.corrupt) console.error(`dlgrade: ${cache.stats.corrupt} cache entr${cache.stats.corrupt === 1 ? 'y was' : 'ies were'} unreadable, removed and regraded`);
  if (profile) {
    const data = profile.data(o.jobs);
    writeAtomic(path.join(out, 'profile.json'), toJson(data), { durable: false });
    console.error(`\n${profileTable(data)}\n(also in ${path.join(out, 'profile.json')})`);
  }
  return failures ? 1 : 0;
}
