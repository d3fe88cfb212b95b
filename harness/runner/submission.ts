/**
 * Grades one submission: every selected check, each case on published and hidden inputs, one
 * worker for all of them (a fresh one after a timeout or a crash). The data path runs one way:
 * spec → inputs → worker → outputs → comparison → result.
 */
import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { AnswerError, answerValue, expressionPoints, evaluateExpression, loadExpressionEngine, readAnswers } from '../checks/answers.ts';
import { buildInputs } from '../checks/inputs.ts';
import { judgeCase } from '../checks/judge.ts';
import type { Values } from '../checks/expect.ts';
import type { PythonEnvironment } from '../python/environment.ts';
import type { CaseResult, CheckResult, Status, SubmissionResult } from '../results/types.ts';
import type { CaseSpec, CheckSpec, Pack } from '../spec/types.ts';
import type { Limits } from '../spec/types.ts';
import type { Tensor } from '../tensor/tensor.ts';
import { decodeNpy, writeNpy } from '../tensor/npy.ts';
import { DEFAULT_WORKER_LIMITS, type WorkerLimits, formatBytes } from '../worker/limits.ts';
import type { Isolation } from '../worker/sandbox.ts';
import { Worker } from '../worker/worker.ts';
import { type Workspace, createWorkspace } from './workspace.ts';
import { GRADER_VERSION } from './version.ts';

export interface GradeOptions {
  seed: string;
  python: PythonEnvironment;
  /** How the student's code is isolated: see harness/worker/sandbox.ts resolveIsolation. */
  isolation: Isolation;
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
}

/** No output of any check comes near this; a larger file is refused before it is read. */
const MAX_OUTPUT_FILE = 256 * 1024 * 1024;

export const effectiveLimits = (pack: Pack, override?: Partial<Limits>): Limits => ({ ...pack.limits, ...override });

export function workerLimits(l: Limits): WorkerLimits {
  return {
    memoryBytes: l.memory_bytes,
    processes: l.processes,
    fileBytes: l.file_bytes,
    openFiles: DEFAULT_WORKER_LIMITS.openFiles,
    cpuSeconds: l.submission_seconds + 10,
  };
}

/** What environment.sandbox says: the isolation, then the limits every worker ran under. */
export const describeIsolation = (iso: Isolation, l: Limits): string =>
  `${iso.description}; limits: ${l.check_seconds} s per check, ${l.submission_seconds} s per submission, ` +
  `memory ${formatBytes(l.memory_bytes)}, ${l.processes} processes, files up to ${formatBytes(l.file_bytes)}, ` +
  `output kept ${formatBytes(l.output_bytes)}`;

export function selectChecks(checks: CheckSpec[], only: string[] = [], skip: string[] = []): CheckSpec[] {
  const re = (g: string) => new RegExp(`^${g.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`);
  const inc = only.map(re), exc = skip.map(re);
  return checks.filter((c) => (!inc.length || inc.some((r) => r.test(c.id))) && !exc.some((r) => r.test(c.id)));
}

