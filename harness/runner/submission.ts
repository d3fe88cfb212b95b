/**
 * Grades one submission: every selected check, each case on published and hidden inputs, one
 * worker for all of them (a fresh one after a timeout or a crash). The data path runs one way:
 * spec → inputs → worker → outputs → comparison → result. This file only coordinates: a probe
 * case runs in probe-case.ts, answers are judged in checks/answers.ts, verdicts are decided in
 * checks/verdict.ts.
 */
import path from 'node:path';
import { judgeAnswerCase, loadAnswers } from '../checks/answers.ts';
import { parityCase } from '../checks/parity.ts';
import { type GatheredCase, caseResult, checkFromCases, skippedCheck, totals } from '../checks/verdict.ts';
import type { PythonEnvironment } from '../python/environment.ts';
import { type RunnerInfo, missingTags } from '../python/tags.ts';
import { NO_PROFILE, type Timer } from '../results/profile.ts';
import type { CheckResult, SubmissionResult } from '../results/types.ts';
import { forbiddenIn } from '../spec/load.ts';
import { type CheckSpec, type Limits, type NotebookSpec, type Pack, gradedFiles } from '../spec/types.ts';
import { MAX_WALL_FACTOR, creditedLimit } from '../worker/cpu-wait.ts';
import type { Isolation } from '../worker/sandbox.ts';
import { checkSeconds, describeIsolation, effectiveLimits, selectChecks, usesCuda, workerLimits } from './limits.ts';
import { callProbes } from './call-probe.ts';
import { type SubmissionRun, runProbeCase } from './probe-case.ts';
import { GRADER_VERSION } from './version.ts';
import { WorkerSlot } from './worker-slot.ts';
import { createWorkspace } from './workspace.ts';

export interface GradeOptions {
  seed: string;
  python: PythonEnvironment;
  /** How the student's code is isolated: see harness/worker/sandbox.ts resolveIsolation. */
  isolation: Isolation;
  /** What this runner offers; checks needing other tags are skipped. Default: a plain CPU. */
  runner?: RunnerInfo;
  /** Where train checks read their data set: a folder of Fashion-MNIST files (default: bundled subset). */
  data?: string;
  /** Overrides of the pack's limits (the CLI's --check-seconds, --memory, ...). */
  limits?: Partial<Limits>;
  /** Check ids to run (globs); all when empty. */
  only?: string[];
  skip?: string[];
  /** Where scratch workspaces go (default: the system's temporary folder). */
  scratch?: string;
  /** The name the result carries (default: the folder's name). */
  name?: string;
  /** Problems found before grading (zip entries left out, say), kept in the result's errors. */
  notes?: string[];
  /** Called as each check finishes. */
  onCheck?: (c: CheckResult) => void;
  /** Collects where the time goes (grade --profile). */
  profile?: Timer;
  /**
   * Stops grading when it aborts: the worker is killed, the workspace removed, and the call
   * rejects with the signal's reason (no result: the submission is graded again next run).
   */
  signal?: AbortSignal;
}

export const CPU_RUNNER: RunnerInfo = { tags: ['cpu'], devices: [], source: 'detected', torch: null };

