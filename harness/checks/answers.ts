/**
 * Written answers (answers.yaml in the submission). They are read by the grader itself, never
 * by the student's process, and turned into arrays so that they are compared like any output.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import type { CaseResult } from '../results/types.ts';
import type { AnswerSpec, CaseSpec, CheckSpec } from '../spec/types.ts';
import { Rng } from '../tensor/random.ts';
import { type Tensor, scalar, tensor } from '../tensor/tensor.ts';
import type { Values } from './expect.ts';
import { buildInputs } from './inputs.ts';
import { caseResult, judged } from './verdict.ts';

// mathjs takes seconds to load: only packs with expression answers pay for it.
type MathJs = { evaluate(expr: string): unknown; compile(expr: string): { evaluate(scope: object): unknown } };
let math: MathJs | undefined;
export async function loadExpressionEngine(): Promise<void> {
  if (!math) {
    const { create, all } = await import('mathjs');
    math = create(all, {}) as unknown as MathJs;
  }
}
const sigma = (x: number) => 1 / (1 + Math.exp(-x));
const SCOPE_FUNCTIONS = { sigma, sigmoid: sigma, σ: sigma };

export class AnswerError extends Error {}

/** Reads the submission's answers file; a missing or broken file is the student's error. */
const MAX_ANSWERS_BYTES = 1024 * 1024;

export function readAnswers(submissionDir: string, file = 'answers.yaml'): Record<string, unknown> {
  const p = path.join(submissionDir, file);
  if (!fs.existsSync(p)) throw new AnswerError(`${file} is missing from the submission`);
  if (!fs.statSync(p).isFile()) throw new AnswerError(`${file} is not a regular file`);
  if (fs.statSync(p).size > MAX_ANSWERS_BYTES) throw new AnswerError(`${file} is larger than ${MAX_ANSWERS_BYTES >> 10} KiB: written answers are a few lines`);
  let data: unknown;
  try {
    data = parse(fs.readFileSync(p, 'utf8'), { maxAliasCount: 10 });
  } catch (e) {
    throw new AnswerError(`${file} is not valid YAML: ${(e as Error).message.split('\n')[0]}`);
  }
  if (data === null || data === undefined) return {};
  if (typeof data !== 'object' || Array.isArray(data)) throw new AnswerError(`${file} should map question names to answers (name: value)`);
  return data as Record<string, unknown>;
}

function toNumber(v: unknown, what: string): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && v.trim() !== '') {
    const n = Number(v.replace(/_/g, ''));
    if (!Number.isNaN(n)) return n;
    try {
      // Arithmetic such as "1e-4 / (2 * 0.01)" is an answer too (when the engine is loaded).
      const r = math?.evaluate(v.replace(/\*\*/g, '^'));
      if (typeof r === 'number') return r;
    } catch {
      /* fall through */
    }
  }
  throw new AnswerError(`${what}: "${String(v)}" is not a number`);
}

/**
 * The student's answer as an array: a number as a 0-d array, numbers as a 1-d array, yes/no as
 * 1/0. Expressions are evaluated at `points` (see expressionPoints).
 */
export function answerValue(spec: AnswerSpec, raw: unknown, points?: Float64Array): Tensor {
  const what = `answer "${spec.key}"`;
  if (raw === undefined || raw === null || raw === '') throw new AnswerError(`${what} is not given`);
  switch (spec.type) {
    case 'number':
      return scalar(toNumber(raw, what));
    case 'numbers': {
      if (!Array.isArray(raw)) throw new AnswerError(`${what} should be a list of numbers`);
      return tensor([raw.length], raw.map((v, i) => toNumber(v, `${what}[${i}]`)));
    }
    case 'yesno': {
      const s = String(raw).trim().toLowerCase();
      if (['yes', 'y', 'true'].includes(s)) return scalar(1, 'bool');
      if (['no', 'n', 'false'].includes(s)) return scalar(0, 'bool');
      throw new AnswerError(`${what} should be yes or no, got "${String(raw)}"`);
    }
    case 'expression':
      return evaluateExpression(String(raw), spec.variable ?? 'x', points!, what);
  }
}

/** Seeded points for comparing expressions: the same for the answer and the reference. */
export function expressionPoints(spec: AnswerSpec, seed: string, n = 25): Float64Array {
  const [lo, hi] = spec.points_at ?? [-3, 3];
  const rng = new Rng(`${seed}/answer/${spec.key}`);
  return Float64Array.from({ length: n }, () => lo + (hi - lo) * rng.uniform());
}

export function evaluateExpression(text: string, variable: string, points: Float64Array, what: string): Tensor {
  let compiled: { evaluate: (scope: object) => unknown };
  const source = text.replace(/\*\*/g, '^').replace(/\bnp\.|\bmath\./g, '');
  if (!math) throw new Error('loadExpressionEngine() must run before expressions are evaluated');
  try {
    compiled = math.compile(source);
  } catch (e) {
    throw new AnswerError(`${what}: cannot read "${text}" as an expression (${(e as Error).message})`);
  }
  const values = new Float64Array(points.length);
  for (let i = 0; i < points.length; i++) {
    let v: unknown;
    try {
      v = compiled.evaluate({ ...SCOPE_FUNCTIONS, [variable]: points[i] });
    } catch (e) {
      throw new AnswerError(`${what}: "${text}" cannot be evaluated at ${variable} = ${points[i].toFixed(3)} (${(e as Error).message})`);
    }
    if (typeof v !== 'number') throw new AnswerError(`${what}: "${text}" does not give a number (is it an expression in ${variable}?)`);
    values[i] = v;
  }
  return tensor([points.length], values);
}

/**
 * The submission's answers, read once before any of the student's code runs (it could replace
 * the file later with something that hangs or floods whoever reads it). A missing or broken file
 * is kept as the error every answer case then reports.
 */
export function loadAnswers(submission: string, file?: string): Record<string, unknown> | AnswerError {
  try {
    return readAnswers(submission, file);
  } catch (e) {
    if (e instanceof AnswerError) return e;
    throw e;
  }
}

/** One answer case: the student's answer as an array, judged like any output. */
export async function judgeAnswerCase(check: CheckSpec, c: CaseSpec, answers: Record<string, unknown> | AnswerError, seed: string): Promise<CaseResult> {
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
