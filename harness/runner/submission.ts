/**
 * Grades one submission: every selected check, each case on published and hidden inputs, one
 * worker for all of them (a fresh one after a timeout or a crash). The data path runs one way:
 * spec → inputs → worker → outputs → comparison → result.
 */
import fs from 'node:fs';
import path from 'node:path';
import { AnswerError, answerValue, expressionPoints, evaluateExpression, loadExpressionEngine, readAnswers } from '../checks/answers.ts';
import { buildInputs } from '../checks/inputs.ts';
import { judgeCase } from '../checks/judge.ts';
import type { Values } from '../checks/expect.ts';
import type { PythonEnvironment } from '../python/environment.ts';
import { type TrainData, isByteArray, trainData } from '../data/train.ts';
import type { CaseResult, CheckResult, Curve, Status, SubmissionResult } from '../results/types.ts';
import type { CaseSpec, CheckSpec, Pack } from '../spec/types.ts';
import { readNpy, writeNpy, writeNpyBytes } from '../tensor/npy.ts';
import type { Tensor } from '../tensor/tensor.ts';
import { type NotebookReport, Worker } from '../worker/worker.ts';
import { createWorkspace } from './workspace.ts';
import { GRADER_VERSION } from './version.ts';

export interface GradeOptions {
  seed: string;
  python: PythonEnvironment;
  /** Check ids to run (globs); all when empty. */
  only?: string[];
  skip?: string[];
  /** Where scratch workspaces go (default: the system's temporary folder). */
  scratch?: string;
  /** Called as each check finishes. */
  onCheck?: (c: CheckResult) => void;
  /** Where train checks read their data set: 'bundled' (default), 'system' or a path. */
  data?: string;
}

/** A check's time limit: a train check's is its training budget. */
export const checkSeconds = (pack: Pack, check: CheckSpec): number => check.train?.seconds ?? pack.limits.check_seconds;

const MAX_OUTPUT_FILE = 256 * 1024 * 1024;

export function selectChecks(checks: CheckSpec[], only: string[] = [], skip: string[] = []): CheckSpec[] {
  const re = (g: string) => new RegExp(`^${g.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`);
  const inc = only.map(re), exc = skip.map(re);
  return checks.filter((c) => (!inc.length || inc.some((r) => r.test(c.id))) && !exc.some((r) => r.test(c.id)));
}

