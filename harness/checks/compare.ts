/**
 * Compares what the student returned with what the reference expects, in the grader's process.
 * A failure names the worst element (index, expected, got, error, bar) and, where the shape of
 * the difference gives it away, the likely mistake.
 */
import type { ComparisonSpec } from '../spec/types.ts';
import { fmt } from '../results/format.ts';
import { type Comparison, type Detail, DETAIL_TOP, HEATMAP_MAX, type Metric, type Worst } from '../results/types.ts';
import { type Tensor, unravel } from '../tensor/tensor.ts';

export const relError = (x: number, y: number): number => Math.abs(x - y) / Math.max(1e-8, Math.abs(x) + Math.abs(y));

export function metricOf(spec: ComparisonSpec): { metric: Metric; bar: number; absBar?: number } {
  if (spec.rel_error !== undefined) return { metric: 'rel_error', bar: spec.rel_error };
  if (spec.scaled_error !== undefined) return { metric: 'scaled_error', bar: spec.scaled_error };
  if (spec.abs_error !== undefined) return { metric: 'abs_error', bar: spec.abs_error };
  if (spec.sum_abs !== undefined) return { metric: 'sum_abs', bar: spec.sum_abs };
  return { metric: 'rel_or_abs', bar: spec.rel_or_abs![0], absBar: spec.rel_or_abs![1] };
}

/**
 * What scaled_error divides by: the largest finite |expected|. Below 1e-12 an output is zero for
 * every purpose of these checks, and dividing by less would turn rounding into failure.
 */
export function scaleOf(expected: Tensor): number {
  let m = 0;
  for (const v of expected.data) if (Number.isFinite(v)) m = Math.max(m, Math.abs(v));
  return Math.max(m, 1e-12);
}

/** One element's error under a metric (before sum_abs adds them up). */
function elementError(e: number, g: number, metric: Metric, absBar: number, scale: number): number {
  if (Number.isNaN(g) || Number.isNaN(e)) return Number.isNaN(g) && Number.isNaN(e) ? 0 : Infinity;
  if (e === g) return 0; // equal infinities included
  if (!Number.isFinite(e) || !Number.isFinite(g)) return Infinity; // inf/inf would make NaN
  if (metric === 'rel_error') return relError(e, g);
  if (metric === 'rel_or_abs') return Math.abs(e - g) <= absBar ? 0 : relError(e, g);
  if (metric === 'scaled_error') return Math.abs(e - g) / scale;
  return Math.abs(e - g);
}