export async function gradeSubmission(pack: Pack, submissionDir: string, opts: GradeOptions): Promise<SubmissionResult> {
  const started = Date.now();
  const limits = effectiveLimits(pack, opts.limits);
  const deadline = started + limits.submission_seconds * 1000;
  const checks = selectChecks(pack.spec.checks, opts.only, opts.skip);
  const result: SubmissionResult = {
    schema_version: 1,
    submission: opts.name ?? path.basename(path.resolve(submissionDir)),
    assignment: pack.spec.name,
    score: 0,
    max_score: checks.reduce((s, c) => s + c.points, 0),
    seed: opts.seed,
    environment: {
      python: opts.python.python, executable: opts.python.executable, platform: opts.python.platform,
      modules: opts.python.modules, sandbox: describeIsolation(opts.isolation, limits), grader_version: GRADER_VERSION, node: process.version,
    },
    checks: [],
    errors: [...(opts.notes ?? [])],
    stdout: '',
    stderr: '',
    started_at: new Date(started).toISOString(),
    seconds: 0,
  };

  const ws = createWorkspace(submissionDir, opts.scratch, path.join(pack.dir, 'probes'));
  if (ws.skipped.length) result.errors.push(`not copied into the workspace: ${ws.skipped.join(', ')}`);
  // Read once, before any of the student's code runs: it could replace the file later with
  // something that hangs or floods whoever reads it.
  const answers = checks.some((c) => c.kind === 'answer') ? loadAnswers(ws.submission, pack.spec.answers_file) : undefined;
  const stdout: string[] = [], stderr: string[] = [];
  let worker: Worker | undefined;
  let workerProblem: string | undefined;

  const getWorker = async (): Promise<Worker | string> => {
    if (worker?.alive) return worker;
    if (worker) {
      await worker.stopped(); // the old one and all it started are gone before a new one starts
      stdout.push(worker.stdout.text());
      stderr.push(worker.stderr.text());
    }
    try {
      worker = await Worker.start({
        python: opts.python.executable,
        layout: ws,
        paths: pack.spec.python.path ?? ['.'],
        outputBytes: limits.output_bytes,
        limits: workerLimits(limits),
        isolation: opts.isolation,
      });
      return worker;
    } catch (e) {
      workerProblem = (e as Error).message;
      return workerProblem;
    }
  };

  try {
    for (const check of checks) {
      const checkStarted = Date.now();
      const cases: CaseResult[] = [];
      for (const c of check.cases) {
        const remaining = Math.min(deadline - Date.now(), checkStarted + limits.check_seconds * 1000 - Date.now()) / 1000;
        if (remaining <= 0) {
          const why = deadline <= Date.now() ? `the submission's time limit (${limits.submission_seconds} s) was reached` : `the check's time limit (${limits.check_seconds} s) was reached`;
          cases.push(caseResult(c, 'timeout', `not run: ${why}`));
          continue;
        }
        if (cases.some((r) => r.status === 'timeout')) {
          cases.push(caseResult(c, 'skipped', 'not run: an earlier case of this check timed out'));
          continue;
        }
        cases.push(check.kind === 'answer'
          ? await runAnswerCase(check, c, answers!, opts.seed)
          : await runProbeCase(pack, check, c, opts.seed, ws, getWorker, remaining));
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
  result.stdout = stdout.filter(Boolean).join('\n');
  result.stderr = stderr.filter(Boolean).join('\n');
  result.score = round(result.checks.reduce((s, c) => s + c.score, 0));
  result.seconds = (Date.now() - started) / 1000;
  return result;
}

let requests = 0;

async function runProbeCase(
  pack: Pack, check: CheckSpec, c: CaseSpec, seed: string, ws: Workspace,
  getWorker: () => Promise<Worker | string>, timeoutSeconds: number,
): Promise<CaseResult> {
  const t0 = Date.now();
  const seconds = () => (Date.now() - t0) / 1000;
  let inputs: Values;
  try {
    inputs = buildInputs(check, c, seed);
  } catch (e) {
    throw new Error(`${pack.spec.name}: ${(e as Error).message}`); // a spec error, not the student's
  }
  const n = ++requests;
  const inDir = path.join(ws.inputs, String(n));
  // A name the student cannot guess in advance, so they cannot have put anything there.
  const outDir = path.join(ws.outputs, `${n}-${randomBytes(6).toString('hex')}`);
  fs.mkdirSync(inDir);
  const files: Record<string, string> = {};
  for (const [name, t] of Object.entries(inputs)) {
    files[name] = path.join(inDir, `${name}.npy`);
    writeNpy(files[name], t);
  }
  const w = await getWorker();
  if (typeof w === 'string') return caseResult(c, 'error', `the Python worker could not start: ${w}`, seconds());
  const probe = path.join(ws.grader, 'probes', path.relative(path.join(pack.dir, 'probes'), pack.probes[check.probe!]));
  // The limit is wall time, starting a fresh worker included: a check never runs past it.
  const outcome = await w.run(probe, files, outDir, Math.max(0.1, timeoutSeconds - seconds()));
  switch (outcome.status) {
    case 'timeout':
      return caseResult(c, 'timeout', `stopped after ${timeoutSeconds.toFixed(0)} s: an infinite loop, or far too slow?`, seconds());
    case 'died':
      return caseResult(c, 'error', outcome.message, seconds());
    case 'error':
      return { ...caseResult(c, 'error', outcome.error.message, seconds()), ...(outcome.error.traceback ? { traceback: outcome.error.traceback } : {}) };
  }
  const got: Values = {};
  for (const name of outcome.outputs) {
    const t = readOutput(outDir, name);
    if (typeof t === 'string') return caseResult(c, 'error', `output ${name}: ${t}`, seconds());
    got[name] = t;
  }
  return judged(check, c, inputs, got, seconds());
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
    return decodeNpy(bytes.subarray(0, got), 'the array');
  } catch (e) {
    return (e as Error).message;
  } finally {
    fs.closeSync(fd);
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
  try {
    if (answers instanceof AnswerError) throw answers;
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
  let comparisons;
  try {
    comparisons = judgeCase(check, inputs, got);
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

const SEVERITY: Status[] = ['error', 'timeout', 'failed', 'skipped', 'passed'];

function summarize(check: CheckSpec, cases: CaseResult[], seconds: number): CheckResult {
  const status = SEVERITY.find((s) => cases.some((c) => c.status === s)) ?? 'passed';
  const bad = cases.find((c) => c.status === status);
  const message = status === 'passed'
    ? `${cases.length} case${cases.length === 1 ? '' : 's'} passed`
    : `${bad!.hidden ? 'hidden case' : 'case'} ${bad!.name}: ${bad!.message}`;
  return {
    id: check.id, title: check.title, kind: check.kind, status,
    score: status === 'passed' ? check.points : 0, max_score: check.points,
    message, ...(status !== 'passed' && check.hint ? { hint: check.hint } : {}), cases, seconds,
  };
}

const round = (x: number) => Math.round(x * 1e6) / 1e6;