export async function gradeSubmission(pack: Pack, submissionDir: string, opts: GradeOptions): Promise<SubmissionResult> {
  const started = Date.now();
  const deadline = started + pack.limits.submission_seconds * 1000;
  const checks = selectChecks(pack.spec.checks, opts.only, opts.skip);
  const result: SubmissionResult = {
    schema_version: 1,
    submission: path.basename(path.resolve(submissionDir)),
    assignment: pack.spec.name,
    score: 0,
    max_score: checks.reduce((s, c) => s + c.points, 0),
    seed: opts.seed,
    environment: {
      python: opts.python.python, executable: opts.python.executable, platform: opts.python.platform,
      modules: opts.python.modules, sandbox: 'none', grader_version: GRADER_VERSION, node: process.version,
    },
    checks: [],
    errors: [],
    stdout: '',
    stderr: '',
    started_at: new Date(started).toISOString(),
    seconds: 0,
  };

  const ws = createWorkspace(submissionDir, opts.scratch);
  if (ws.skipped.length) result.errors.push(`not copied into the workspace: ${ws.skipped.join(', ')}`);
  const stdout: string[] = [], stderr: string[] = [];
  const notes = new Set<string>();
  let worker: Worker | undefined;
  let workerProblem: string | undefined;

  const getWorker = async (): Promise<Worker | string> => {
    if (worker?.alive) return worker;
    if (worker) {
      stdout.push(worker.stdout.text());
      stderr.push(worker.stderr.text());
    }
    try {
      worker = await Worker.start({
        python: opts.python.executable,
        submissionDir: ws.submission,
        paths: pack.spec.python.path ?? ['.'],
        outputBytes: pack.limits.output_bytes,
        ...(pack.spec.notebook ? { notebook: { module: pack.spec.notebook.module, files: pack.spec.notebook.files ?? ['*.ipynb'] } } : {}),
      });
      for (const n of notebookNotes(worker.notebook)) notes.add(n);
      return worker;
    } catch (e) {
      workerProblem = (e as Error).message;
      return workerProblem;
    }
  };

  try {
    for (const check of checks) {
      const checkStarted = Date.now();
      const limit = checkSeconds(pack, check);
      const cases: ProbeCaseResult[] = [];
      for (const c of check.cases) {
        const remaining = Math.min(deadline - Date.now(), checkStarted + limit * 1000 - Date.now()) / 1000;
        if (remaining <= 0) {
          const why = deadline <= Date.now() ? `the submission's time limit (${pack.limits.submission_seconds} s) was reached` : `the check's time limit (${limit} s) was reached`;
          cases.push(caseResult(c, 'timeout', `not run: ${why}`));
          continue;
        }
        if (cases.some((r) => r.status === 'timeout')) {
          cases.push(caseResult(c, 'skipped', 'not run: an earlier case of this check timed out'));
          continue;
        }
        cases.push(check.kind === 'answer'
          ? await runAnswerCase(pack, check, c, ws.submission, opts.seed)
          : await runProbeCase(pack, check, c, opts, ws.io, getWorker, remaining, notes));
      }
      const checkResult = summarize(check, cases, (Date.now() - checkStarted) / 1000);
      result.checks.push(checkResult);
      opts.onCheck?.(checkResult);
    }
  } finally {
    if (worker) {
      await worker.close();
      stdout.push(worker.stdout.text());
      stderr.push(worker.stderr.text());
    }
    ws.dispose();
  }
  if (workerProblem) result.errors.push(workerProblem);
  if (notes.size) result.notes = [...notes];
  result.stdout = stdout.filter(Boolean).join('\n');
  result.stderr = stderr.filter(Boolean).join('\n');
  result.score = round(result.checks.reduce((s, c) => s + c.score, 0));
  result.seconds = (Date.now() - started) / 1000;
  return result;
}

/** A case's result, with the curves its outputs held until the check gathers them. */
type ProbeCaseResult = CaseResult & { curves?: Curve[] };

