/**
 * Compares what the student returned with what the reference expects, in the grader's process.
 * A failure names the worst element (index, expected, got, error, bar) and, where the shape of
 * the difference gives it away, the likely mistake.
 */
import type { ComparisonSpec } from '../spec/types.ts';
import { type Tensor, unravel } from '../tensor/tensor.ts';

export type Metric = 'rel_error' | 'abs_error' | 'sum_abs' | 'rel_or_abs';

export interface Worst {
  index: number[];
  expected: number;
  got: number;
  error: number;
}

export interface Comparison {
  output: string;
  /** 'property' for laws such as dropout statistics, checked without an expected array. */
  metric: Metric | 'property';
  /** The measured error; null when the shapes differ or nothing comparable came back. */
  value: number | null;
  bar: number;
  passed: boolean;
  worst?: Worst;
  message: string;
}

export const relError = (x: number, y: number): number => Math.abs(x - y) / Math.max(1e-8, Math.abs(x) + Math.abs(y));

export function metricOf(spec: ComparisonSpec): { metric: Metric; bar: number; absBar?: number } {
  if (spec.rel_error !== undefined) return { metric: 'rel_error', bar: spec.rel_error };
  if (spec.abs_error !== undefined) return { metric: 'abs_error', bar: spec.abs_error };
  if (spec.sum_abs !== undefined) return { metric: 'sum_abs', bar: spec.sum_abs };
  return { metric: 'rel_or_abs', bar: spec.rel_or_abs![0], absBar: spec.rel_or_abs![1] };
}

/** The error of got against expected under one metric, with its worst element. */
export function measure(got: Tensor, expected: Tensor, metric: Metric, absBar = 0): { value: number; worst: Worst } {
  let value = 0;
  let worstAt = 0;
  let worstErr = -1;
  for (let i = 0; i < expected.data.length; i++) {
    const e = expected.data[i];
    const g = got.data[i];
    let err: number;
    if (Number.isNaN(g) || Number.isNaN(e)) err = Number.isNaN(g) && Number.isNaN(e) ? 0 : Infinity;
    else if (e === g) err = 0; // equal infinities included
    else if (metric === 'rel_error') err = relError(e, g);
    else if (metric === 'rel_or_abs') err = Math.abs(e - g) <= absBar ? 0 : relError(e, g);
    else err = Math.abs(e - g);
    if (metric === 'sum_abs') value += err;
    else value = Math.max(value, err);
    if (err > worstErr) {
      worstErr = err;
      worstAt = i;
    }
  }
  const worst = { index: unravel(worstAt, expected.shape), expected: expected.data[worstAt], got: got.data[worstAt], error: worstErr };
  return { value, worst };
}

export const fmt = (v: number): string => {
  if (!Number.isFinite(v)) return String(v);
  if (v === 0) return '0';
  const a = Math.abs(v);
  return a >= 1e-3 && a < 1e5 ? String(Number(v.toPrecision(6))) : v.toExponential(2).replace('e+', 'e');
};
const shapeStr = (s: number[]) => `(${s.join(', ')}${s.length === 1 ? ',' : ''})`;

/**
 * Compare one output. `expected` lists the accepted answers (the first is the one reported
 * against); `mistakes` are known wrong answers that get named when matched.
 */