export async function gradeSubmission(pack: Pack, submissionDir: string, opts: GradeOptions): Promise<SubmissionResult> {
  const started = Date.now();
  const checks = selectChecks(pack.spec.checks, opts.only, opts.skip);
  const runner = opts.runner ?? CPU_RUNNER;
  const limits = effectiveLimits(pack, { ...opts.limits, ...(usesCuda(checks, runner) ? { memory_bytes: 0 } : {}) });
  const result: SubmissionResult = {
    schema_version: 1,
    submission: opts.name ?? path.basename(path.resolve(submissionDir)),
    assignment: pack.spec.name,
    score: 0,
    max_score: checks.reduce((s, c) => s + c.points, 0),
    pending_score: 0,
    seed: opts.seed,
    environment: {
      python: opts.python.language === 'octave' ? null : opts.python.python, executable: opts.python.executable, platform: opts.python.platform,
      modules: opts.python.modules, sandbox: describeIsolation(opts.isolation, limits), grader_version: GRADER_VERSION, node: process.version,
      runner: { tags: runner.tags, source: runner.source, devices: runner.devices, torch: runner.torch },
    },
    checks: [],
    errors: [...(opts.notes ?? [])],
    stdout: '',
    stderr: '',
    started_at: new Date(started).toISOString(),
    seconds: 0,
  };

  const prof = opts.profile ?? NO_PROFILE;
  const ws = prof.time('workspace', () => createWorkspace(submissionDir, {
    scratch: opts.scratch, probes: path.join(pack.dir, 'probes'), language: pack.spec.worker, files: gradedFiles(pack.spec), generated: callProbes(pack),
  }));
  result.errors.push(...ws.problems);
  // Read once, before any of the student's code runs (see loadAnswers).
  const answers = checks.some((c) => c.kind === 'answer') ? loadAnswers(ws.submission, pack.spec.answers_file) : undefined;
  const slot = new WorkerSlot({
    language: pack.spec.worker,
    python: opts.python.executable,
    layout: ws,
    paths: pack.spec.python.path ?? ['.'],
    outputBytes: limits.output_bytes,
    limits: workerLimits(limits),
    isolation: opts.isolation,
    legacyNumpyNames: pack.spec.python.legacy_numpy_names,
    forbid: [...new Set(checks.flatMap((c) => forbiddenIn(pack.spec, c)))],
    ...(pack.spec.notebook ? { notebook: notebookOptions(pack.spec.notebook) } : {}),
    signal: opts.signal,
  }, prof, pack.spec.notebook?.seconds);
  const run: SubmissionRun = { pack, seed: opts.seed, data: opts.data, ws, slot, prof, requests: 0 };

  const stopped = () => opts.signal?.throwIfAborted();
  try {
    stopped();
    // An executed notebook runs before the first check, so that its budget is its own and no
    // check's time limit.
    if (pack.spec.notebook?.execute && checks.some((c) => c.probe || c.call)) await slot.get();
    for (const check of checks) {
      const lacking = missingTags(check.requires, runner);
      if (lacking.length) {
        const skipped = skippedCheck(check, `needs a runner tagged ${lacking.join(', ')}; this runner has ${runner.tags.join(', ')} (points pending)`);
        result.checks.push(skipped);
        opts.onCheck?.(skipped);
        continue;
      }
      const checkStarted = Date.now();
      const waitedBefore = slot.waited();
      const limit = checkSeconds(limits, check);
      const cases: GatheredCase[] = [];
      for (const c of check.cases) {
        stopped(); // what an interrupted worker answered is not the student's verdict
        // Both limits are wall time plus what the workers waited for a CPU (worker/cpu-wait.ts).
        const submissionLeft = started + creditedLimit(limits.submission_seconds, slot.waited()) * 1000 - Date.now();
        const checkLeft = checkStarted + creditedLimit(limit, slot.waited() - waitedBefore) * 1000 - Date.now();
        const remaining = Math.min(submissionLeft, checkLeft) / 1000;
        // However the waits fall, neither stretches past MAX_WALL_FACTOR times itself.
        const most = Math.min(started + MAX_WALL_FACTOR * limits.submission_seconds * 1000, checkStarted + MAX_WALL_FACTOR * limit * 1000) - Date.now();
        // A written answer runs no student code: no time limit keeps it from counting.
        if (remaining <= 0 && check.kind !== 'answer') {
          const why = submissionLeft <= 0 ? `the submission's time limit (${limits.submission_seconds} s) was reached` : `the check's time limit (${limit} s) was reached`;
          cases.push(caseResult(c, 'timeout', `not run: ${why}`));
          continue;
        }
        if (cases.some((r) => r.status === 'timeout')) {
          cases.push(caseResult(c, 'skipped', 'not run: an earlier case of this check timed out'));
          continue;
        }
        cases.push(check.kind === 'answer'
          ? await judgeAnswerCase(check, c, answers!, opts.seed)
          : await runProbeCase(run, check, c, { seconds: remaining, most: Math.max(remaining, most / 1000) }));
      }
      stopped();
      const checkResult = summarize(check, cases, (Date.now() - checkStarted) / 1000);
      result.checks.push(checkResult);
      opts.onCheck?.(checkResult);
    }
  } finally {
    const stopping = performance.now();
    await slot.close();
    ws.dispose();
    prof.add('worker stop', (performance.now() - stopping) / 1000);
  }
  if (slot.problem) result.errors.push(slot.problem);
  const notes = [...(ws.leftOut ? [ws.leftOut] : []), ...slot.notes];
  if (notes.length) result.notes = notes;
  result.stdout = slot.stdout.filter(Boolean).join('\n');
  result.stderr = slot.stderr.filter(Boolean).join('\n');
  const { score, pending_score } = totals(result.checks);
  result.score = score;
  result.pending_score = pending_score;
  result.seconds = (Date.now() - started) / 1000;
  return result;
}

const notebookOptions = (nb: NotebookSpec) => ({ module: nb.module, files: nb.files ?? ['*.ipynb'], execute: nb.execute, record: nb.record });

/** A check's result: curves gathered from its cases, and for device parity the case comparing them. */
function summarize(check: CheckSpec, gathered: GatheredCase[], seconds: number): CheckResult {
  const curves = gathered.flatMap((c) => c.curves ?? []);
  const cases = gathered.map(({ curves: _, timed: __, accuracy: ___, ...c }) => c);
  if (check.parity) cases.push(parityCase(check.parity, gathered));
  return checkFromCases(check, cases, seconds, curves);
}
