/**
 * Grades one submission: every selected check, each case on published and hidden inputs, one
 * worker for all of them (a fresh one after a timeout or a crash). The data path runs one way:
 * spec → inputs → worker → outputs → comparison → result.
 */
import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { AnswerError, answerValue, expressionPoints, evaluateExpression, loadExpressionEngine, readAnswers } from '../checks/answers.ts';
import { buildInputs, textInputs } from '../checks/inputs.ts';
import { judgeCase } from '../checks/judge.ts';
import { caseValues } from '../checks/memo.ts';
import { NO_PROFILE, type Timer } from '../results/profile.ts';
import type { Values } from '../checks/expect.ts';
import type { PythonEnvironment } from '../python/environment.ts';
import { type RunnerInfo, missingTags } from '../python/tags.ts';
import { fmt, relError } from '../checks/compare.ts';
import { type TrainData, isByteArray, trainData } from '../data/train.ts';
import type { CaseResult, CheckResult, Curve, Status, SubmissionResult } from '../results/types.ts';
import type { CaseSpec, CheckSpec, Pack } from '../spec/types.ts';
import type { Limits } from '../spec/types.ts';
import { type Tensor, tensor } from '../tensor/tensor.ts';
import { decodeNpy, writeNpy, writeNpyBytes } from '../tensor/npy.ts';
import { DEFAULT_WORKER_LIMITS, type WorkerLimits, formatBytes } from '../worker/limits.ts';
import type { Isolation } from '../worker/sandbox.ts';
import { type NotebookReport, Worker } from '../worker/worker.ts';
import { type TimedCase, parityCase } from './parity.ts';
import { type Workspace, createWorkspace } from './workspace.ts';
import { GRADER_VERSION } from './version.ts';
import { profileRun } from './timing.ts';

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
}

/** A check's time limit: a train check's is its training budget. */
export const checkSeconds = (limits: Limits, check: CheckSpec): number => check.train?.seconds ?? limits.check_seconds;

/** No output of any check comes near this; a larger file is refused before it is read. */
const MAX_OUTPUT_FILE = 256 * 1024 * 1024;

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

export function selectChecks(checks: CheckSpec[], only: string[] = [], skip: string[] = []): CheckSpec[] {
  const re = (g: string) => new RegExp(`^${g.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`);
  const inc = only.map(re), exc = skip.map(re);
  return checks.filter((c) => (!inc.length || inc.some((r) => r.test(c.id))) && !exc.some((r) => r.test(c.id)));
}