export function compareOutput(
  name: string,
  got: Tensor | undefined,
  expected: Tensor[],
  spec: ComparisonSpec,
  mistakes: { value: Tensor; say: string }[] = [],
): Comparison {
  const { metric, bar, absBar } = metricOf(spec);
  const label = spec.label ?? name;
  const base = { output: label, metric, bar };
  if (!got) return { ...base, value: null, passed: false, message: `${label}: nothing was returned` };
  const primary = expected[0];
  if (got.shape.join() !== primary.shape.join()) {
    let hint = '';
    const named = mistakes.find((m) => m.value.shape.join() === got.shape.join() && measure(got, m.value, metric, absBar).value <= Math.max(bar, 1e-6));
    if (named) hint = ` — ${named.say}`;
    else if (got.data.length === primary.data.length) {
      hint = got.shape.length === 2 && primary.shape.length === 2 && got.shape[0] === primary.shape[1] && got.shape[1] === primary.shape[0]
        ? ' (transposed?)'
        : ' (same number of elements: reshaped or an axis lost?)';
    } else if (got.shape.length !== primary.shape.length) {
      hint = ` (${got.shape.length}-D instead of ${primary.shape.length}-D)`;
    }
    return { ...base, value: null, passed: false, message: `${label}: shape ${shapeStr(got.shape)}, expected ${shapeStr(primary.shape)}${hint}` };
  }
  for (const alt of expected) {
    const m = measure(got, alt, metric, absBar);
    if (m.value <= bar) {
      const which = alt === primary ? '' : ' (an accepted alternative)';
      return { ...base, value: m.value, passed: true, worst: m.worst, message: `${label}: ${metric} ${fmt(m.value)} <= ${fmt(bar)}${which}` };
    }
  }
  const m = measure(got, primary, metric, absBar);
  const where = primary.shape.length ? ` at [${m.worst.index.join(',')}]` : '';
  const what = metric === 'sum_abs' ? `sum |diff| ${fmt(m.value)}` : `worst ${metric === 'rel_or_abs' ? 'error' : metric} ${fmt(m.value)}${where}`;
  let message = `${label}: ${what}, expected ${fmt(m.worst.expected)}, got ${fmt(m.worst.got)} (bar ${fmt(bar)})`;
  const diagnosis = diagnose(got, primary, mistakes, metric, bar, absBar);
  if (diagnosis) message += ` — ${diagnosis}`;
  if (spec.say) message += ` — ${spec.say}`;
  return { ...base, value: m.value, passed: false, worst: m.worst, message };
}

/** What a wrong answer's pattern says about the mistake behind it. */
function diagnose(got: Tensor, expected: Tensor, mistakes: { value: Tensor; say: string }[], metric: Metric, bar: number, absBar?: number): string {
  for (const m of mistakes) {
    if (m.value.shape.join() === got.shape.join() && measure(got, m.value, metric, absBar).value <= Math.max(bar, 1e-6)) return m.say;
  }
  const nan = got.data.findIndex((v) => !Number.isFinite(v));
  if (nan >= 0) {
    const v = got.data[nan];
    return `${Number.isNaN(v) ? 'NaN' : 'inf'} at [${unravel(nan, got.shape).join(',')}]: an overflow or a division by zero?`;
  }
  const ratio = constantRatio(got, expected);
  if (ratio !== undefined) {
    if (Math.abs(ratio + 1) < 1e-6) return 'got = -expected everywhere: a sign error?';
    return `got = ${fmt(ratio)} × expected everywhere: a missing or extra scale factor?`;
  }
  const zeros = got.data.every((v) => v === 0);
  if (zeros && expected.data.some((v) => v !== 0)) return 'got is all zeros: not computed yet?';
  if (expected.shape.length === 2 && expected.shape[0] === expected.shape[1]) {
    const n = expected.shape[0];
    const t = { ...got, data: got.data.map((_, i) => got.data[(i % n) * n + Math.floor(i / n)]) };
    if (measure(t, expected, metric, absBar).value <= Math.max(bar, 1e-6)) return 'got is the transpose of expected';
  }
  return '';
}

function constantRatio(got: Tensor, expected: Tensor): number | undefined {
  let ratio: number | undefined;
  let used = 0;
  for (let i = 0; i < got.data.length; i++) {
    const e = expected.data[i], g = got.data[i];
    if (Math.abs(e) < 1e-12) {
      if (Math.abs(g) > 1e-9) return undefined;
      continue;
    }
    const r = g / e;
    if (ratio === undefined) ratio = r;
    else if (Math.abs(r - ratio) > 1e-6 * Math.max(1, Math.abs(ratio))) return undefined;
    used++;
  }
  return used >= 1 && ratio !== undefined && Math.abs(ratio - 1) > 1e-6 && ratio !== 0 ? ratio : undefined;
}
