/**
 * From comparisons to verdicts: a case's status and message, a check's status and score, a
 * submission's totals. Everything a result says about passing or failing is decided here, in the
 * grader's process, from what judge.ts measured.
 */
import { findOp } from '../../reference/registry.ts';
import type { CaseResult, CheckResult, Comparison, Curve, Status } from '../results/types.ts';
import type { CaseSpec, CheckSpec, PropertySpec } from '../spec/types.ts';
import type { Tensor } from '../tensor/tensor.ts';
import type { Values } from './expect.ts';
import { judgeCase } from './judge.ts';
import { SCORES_ACCURACY } from './properties.ts';

/** A case's result, with what its check gathers from it: curves, and parity's timing and accuracy. */
export interface GatheredCase extends CaseResult {
  curves?: Curve[];
  /** Seconds of the training request alone, on the grader's clock (device parity). */
  timed?: number;
  /** The held-out accuracy the grader scored (a train check's accuracy property). */
  accuracy?: number;
}

export function caseResult(c: CaseSpec, status: Status, message: string, seconds = 0): CaseResult {
  return { name: c.name, hidden: !!c.hidden, status, message, comparisons: [], seconds };
}

/** A case judged from its comparisons: failed if any failed, with every failure's message. */
export function caseFromComparisons(c: CaseSpec, comparisons: Comparison[], seconds: number): CaseResult {
  const failed = comparisons.filter((x) => !x.passed);
  return {
    name: c.name,
    hidden: !!c.hidden,
    status: failed.length ? 'failed' : 'passed',
    message: (failed.length ? failed : comparisons).map((x) => x.message).join('; '),
    comparisons,
    seconds,
  };
}

/** `precomputed`: the reference steps that do not read the student's outputs (memo.ts). */
export function judged(
  check: CheckSpec, c: CaseSpec, inputs: Values, got: Values, seconds: number, precomputed?: readonly (Values | undefined)[],
): CaseResult {
  try {
    return caseFromComparisons(c, judgeCase(check, inputs, got, precomputed), seconds);
  } catch (e) {
    // The spec was proved before grading (batch preflight), so what breaks here is the outputs:
    // a shape a reference step cannot take, say. A wrong answer, not a crash of the grader.
    return caseResult(c, 'failed', `the outputs could not be judged: ${(e as Error).message}`, seconds);
  }
}

/** Whether any reference step or property of the check reads a value of this name. */
export function readsValue(check: CheckSpec, name: string): boolean {
  // An op's input reads the value of its own name unless the step maps it to another.
  const steps = (check.expect ?? []).some((s) => (findOp(s.op)?.inputs ?? []).some((i) => (s.in?.[i] ?? i) === name));
  const props = (check.properties ?? []).some((p) => Object.values(p.args ?? {}).includes(name));
  return steps || props;
}

/** The property that scores a trained model, if the check has one (its value is the accuracy). */
const scoresAccuracy = (p: PropertySpec) => SCORES_ACCURACY.has(p.assert);

/**
 * A train case: the same judging, with the held-out labels (and images, where a reference step
 * evaluates returned parameters on them) that only the grader has. A model the reference cannot
 * evaluate (parameters of the wrong shape) is the student's mistake, reported as such.
 */
export function judgedTraining(check: CheckSpec, c: CaseSpec, values: Values, got: Values, seconds: number): GatheredCase {
  let r: GatheredCase;
  try {
    r = caseFromComparisons(c, judgeCase(check, values, got), seconds);
    const scored = (check.properties ?? []).findIndex(scoresAccuracy);
    const accuracy = scored >= 0 ? r.comparisons[scored]?.value : null;
    if (typeof accuracy === 'number') r.accuracy = accuracy;
  } catch (e) {
    r = caseResult(c, 'failed', `the returned model could not be evaluated: ${(e as Error).message}`, seconds);
  }
  const curves = curvesOf(check, c, got);
  return curves.length ? { ...r, curves } : r;
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

export function skippedCheck(check: CheckSpec, why: string): CheckResult {
  return { id: check.id, title: check.title, kind: check.kind, status: 'skipped', score: 0, max_score: check.points, message: why, cases: [], seconds: 0 };
}

/** The worst status among a check's cases decides the check's. */
const SEVERITY: Status[] = ['error', 'timeout', 'failed', 'skipped', 'passed'];

/** A check's result from its cases (and, for parity, the case comparing them, appended by the caller). */
export function checkFromCases(check: CheckSpec, cases: CaseResult[], seconds: number, curves: Curve[] = []): CheckResult {
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

/** A submission's totals: points won, points possible, and points of skipped checks still pending. */
export function totals(checks: CheckResult[]): { score: number; max_score: number; pending_score: number } {
  return {
    score: round(checks.reduce((s, c) => s + c.score, 0)),
    max_score: round(checks.reduce((s, c) => s + c.max_score, 0)),
    pending_score: round(checks.filter((c) => c.status === 'skipped').reduce((s, c) => s + c.max_score, 0)),
  };
}