export async function gradeSubmission(pack: Pack, submissionDir: string, opts: GradeOptions): Promise<SubmissionResult> {
  const started = Date.now();
  const checks = selectChecks(pack.spec.checks, opts.only, opts.skip);
  const runner = opts.runner ?? CPU_RUNNER;
  const limits = effectiveLimits(pack, { ...opts.limits, ...(usesCuda(checks, runner) ? { memory_bytes: 0 } : {}) });
  const deadline = started + limits.submission_seconds * 1000;
  const result: SubmissionResult = {
    schema_version: 1,
    submission: opts.name ?? path.basename(path.resolve(submissionDir)),
    assignment: pack.spec.name,
    score: 0,
    max_score: checks.reduce((s, c) => s + c.points, 0),
    pending_score: 0,
    seed: opts.seed,
    environment: {
      python: opts.python.python, executable: opts.python.executable, platform: opts.python.platform,
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
  const ws = prof.time('workspace', () => createWorkspace(submissionDir, opts.scratch, path.join(pack.dir, 'probes')));
  if (ws.skipped.length) result.errors.push(`not copied into the workspace: ${ws.skipped.join(', ')}`);
  // Read once, before any of the student's code runs: it could replace the file later with
  // something that hangs or floods whoever reads it.
  const answers = checks.some((c) => c.kind === 'answer') ? loadAnswers(ws.submission, pack.spec.answers_file) : undefined;
  const stdout: string[] = [], stderr: string[] = [];
  let worker: Worker | undefined;
  let workerProblem: string | undefined;
  const notes = new Set<string>();

  const getWorker = async (): Promise<Worker | string> => {
    if (worker?.alive) return worker;
    if (worker) {
      await worker.stopped(); // the old one and all it started are gone before a new one starts
      stdout.push(worker.stdout.text());
      stderr.push(worker.stderr.text());
    }
    try {
      worker = await prof.timeAsync('worker start', () => Worker.start({
        python: opts.python.executable,
        layout: ws,
        paths: pack.spec.python.path ?? ['.'],
        outputBytes: limits.output_bytes,
        limits: workerLimits(limits),
        isolation: opts.isolation,
        legacyNumpyNames: pack.spec.python.legacy_numpy_names,
        ...(pack.spec.notebook ? { notebook: { module: pack.spec.notebook.module, files: pack.spec.notebook.files ?? ['*.ipynb'] } } : {}),
      }));
      for (const n of notebookNotes(worker.notebook)) notes.add(n);
      return worker;
    } catch (e) {
      workerProblem = (e as Error).message;
      return workerProblem;
    }
  };

  try {
    for (const check of checks) {
      const lacking = missingTags(check.requires, runner);
      if (lacking.length) {
        const skipped = skippedCheck(check, `needs a runner tagged ${lacking.join(', ')}; this runner has ${runner.tags.join(', ')} (points pending)`);
        result.checks.push(skipped);
        opts.onCheck?.(skipped);
        continue;
      }
      const checkStarted = Date.now();
      const limit = checkSeconds(limits, check);
      const cases: ProbeCaseResult[] = [];
      for (const c of check.cases) {
        const remaining = Math.min(deadline - Date.now(), checkStarted + limit * 1000 - Date.now()) / 1000;
        if (remaining <= 0) {
          const why = deadline <= Date.now() ? `the submission's time limit (${limits.submission_seconds} s) was reached` : `the check's time limit (${limit} s) was reached`;
          cases.push(caseResult(c, 'timeout', `not run: ${why}`));
          continue;
        }
        if (cases.some((r) => r.status === 'timeout')) {
          cases.push(caseResult(c, 'skipped', 'not run: an earlier case of this check timed out'));
          continue;
        }
        cases.push(check.kind === 'answer'
          ? await runAnswerCase(check, c, answers!, opts.seed)
          : await runProbeCase(pack, check, c, opts, ws, getWorker, remaining, notes));
      }
      const checkResult = summarize(check, cases, (Date.now() - checkStarted) / 1000);
      result.checks.push(checkResult);
      opts.onCheck?.(checkResult);
    }
  } finally {
    const stopping = performance.now();
    if (worker) {
      await worker.close();
      stdout.push(worker.stdout.text());
      stderr.push(worker.stderr.text());
    }
    ws.dispose();
    prof.add('worker stop', (performance.now() - stopping) / 1000);
  }
  if (workerProblem) result.errors.push(workerProblem);
  if (notes.size) result.notes = [...notes];
  result.stdout = stdout.filter(Boolean).join('\n');
  result.stderr = stderr.filter(Boolean).join('\n');
  result.score = round(result.checks.reduce((s, c) => s + c.score, 0));
  result.pending_score = round(result.checks.filter((c) => c.status === 'skipped').reduce((s, c) => s + c.max_score, 0));
  result.seconds = (Date.now() - started) / 1000;
  return result;
}

let requests = 0;

/** A case's result, with what the check gathers from it: curves, and parity's timing and accuracy. */
type ProbeCaseResult = TimedCase & { curves?: Curve[] };

async function runProbeCase(
  pack: Pack, check: CheckSpec, c: CaseSpec, opts: GradeOptions, ws: Workspace,
  getWorker: () => Promise<Worker | string>, timeoutSeconds: number, notes: Set<string>,
): Promise<ProbeCaseResult> {
  const t0 = Date.now();
  const seconds = () => (Date.now() - t0) / 1000;
  const seed = opts.seed;
  const prof = opts.profile ?? NO_PROFILE;
  const preparing = performance.now();
  let memo: ReturnType<typeof caseValues>;
  let inputs: Values;
  let train: TrainData | undefined;
  try {
    memo = caseValues(check, c, seed);
    inputs = memo.inputs;
    if (check.train) {
      // Each case draws its own examples, except where cases compare devices: those train on the same.
      const draw = check.parity ? check.id : `${check.id}/${c.name}`;
      train = trainData(check.train, c.hidden ? `${seed}/${draw}` : `published/${draw}`, opts.data);
      notes.add(`training data: ${train.data.name}, ${train.data.source}`);
    }
  } catch (e) {
    throw new Error(`${pack.spec.name}: ${(e as Error).message}`); // a spec error, not the student's
  }
  const n = ++requests;
  const inDir = path.join(ws.inputs, String(n));
  // A name the student cannot guess in advance, so they cannot have put anything there.
  const outDir = path.join(ws.outputs, `${n}-${randomBytes(6).toString('hex')}`);
  fs.mkdirSync(inDir);
  const files: Record<string, string> = {};
  // Held-out labels (train.kept) are never written: only what the student's code may see is.
  for (const [name, t] of Object.entries({ ...inputs, ...train?.sent })) {
    files[name] = path.join(inDir, `${name}.npy`);
    if (isByteArray(t)) writeNpyBytes(files[name], t.shape, t.bytes);
    else if (inputs[name] === t) fs.writeFileSync(files[name], memo.npy(name));
    else writeNpy(files[name], t);
  }
  prof.add('inputs', (performance.now() - preparing) / 1000);
  const w = await getWorker();
  if (typeof w === 'string') return caseResult(c, 'error', `the Python worker could not start: ${w}`, seconds());
  const probe = path.join(ws.grader, 'probes', path.relative(path.join(pack.dir, 'probes'), pack.probes[check.probe!]));
  const text = textInputs(c);
  if (check.parity) {
    // Device start-up (a CUDA context, cuDNN) before the timed run, so it is not counted.
    const warm = await w.run(probe, files, `${outDir}-warm`, Math.max(0.1, timeoutSeconds - seconds()), { text, entry: 'warm_up' });
    if (warm.status !== 'ok') {
      const why = warm.status === 'error' ? warm.error.message : warm.status === 'died' ? warm.message : 'it ran out of time';
      return caseResult(c, warm.status === 'timeout' ? 'timeout' : 'error', `warming up the device failed: ${why}`, seconds());
    }
  }
  // The limit is wall time, starting a fresh worker included: a check never runs past it.
  const sent = performance.now();
  const outcome = await w.run(probe, files, outDir, Math.max(0.1, timeoutSeconds - seconds()), { text });
  profileRun(prof, outcome, (performance.now() - sent) / 1000);
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
  const reading = performance.now();
  for (const name of outcome.outputs) {
    const inline = outcome.inline?.[name];
    const t = inline ? decodeOutput(inline) : readOutput(outDir, name);
    if (typeof t === 'string') return caseResult(c, 'error', `output ${name}: ${t}`, seconds());
    got[name] = t;
  }
  prof.add('outputs read', (performance.now() - reading) / 1000);
  if (train) return { ...prof.time('comparison', () => judgedTraining(check, c, inputs, got, train, seconds)), timed: outcome.seconds };
  const took = seconds();
  const steps = prof.time('reference', () => stepsOrNone(memo));
  const result = prof.time('comparison', () => judged(check, c, inputs, got, took, steps));
  if (result.status === 'failed' && check.selfcheck && w.alive) {
    const note = await prof.timeAsync('self-check', () => selfCheck(check, inputs, inDir, probe, files, got, result, w, Math.max(1, timeoutSeconds - seconds())));
    if (note) result.message += ` — ${note}`;
  }
  return result;
}

function judgedTraining(check: CheckSpec, c: CaseSpec, inputs: Values, got: Values, train: TrainData, seconds: () => number): ProbeCaseResult {
  const values: Values = { ...inputs, ...train.kept };
  for (const [name, t] of Object.entries(train.sent)) if (!isByteArray(t)) values[name] = t;
  if (JSON.stringify([check.expect, check.properties]).includes('"test_images"')) values.test_images = train.testImages();
  const curves = curvesOf(check, c, got);
  let r: ProbeCaseResult;
  try {
    r = judged(check, c, values, got, seconds());
    const scored = (check.properties ?? []).findIndex((p) => p.assert === 'accuracy_at_least');
    const accuracy = scored >= 0 ? r.comparisons[scored]?.value : null;
    if (typeof accuracy === 'number') r.accuracy = accuracy;
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
    const every = spec.every ?? 1;
    const x: number[] = [], y: number[] = [];
    for (let i = 0; i < t.data.length; i += step) {
      if (Number.isFinite(t.data[i])) { x.push((i + 1) * every); y.push(t.data[i]); }
    }
    const ofCase = check.cases.length > 1 ? ` (${c.name})` : '';
    out.push({ name: `${spec.label ?? spec.output}${ofCase}`, x, y, ...(spec.plot ? { plot: `${spec.plot}${ofCase}` } : {}) });
  }
  return out;
}

const SELF_CHECK_TOL = 1e-5;

/**
 * Why a gradient is wrong: at the worst element of each failed gradient, the derivative of the
 * student's own forward (two forward calls, along that element's axis) against their backward.
 * Agreement means the backward is faithful to a forward that is itself off; disagreement means
 * the backward is wrong. A random direction would average a local error away, so none is used.
 */
async function selfCheck(
  check: CheckSpec, inputs: Values, inDir: string, probe: string,
  files: Record<string, string>, got: Values, failed: CaseResult, w: Worker, timeoutSeconds: number,
): Promise<string | undefined> {
  const spec = check.selfcheck!;
  const directions: Record<string, string> = {};
  const at: Record<string, { flat: number; index: number[] }> = {};
  for (const [name, grad] of Object.entries(spec.wrt)) {
    const x = inputs[name];
    const cmp = failed.comparisons.find((k) => k.output === grad && !k.passed && k.worst);
    if (!x || !cmp || !got[grad] || got[grad].shape.join() !== x.shape.join()) continue;
    const flat = cmp.worst!.index.reduce((acc, i, d) => acc * x.shape[d] + i, 0);
    const v = new Float64Array(x.data.length);
    v[flat] = 1;
    at[name] = { flat, index: cmp.worst!.index };
    directions[name] = path.join(inDir, `direction_${name}.npy`);
    writeNpy(directions[name], tensor(x.shape, v));
  }
  if (!Object.keys(directions).length) return undefined;
  const outcome = await w.selfCheck(probe, files, directions, spec.output, spec.dout, 1e-6, timeoutSeconds);
  if (outcome.status !== 'ok') return undefined; // a diagnostic must never cost the student more
  const notes = Object.entries(at).flatMap(([name, { flat, index }]) => {
    const grad = spec.wrt[name];
    const numeric = outcome.values[name], analytic = got[grad].data[flat];
    if (numeric === undefined) return [];
    const where = `${grad}[${index.join(',')}]`;
    return [relError(numeric, analytic) <= SELF_CHECK_TOL
      ? `${where} agrees with the derivative of your own forward (${fmt(numeric)}): the backward matches your forward, so look at the forward pass`
      : `${where} = ${fmt(analytic)} but your own forward's derivative there is ${fmt(numeric)}: the backward pass is wrong`];
  });
  return notes.length ? `self-check: ${notes.join('; ')}` : undefined;
}

/**
 * Reads one output the worker wrote, as a file the student's process may have tampered with:
 * the folder must still be the one the grader made (not a link), the file a regular file (not a link to
 * /dev/zero, a pipe or the grader's own files), of a sane size, and a numeric .npy.
 */
function readOutput(outDir: string, name: string): Tensor | string {
  const replaced = 'not where the worker was told to write it (its folder was replaced)';
  try {
    // Only the last step can be the student's: the folders above it are the grader's.
    if (!fs.lstatSync(outDir).isDirectory()) return replaced;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'its folder is gone' : replaced;
  }
  let fd: number;
  try {
    fd = fs.openSync(path.join(outDir, `${name}.npy`), fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW | fs.constants.O_NONBLOCK);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return code === 'ENOENT' ? 'no file was written' : code === 'ELOOP' ? 'a symbolic link, not an array the worker wrote' : `cannot be opened (${code})`;
  }
  try {
    const st = fs.fstatSync(fd);
    if (!st.isFile()) return 'not a regular file';
    if (st.size > MAX_OUTPUT_FILE) return `larger than ${MAX_OUTPUT_FILE >> 20} MiB`;
    const bytes = Buffer.alloc(st.size);
    let got = 0;
    while (got < st.size) {
      const n = fs.readSync(fd, bytes, got, st.size - got, got);
      if (n === 0) break;
      got += n;
    }
    return decodeOutput(bytes.subarray(0, got));
  } catch (e) {
    return (e as Error).message;
  } finally {
    fs.closeSync(fd);
  }
}

/** Failing steps (a spec not proved by a batch's preflight) run again in judged, which says why. */
function stepsOrNone(memo: ReturnType<typeof caseValues>): readonly (Values | undefined)[] | undefined {
  try {
    return memo.steps();
  } catch {
    return undefined;
  }
}

/** An output's .npy bytes, from a file or the reply, checked as the student's own bytes. */
function decodeOutput(bytes: Uint8Array): Tensor | string {
  try {
    return decodeNpy(bytes, 'the array');
  } catch (e) {
    return (e as Error).message;
  }
}

function loadAnswers(submission: string, file?: string): Record<string, unknown> | AnswerError {
  try {
    return readAnswers(submission, file);
  } catch (e) {
    if (e instanceof AnswerError) return e;
    throw e;
  }
}

async function runAnswerCase(check: CheckSpec, c: CaseSpec, answers: Record<string, unknown> | AnswerError, seed: string): Promise<CaseResult> {
  const t0 = Date.now();
  const spec = check.answer!;
  const inputs = buildInputs(check, c, seed);
  let got: Values;
  let points: Float64Array | undefined;
  try {
    if (answers instanceof AnswerError) throw answers;
    const raw = answers[spec.key];
    const arithmetic = typeof raw === 'string' && Number.isNaN(Number(raw));
    if (spec.type === 'expression' || (spec.type !== 'yesno' && arithmetic)) await loadExpressionEngine();
    if (spec.type === 'expression') {
      // The reference expressions are evaluated at the same seeded points as the answer.
      const at = expressionPoints(spec, seed);
      points = at;
      (spec.equals ?? []).forEach((e, i) => { inputs[i === 0 ? 'expected' : `expected_${i}`] = evaluateExpression(e, spec.variable ?? 'x', at, 'reference'); });
      got = { answer: answerValue(spec, raw, at) };
    } else {
      got = { answer: answerValue(spec, raw) };
    }
  } catch (e) {
    if (e instanceof AnswerError) return caseResult(c, 'failed', e.message, (Date.now() - t0) / 1000);
    throw e;
  }
  const result = judged(check, c, inputs, got, (Date.now() - t0) / 1000);
  if (points && result.status === 'failed') {
    // An expression is wrong at some values of its variable: say which.
    const x = spec.variable ?? 'x';
    const wrong = result.comparisons.flatMap((k) => (k.passed || !k.worst ? [] : [points![k.worst.index[0]]]));
    if (wrong.length) result.message += ` (it disagrees with the reference at ${x} = ${wrong.map((v) => v.toFixed(4)).join(', ')})`;
  }
  return result;
}

function judged(check: CheckSpec, c: CaseSpec, inputs: Values, got: Values, seconds: number, precomputed?: readonly (Values | undefined)[]): CaseResult {
  let comparisons;
  try {
    comparisons = judgeCase(check, inputs, got, precomputed);
  } catch (e) {
    // The spec was proved before grading (batch preflight), so what breaks here is the outputs:
    // a shape a reference step cannot take, say. A wrong answer, not a crash of the grader.
    return caseResult(c, 'failed', `the outputs could not be judged: ${(e as Error).message}`, seconds);
  }
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

const CPU_RUNNER: RunnerInfo = { tags: ['cpu'], devices: [], source: 'detected', torch: null };

export function skippedCheck(check: CheckSpec, why: string): CheckResult {
  return { id: check.id, title: check.title, kind: check.kind, status: 'skipped', score: 0, max_score: check.points, message: why, cases: [], seconds: 0 };
}

const SEVERITY: Status[] = ['error', 'timeout', 'failed', 'skipped', 'passed'];

function summarize(check: CheckSpec, gathered: ProbeCaseResult[], seconds: number): CheckResult {
  const curves = gathered.flatMap((c) => c.curves ?? []);
  const cases: CaseResult[] = gathered.map(({ curves: _, timed: __, accuracy: ___, ...c }) => c);
  if (check.parity) cases.push(parityCase(check.parity, gathered));
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