/** The error of got against expected under one metric, with its worst element. */
export function measure(got: Tensor, expected: Tensor, metric: Metric, absBar = 0): { value: number; worst: Worst } {
  let value = 0;
  let worstAt = 0;
  let worstErr = -1;
  const scale = metric === 'scaled_error' ? scaleOf(expected) : 1;
  for (let i = 0; i < expected.data.length; i++) {
    const err = elementError(expected.data[i], got.data[i], metric, absBar, scale);
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

/** Whether two shapes broadcast to each other without either growing: equal once leading 1s are dropped. */
export function sameAfterBroadcast(a: readonly number[], b: readonly number[]): boolean {
  const strip = (s: readonly number[]) => s.slice(Math.max(0, s.findIndex((n) => n !== 1) === -1 ? s.length : s.findIndex((n) => n !== 1)));
  return strip(a).join() === strip(b).join();
}

/** Whether two shapes are the same once all their axes of length 1 are dropped. */
export const onlyUnitAxesDiffer = (a: readonly number[], b: readonly number[]): boolean =>
  a.filter((n) => n !== 1).join() === b.filter((n) => n !== 1).join();

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
  if (!got) return { ...base, value: null, passed: false, message: `${label}: ${spec.missing ?? 'nothing was returned'}` };
  const primary = expected[0];
  // Shapes that broadcast to each other without growing ((1, D) and (D,), (1,) and a scalar)
  // hold the same values in the same order: under `broadcast: true` they are compared as the
  // course's own rel_error would, and the message says the shape differed. (N, 1) against (N,)
  // broadcasts to (N, N): that is never accepted.
  let shapeNote = '';
  if (spec.broadcast && got.shape.join() !== primary.shape.join() && sameAfterBroadcast(got.shape, primary.shape)) {
    shapeNote = ` (shape ${shapeStr(got.shape)}, compared as ${shapeStr(primary.shape)}: broadcast)`;
    got = { ...got, shape: [...primary.shape] };
  }
  if (got.shape.join() !== primary.shape.join()) {
    let hint = '';
    const named = mistakes.find((m) => m.value.shape.join() === got.shape.join() && measure(got, m.value, metric, absBar).value <= Math.max(bar, 1e-6));
    const differs = got.shape.length === primary.shape.length ? got.shape.map((n, i) => i).filter((i) => got.shape[i] !== primary.shape[i]) : [];
    const borrowed = differs.length === 1 ? primary.shape.findIndex((n, j) => j !== differs[0] && n === got.shape[differs[0]]) : -1;
    if (named) hint = ` — ${named.say}`;
    else if (got.shape.includes(0) && !primary.shape.includes(0)) hint = ' (an axis of length 0: an empty slice, such as x[:, p:-p] when p = 0?)';
    else if (borrowed >= 0) hint = ` (axis ${differs[0]} has the length of axis ${borrowed}: a size computed from the wrong dimension, such as the width from the height?)`;
    else if (got.data.length === primary.data.length) {
      hint = got.shape.length === 2 && primary.shape.length === 2 && got.shape[0] === primary.shape[1] && got.shape[1] === primary.shape[0]
        ? ' (transposed?)'
        : sameAfterBroadcast(got.shape, primary.shape) ? ' (it differs only in a leading axis of length 1: a keepdims=True, or a missing reshape?)'
        : onlyUnitAxesDiffer(got.shape, primary.shape) ? ' (a column where a row is expected, or the other way round?)'
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
      return { ...base, value: m.value, passed: true, worst: m.worst, message: `${label}: ${metric} ${fmt(m.value)} <= ${fmt(bar)}${which}${shapeNote}` };
    }
  }
  const m = measure(got, primary, metric, absBar);
  const where = primary.shape.length ? ` at [${m.worst.index.join(',')}]` : '';
  // Under rel_or_abs an element within the absolute bar counts 0; any other error is relative.
  const what = metric === 'sum_abs' ? `sum |diff| ${fmt(m.value)}`
    // Said as what it is: the difference measured against the output's largest value.
    : metric === 'scaled_error' ? `worst |diff| ${fmt(m.value)} of the largest |expected| (${fmt(scaleOf(primary))})${where}`
    : `worst ${metric === 'rel_or_abs' ? 'rel_error' : metric} ${fmt(m.value)}${where}`;
  const bars = metric === 'rel_or_abs' ? `bar ${fmt(bar)}, or |diff| <= ${fmt(absBar ?? 0)}` : `bar ${fmt(bar)}`;
  let message = `${label}: ${what}, expected ${fmt(m.worst.expected)}, got ${fmt(m.worst.got)} (${bars})${shapeNote}`;
  const diagnosis = diagnose(got, primary, mistakes, metric, bar, absBar);
  if (diagnosis) message += ` — ${diagnosis}`;
  if (spec.say) message += ` — ${spec.say}`;
  return { ...base, value: m.value, passed: false, worst: m.worst, detail: detailOf(got, primary, metric, absBar), message };
}

// One digit is all a colour on a log scale can show, and it keeps the result small.
const oneDigit = (v: number) => Number(v.toPrecision(1));

/** The worst few elements and the rel_error map of a failed output (same shapes assumed). */
export function detailOf(got: Tensor, expected: Tensor, metric: Metric, absBar = 0): Detail {
  const n = expected.data.length;
  const scale = metric === 'scaled_error' ? scaleOf(expected) : 1;
  const order: number[] = [];
  const errs = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    errs[i] = elementError(expected.data[i], got.data[i], metric, absBar, scale);
    // Keep only the DETAIL_TOP worst seen so far: outputs can be large, the list is not.
    if (order.length < DETAIL_TOP || errs[i] > errs[order[order.length - 1]]) {
      order.push(i);
      order.sort((a, b) => errs[b] - errs[a] || a - b);
      if (order.length > DETAIL_TOP) order.pop();
    }
  }
  const top = order.filter((i) => errs[i] > 0).map((i) => ({ index: unravel(i, expected.shape), expected: expected.data[i], got: got.data[i], error: errs[i] }));
  const heatmap = heatmapOf(got, expected);
  return { shape: [...expected.shape], top, ...(heatmap ? { heatmap } : {}) };
}

/**
 * A 2-D view of the rel_error: a matrix as it is; a 4-D batch as height × width, the maximum
 * over the images and channels, which is where a convolution's borders or strides show.
 */
function heatmapOf(got: Tensor, expected: Tensor): Detail['heatmap'] {
  const s = expected.shape;
  const rel = (i: number) => {
    const e = expected.data[i], g = got.data[i];
    if (!Number.isFinite(e) || !Number.isFinite(g)) return e === g ? 0 : 1;
    return relError(e, g);
  };
  let H: number, W: number, at: (r: number, c: number) => number, note: string;
  if (s.length === 2) {
    [H, W] = s;
    at = (r, c) => rel(r * W + c);
    note = `rows: axis 0, columns: axis 1`;
  } else if (s.length === 4) {
    const [N, h, w, C] = s;
    [H, W] = [h, w];
    at = (r, c) => {
      let m = 0;
      for (let b = 0; b < N; b++) for (let k = 0; k < C; k++) m = Math.max(m, rel(((b * h + r) * w + c) * C + k));
      return m;
    };
    // NHWC in the numpy packs; for other layouts the axes named still say what is drawn.
    note = `rows: axis 1, columns: axis 2 (height × width for NHWC), the maximum over axis 0 (${N}) and axis 3 (${C})`;
  } else return undefined;
  if (!H || !W) return undefined;
  const bh = Math.ceil(H / HEATMAP_MAX), bw = Math.ceil(W / HEATMAP_MAX);
  const rows = Math.ceil(H / bh), cols = Math.ceil(W / bw);
  const cells: number[] = [];
  for (let R = 0; R < rows; R++) {
    for (let Cc = 0; Cc < cols; Cc++) {
      let m = 0;
      for (let r = R * bh; r < Math.min(H, (R + 1) * bh); r++) for (let c = Cc * bw; c < Math.min(W, (Cc + 1) * bw); c++) m = Math.max(m, at(r, c));
      cells.push(oneDigit(m));
    }
  }
  if (bh > 1 || bw > 1) note += `; each cell is the maximum of a ${bh}×${bw} block`;
  return { rows, cols, rel_error: cells, note };
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