async function runProbeCase(
  pack: Pack, check: CheckSpec, c: CaseSpec, opts: GradeOptions, io: string,
  getWorker: () => Promise<Worker | string>, timeoutSeconds: number, notes: Set<string>,
): Promise<ProbeCaseResult> {
  const t0 = Date.now();
  const seconds = () => (Date.now() - t0) / 1000;
  const seed = opts.seed;
  let inputs: Values;
  let train: TrainData | undefined;
  try {
    inputs = buildInputs(check, c, seed);
    if (check.train) {
      train = trainData(check.train, c.hidden ? `${seed}/${check.id}/${c.name}` : `published/${check.id}/${c.name}`, opts.data);
      notes.add(`training data: ${train.data.name}, ${train.data.source}`);
    }
  } catch (e) {
    throw new Error(`${pack.spec.name}: ${(e as Error).message}`); // a spec error, not the student's
  }
  const dir = path.join(io, check.id, c.name);
  const inDir = path.join(dir, 'in'), outDir = path.join(dir, 'out');
  fs.mkdirSync(inDir, { recursive: true });
  const files: Record<string, string> = {};
  // Held-out labels (train.kept) are never written: only what the student's code may see is.
  for (const [name, t] of Object.entries({ ...inputs, ...train?.sent })) {
    files[name] = path.join(inDir, `${name}.npy`);
    if (isByteArray(t)) writeNpyBytes(files[name], t.shape, t.bytes);
    else writeNpy(files[name], t);
  }
  const w = await getWorker();
  if (typeof w === 'string') return caseResult(c, 'error', `the Python worker could not start: ${w}`, seconds());
  const outcome = await w.run(pack.probes[check.probe!], files, outDir, timeoutSeconds);
  switch (outcome.status) {
    case 'timeout':
      if (check.train && timeoutSeconds >= check.train.seconds - 1) {
        return caseResult(c, 'timeout', `training exceeded its budget of ${check.train.seconds} s and was stopped (${check.train.examples} examples, ${check.train.epochs} epoch${check.train.epochs === 1 ? '' : 's'})`, seconds());
      }
      return caseResult(c, 'timeout', `stopped after ${timeoutSeconds.toFixed(0)} s: an infinite loop, or far too slow?`, seconds());
    case 'died':
      return caseResult(c, 'error', outcome.message, seconds());
    case 'error':
      return { ...caseResult(c, 'error', outcome.error.message, seconds()), ...(outcome.error.traceback ? { traceback: outcome.error.traceback } : {}) };
  }
  const got: Values = {};
  for (const [name, file] of Object.entries(outcome.outputs)) {
    // The file was written by the student's process: only ours, only a sane size, only numbers.
    const expectedFile = path.join(outDir, `${name}.npy`);
    if (path.resolve(file) !== expectedFile || !fs.existsSync(expectedFile)) return caseResult(c, 'error', `output ${name}: not where the worker was told to write it`, seconds());
    if (fs.statSync(expectedFile).size > MAX_OUTPUT_FILE) return caseResult(c, 'error', `output ${name}: larger than ${MAX_OUTPUT_FILE >> 20} MiB`, seconds());
    try {
      got[name] = readNpy(expectedFile);
    } catch (e) {
      return caseResult(c, 'error', `output ${name}: ${(e as Error).message}`, seconds());
    }
  }
  if (!train) return judged(check, c, inputs, got, seconds());
  const values: Values = { ...inputs, ...train.kept };
  for (const [name, t] of Object.entries(train.sent)) if (!isByteArray(t)) values[name] = t;
  if (JSON.stringify([check.expect, check.properties]).includes('"test_images"')) values.test_images = train.testImages();
  const curves = curvesOf(check, c, got);
  let r: CaseResult;
  try {
    r = judged(check, c, values, got, seconds());
  } catch (e) {
    // The reference evaluates what the student's training returned: parameters of the wrong
    // shape are their mistake, reported as such.
    r = caseResult(c, 'failed', `the returned model could not be evaluated: ${(e as Error).message}`, seconds());
  }
  return curves.length ? { ...r, curves } : r;
}

/** What the student should know of how their notebook was read: one line per skipped cell. */
export function notebookNotes(nb: NotebookReport | undefined): string[] {
  if (!nb) return [];
  if (nb.error) return [`notebook: ${nb.error}`];
  if (!nb.file) return [];
  const quote = (t: string) => `\`${t.length > 60 ? `${t.slice(0, 57)}...` : t}\``;
  const byCell = new Map<number, NotebookReport['skipped']>();
  for (const s of nb.skipped) byCell.set(s.cell, [...(byCell.get(s.cell) ?? []), s]);
  const kept = nb.kept_cells.length ? `cells ${nb.kept_cells.join(', ')}` : 'no cell';
  const out = [`notebook ${nb.file}: graded its imports, functions, classes and constant assignments (from ${kept}); cells that train, plot, download or use the shell are skipped, never run`];
  for (const [cell, items] of byCell) {
    const whole = !nb.kept_cells.includes(cell);
    const listed = items.slice(0, 2).map((s) => `line ${s.line} ${quote(s.text)} (${s.why})`).join('; ');
    const more = items.length > 2 ? `; and ${items.length - 2} more line${items.length > 3 ? 's' : ''}` : '';
    out.push(`notebook cell ${cell}: ${whole ? 'skipped' : 'partly skipped'}: ${listed}${more}`);
  }
  return out;
}

const MAX_CURVE_POINTS = 2000;

