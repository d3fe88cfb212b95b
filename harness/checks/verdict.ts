/**
 * From comparisons to verdicts: a case's status and message, a check's status and score, a
 * submission's totals. Everything a result says about passing or failing is decided here, in the
 * grader's process, from what judge.ts measured.
 */
import { stepOp } from '../../reference/registry.ts';
import type { CaseResult, CheckResult, Comparison, Curve, Late, Status, SubmissionResult } from '../results/types.ts';
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
  return { name: c.name, hidden: !!c.hidden, status, message, comparisons: [], seconds, ...(c.advisory ? { advisory: true } : {}) };
}

/** A case judged from its comparisons: failed if any failed, with every failure's message. */
export function caseFromComparisons(c: CaseSpec, comparisons: Comparison[], seconds: number): CaseResult {
  const failed = comparisons.filter((x) => !x.passed);
  const message = (failed.length ? failed : comparisons).map((x) => x.message).join('; ');
  return {
    ...caseResult(c, failed.length ? 'failed' : 'passed', failed.length && c.say ? `${message} — ${c.say}` : message, seconds),
    comparisons,
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
  const steps = (check.expect ?? []).some((s) => (stepOp(s)?.inputs ?? []).some((i) => (s.in?.[i] ?? i) === name));
  const props = (check.properties ?? []).some((p) => Object.values(p.args ?? {}).includes(name));
  return steps || props;
}

/** The student's outputs a check reads: compared ones, and those its steps and properties take as got.<name>. */
export function outputsRead(check: CheckSpec): Set<string> {
  const names = new Set<string>();
  const fromGot = (v: unknown) => {
    if (typeof v === 'string' && v.startsWith('got.')) names.add(v.slice(4));
  };
  for (const c of check.compare ?? []) {
    if (c.actual === undefined) names.add(c.output);
    else fromGot(c.actual);
  }
  for (const s of check.expect ?? []) Object.values(s.in ?? {}).forEach(fromGot);
  for (const p of check.properties ?? []) Object.values(p.args ?? {}).forEach(fromGot);
  return names;
}

/**
 * A case whose outputs did not all come back: the probe's step that raised, or the output that
 * could not be sent (None from a TODO), for each output the check needs. Undefined when nothing
 * the check reads is missing, or when nothing says why (then the comparison says it is missing).
 */
export function missingOutputs(
  check: CheckSpec, c: CaseSpec, returned: string[], problems: Record<string, string>, failed: { step: string; error: { message: string; traceback: string } }[], seconds: number,
): CaseResult | undefined {
  const missing = [...outputsRead(check)].filter((n) => !returned.includes(n));
  if (!missing.length || (!failed.length && !missing.some((n) => problems[n]))) return undefined;
  // A problem names its output already ("dx: the code returned None ...").
  const parts = missing.filter((n) => problems[n]).map((n) => problems[n]);
  const unexplained = missing.filter((n) => !problems[n]);
  // The first step that raised is the one to fix: later ones mostly fail for want of its outputs.
  const first = failed[0];
  if (unexplained.length && first) parts.push(`${unexplained.join(', ')} not computed: the ${first.step} step raised ${first.error.message}`);
  const traceback = first?.error.traceback ?? '';
  const message = parts.join('; ');
  return { ...caseResult(c, 'error', message, seconds), ...(traceback ? { traceback } : {}) };
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

/** The worst status among a check's scored cases decides the check's. */
const SEVERITY: Status[] = ['error', 'timeout', 'failed', 'skipped', 'passed'];

/**
 * Each case's share of the check's points: its own `points` where the pack gives them, the rest
 * shared equally by the other scored cases; an advisory case's share is 0. A case the spec does
 * not list (device parity's comparison) is a scored case like the others.
 */
export function casePoints(check: CheckSpec, cases: CaseResult[]): number[] {
  const specOf = (k: CaseResult) => check.cases.find((c) => c.name === k.name);
  const scored = cases.filter((k) => !k.advisory);
  const given = scored.reduce((sum, k) => sum + (specOf(k)?.points ?? 0), 0);
  const open = scored.filter((k) => specOf(k)?.points === undefined).length;
  const share = open ? Math.max(0, check.points - given) / open : 0;
  return cases.map((k) => (k.advisory ? 0 : specOf(k)?.points ?? share));
}

/**
 * A check's result from its cases. Credit is per case unless the pack says all_or_nothing (or
 * the check compares devices, whose cases make one measurement): a student who passes the
 * published case and fails one edge case keeps the published case's points. Advisory cases are
 * graded and told (advisories), never scored.
 */
export function checkFromCases(check: CheckSpec, cases: CaseResult[], seconds: number, curves: Curve[] = []): CheckResult {
  const shares = casePoints(check, cases);
  const scored = cases.filter((k) => !k.advisory);
  const status = SEVERITY.find((s) => scored.some((c) => c.status === s)) ?? 'passed';
  const whole = check.all_or_nothing || !!check.parity;
  const allPassed = scored.every((k) => k.status === 'passed');
  const scoredCases = cases.map((k, i) => {
    const won = k.advisory ? 0 : whole ? (allPassed ? shares[i] : 0) : k.status === 'passed' ? shares[i] : 0;
    return { ...k, score: round(won), max_score: round(shares[i]) };
  });
  const score = round(Math.min(check.points, scoredCases.reduce((sum, k) => sum + k.score, 0)));
  const advisories = cases.filter((k) => k.advisory && k.status !== 'passed').map((k) => `${k.hidden ? 'hidden case' : 'case'} ${k.name}: ${k.message}`);
  const bad = scored.find((c) => c.status === status);
  const passedCount = scored.filter((k) => k.status === 'passed').length;
  // What a passing training check measured (its accuracy against the bar) is worth telling.
  const figures = check.kind === 'train' ? scored.flatMap((k) => k.comparisons.filter((x) => x.metric === 'property' && typeof x.value === 'number').map((x) => x.message)) : [];
  const message = status === 'passed'
    ? `${scored.length} case${scored.length === 1 ? '' : 's'} passed${figures.length ? `: ${figures.join('; ')}` : ''}${advisories.length ? ` (advisory: ${advisories.join('; ')})` : ''}`
    : `${bad!.hidden ? 'hidden case' : 'case'} ${bad!.name}: ${bad!.message}${!whole && passedCount ? ` (${passedCount} of ${scored.length} cases passed)` : ''}`;
  return {
    id: check.id, title: check.title, kind: check.kind, status,
    score: allPassed ? check.points : score, max_score: check.points,
    message, ...((status !== 'passed' || advisories.length) && check.hint ? { hint: check.hint } : {}),
    ...(advisories.length ? { advisories } : {}),
    cases: scoredCases, seconds,
    ...(curves.length ? { curves } : {}),
  };
}

const round = (x: number) => Math.round(x * 1e6) / 1e6;

/** The points left of `raw` after a late verdict's penalty. */
const penalised = (raw: number, late: Pick<Late, 'penalty'>) => round(raw * (1 - late.penalty));

/**
 * A submission's totals: points won, points possible, and points of skipped checks still
 * pending. With a late verdict the points won are after its penalty (a share of them is taken).
 */
export function totals(checks: CheckResult[], late?: Pick<Late, 'penalty'>): { score: number; max_score: number; pending_score: number } {
  const raw = round(checks.reduce((s, c) => s + c.score, 0));
  return {
    score: late ? penalised(raw, late) : raw,
    max_score: round(checks.reduce((s, c) => s + c.max_score, 0)),
    pending_score: round(checks.filter((c) => c.status === 'skipped').reduce((s, c) => s + c.max_score, 0)),
  };
}

/** A late-penalty rule: `rate` of the points won per day (or hour) late, counted up, at most `cap`. */
export interface PenaltyRule {
  rate: number;
  per: 'day' | 'hour';
  cap: number;
}

export const DAY_SECONDS = 86_400;

/**
 * The share of the points a submission `secondsLate` past its due date and grace loses: every
 * started day (or hour) costs `rate`, up to `cap`, never more than everything.
 */
export function latePenalty(rule: PenaltyRule, secondsLate: number): number {
  if (!(secondsLate > 0)) return 0;
  const periods = Math.ceil(secondsLate / (rule.per === 'day' ? DAY_SECONDS : 3600));
  return round(Math.min(rule.cap, rule.rate * periods, 1));
}

/**
 * The result with a late verdict (or none) applied: the score after its penalty, the score
 * before it in late.raw_score. Applying it again, or another verdict, starts from the score
 * before any penalty; the other totals are left as they are.
 */
export function withLate(r: SubmissionResult, late: Omit<Late, 'raw_score'> | undefined): SubmissionResult {
  const { late: old, ...rest } = r;
  const raw = old ? old.raw_score : r.score;
  if (!late) return old ? { ...rest, score: raw } : r;
  return { ...rest, score: penalised(raw, late), late: { ...late, raw_score: raw } };
}