/** The probe's outputs named as curves, thinned to a plottable size; non-finite points left out. */
function curvesOf(check: CheckSpec, c: CaseSpec, got: Values): Curve[] {
  const out: Curve[] = [];
  for (const spec of check.train?.curves ?? []) {
    const t: Tensor | undefined = got[spec.output];
    if (!t) continue;
    const step = Math.max(1, Math.ceil(t.data.length / MAX_CURVE_POINTS));
    const x: number[] = [], y: number[] = [];
    for (let i = 0; i < t.data.length; i += step) {
      if (Number.isFinite(t.data[i])) { x.push(i + 1); y.push(t.data[i]); }
    }
    out.push({ name: `${spec.label ?? spec.output}${check.cases.length > 1 ? ` (${c.name})` : ''}`, x, y });
  }
  return out;
}

async function runAnswerCase(pack: Pack, check: CheckSpec, c: CaseSpec, submission: string, seed: string): Promise<CaseResult> {
  const t0 = Date.now();
  const spec = check.answer!;
  const inputs = buildInputs(check, c, seed);
  let got: Values;
  try {
    const answers = readAnswers(submission, pack.spec.answers_file);
    const raw = answers[spec.key];
    const arithmetic = typeof raw === 'string' && Number.isNaN(Number(raw));
    if (spec.type === 'expression' || (spec.type !== 'yesno' && arithmetic)) await loadExpressionEngine();
    if (spec.type === 'expression') {
      // The reference expressions are evaluated at the same seeded points as the answer.
      const points = expressionPoints(spec, seed);
      (spec.equals ?? []).forEach((e, i) => { inputs[i === 0 ? 'expected' : `expected_${i}`] = evaluateExpression(e, spec.variable ?? 'x', points, 'reference'); });
      got = { answer: answerValue(spec, raw, points) };
    } else {
      got = { answer: answerValue(spec, raw) };
    }
  } catch (e) {
    if (e instanceof AnswerError) return caseResult(c, 'failed', e.message, (Date.now() - t0) / 1000);
    throw e;
  }
  return judged(check, c, inputs, got, (Date.now() - t0) / 1000);
}

function judged(check: CheckSpec, c: CaseSpec, inputs: Values, got: Values, seconds: number): CaseResult {
  const comparisons = judgeCase(check, inputs, got);
  const failed = comparisons.filter((x) => !x.passed);
  return {
    name: c.name,
    hidden: !!c.hidden,
    status: failed.length ? 'failed' : 'passed',
    message: failed.length ? failed.map((x) => x.message).join('; ') : comparisons.map((x) => x.message).join('; '),
    comparisons,
    seconds,
  };
}

function caseResult(c: CaseSpec, status: Status, message: string, seconds = 0): CaseResult {
  return { name: c.name, hidden: !!c.hidden, status, message, comparisons: [], seconds };
}

const SEVERITY: Status[] = ['error', 'timeout', 'failed', 'skipped', 'passed'];

function summarize(check: CheckSpec, withCurves: ProbeCaseResult[], seconds: number): CheckResult {
  const curves = withCurves.flatMap((c) => c.curves ?? []);
  const cases: CaseResult[] = withCurves.map(({ curves: _, ...c }) => c);
  const status = SEVERITY.find((s) => cases.some((c) => c.status === s)) ?? 'passed';
  const bad = cases.find((c) => c.status === status);
  const message = status === 'passed'
    ? `${cases.length} case${cases.length === 1 ? '' : 's'} passed`
    : `${bad!.hidden ? 'hidden case' : 'case'} ${bad!.name}: ${bad!.message}`;
  return {
    id: check.id, title: check.title, kind: check.kind, status,
    score: status === 'passed' ? check.points : 0, max_score: check.points,
    message, ...(status !== 'passed' && check.hint ? { hint: check.hint } : {}), cases, seconds,
    ...(curves.length ? { curves } : {}),
  };
}

const round = (x: number) => Math.round(x * 1e6) / 1e6;
