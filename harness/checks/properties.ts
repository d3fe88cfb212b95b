/**
 * Properties: checks whose expected value is a law rather than an array, because the student's
 * output is legitimately random (dropout masks, weight initialisation). Bounds are set so correct
 * code fails less than about one time in ten million (5.3 standard deviations).
 */
import { LAYER_COLUMNS, LAYER_KINDS, PADDING_SAME } from '../../reference/ops/torch.ts';
import { reluNet141Residual } from '../../reference/ops/relu_fit.ts';
import { type Tensor, item, unravel } from '../tensor/tensor.ts';
import { fmt } from '../results/format.ts';
import { relError } from './compare.ts';

export interface PropertyOutcome {
  passed: boolean;
  message: string;
  /** The measured quantity and its bar, where the property has one (an accuracy, say). */
  value?: number;
  bar?: number;
}

type Arg = Tensor | number | boolean | string;
type Property = (args: Record<string, Arg>) => PropertyOutcome;

const Z = 5.3;
/**
 * How close a kept element must be to x/keep_prob: a mask scaled by float32(1/keep_prob) is 3e-8
 * off and correct; a scale applied twice, forgotten or inverted is off by a third or more.
 */
const KEPT_TOL = 1e-6;

const tensorArg = (args: Record<string, Arg>, name: string): Tensor => {
  const v = args[name];
  if (!v || typeof v !== 'object') throw new Error(`property needs an array argument "${name}"`);
  return v;
};
const numberArg = (args: Record<string, Arg>, name: string): number => {
  const v = args[name];
  if (typeof v === 'number') return v;
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (v && typeof v === 'object') return item(v);
  throw new Error(`property needs a number argument "${name}"`);
};
const label = (args: Record<string, Arg>, fallback: string) => (typeof args.label === 'string' ? args.label : fallback);
const stringArg = (args: Record<string, Arg>, name: string): string | undefined => (typeof args[name] === 'string' ? args[name] as string : undefined);

/**
 * A name a probe sends as uint8 bytes (how a class was built, say), for a message: printable
 * ASCII only and capped, since the bytes come from the student's process.
 */
export function textOf(t: Tensor | undefined): string | undefined {
  if (!t || typeof t !== 'object') return undefined;
  const chars = Array.from(t.data.subarray(0, 200), (v) => (v >= 32 && v < 127 ? String.fromCharCode(v) : '?'));
  return chars.join('');
}

function sameShape(a: Tensor, b: Tensor, what: string): PropertyOutcome | undefined {
  if (a.shape.join() !== b.shape.join()) return { passed: false, message: `${what}: shape (${a.shape}) but the input has shape (${b.shape})` };
  return undefined;
}

/** Other packings students use for the 1-4-1 network, as index maps into the grader's [w_h, b_h, w_o, b_o]. */
const PACKINGS = [
  { name: '[w_h, w_o, b_h, b_o]', order: [0, 1, 2, 3, 8, 9, 10, 11, 4, 5, 6, 7, 12] },
  { name: 'one hidden unit at a time, [w_h1, b_h1, w_o1, ..., b_o]', order: [0, 3, 6, 9, 1, 4, 7, 10, 2, 5, 8, 11, 12] },
];

/** Properties whose measured value is a trained model's held-out accuracy (reported as such). */
export const SCORES_ACCURACY = new Set(['accuracy_at_least']);

export const PROPERTIES: Record<string, Property> = {
  /** out is x, to the last bit or nearly (test-time dropout, keep_prob 0 or 1). */
  identity(args) {
    const x = tensorArg(args, 'x'), out = tensorArg(args, 'out');
    const what = label(args, 'output');
    const bad = sameShape(out, x, what);
    if (bad) return bad;
    for (let i = 0; i < x.data.length; i++) {
      if (!(relError(x.data[i], out.data[i]) <= 1e-12)) {
        return { passed: false, message: `${what} should equal the input but differs at [${unravel(i, x.shape)}]: input ${fmt(x.data[i])}, got ${fmt(out.data[i])}` };
      }
    }
    return { passed: true, message: `${what} equals the input` };
  },

  /**
   * Inverted dropout in training: each element is 0 or x/keep_prob, about 1-keep_prob of them 0.
   * keep_prob 0 or 1 means no dropout at all (the course's convention).
   */
  dropout_train(args) {
    const x = tensorArg(args, 'x'), out = tensorArg(args, 'out');
    const p = numberArg(args, 'keep_prob');
    if (p === 0 || p === 1) {
      const same = PROPERTIES.identity({ ...args, label: `${label(args, 'output')} (keep_prob ${p}: no dropout)` });
      return same;
    }
    const what = label(args, 'output');
    const bad = sameShape(out, x, what);
    if (bad) return bad;
    const n = x.data.length;
    let dropped = 0;
    for (let i = 0; i < n; i++) {
      const o = out.data[i];
      if (o === 0) { dropped++; continue; }
      if (!(relError(o, x.data[i] / p) <= KEPT_TOL)) {
        const ratio = o / x.data[i];
        const why = Math.abs(ratio - 1 / (p * p)) < 1e-6 ? ` — that is x/keep_prob²: is the 1/keep_prob scale applied twice?`
          : Math.abs(ratio - 1) < 1e-9 ? ' — kept values are not scaled: inverted dropout divides them by keep_prob'
          : Math.abs(ratio - p) < 1e-9 ? ' — multiplied by keep_prob instead of divided' : '';
        return { passed: false, message: `${what}[${unravel(i, x.shape)}] = ${fmt(o)}: a kept element should be x/keep_prob = ${fmt(x.data[i] / p)} (x = ${fmt(x.data[i])}, keep_prob ${p})${why}` };
      }
    }
    const q = 1 - p;
    const sd = Math.sqrt(n * p * q);
    if (Math.abs(dropped - n * q) > Z * sd + 1) {
      const hint = Math.abs(dropped / n - p) < Z * sd / n + 1e-3 ? ' — it looks like keep_prob is used as the drop probability' : '';
      return { passed: false, message: `${what}: ${dropped} of ${n} elements dropped (${fmt(dropped / n)}); with keep_prob ${p} expected ${fmt(q)} ± ${fmt(Z * sd / n)}${hint}` };
    }
    let sx = 0, sxx = 0, so = 0;
    for (let i = 0; i < n; i++) { sx += x.data[i]; sxx += x.data[i] ** 2; so += out.data[i]; }
    const meanSd = Math.sqrt((q / p) * (sxx / n) / n);
    if (Math.abs(so / n - sx / n) > Z * meanSd + 1e-12) {
      return { passed: false, message: `${what}: mean ${fmt(so / n)} but the input's is ${fmt(sx / n)} (inverted dropout keeps the expected value)` };
    }
    return { passed: true, message: `${what}: ${fmt(dropped / n)} dropped (expected ${fmt(q)}), kept values x/keep_prob, mean preserved` };
  },

  /** Values look like draws from N(mean, std²): pooled over many constructions. */
  normal_init(args) {
    const v = tensorArg(args, 'values');
    const std = numberArg(args, 'std');
    const what = label(args, 'weights');
    const n = v.data.length;
    if (n < 2) return { passed: false, message: `${what}: only ${n} values returned` };
    let s = 0, ss = 0;
    for (const x of v.data) { s += x; ss += x * x; }
    const mean = s / n;
    const sample = Math.sqrt(Math.max(0, (ss - n * mean * mean) / (n - 1)));
    if (Math.abs(mean) > Z * std / Math.sqrt(n)) {
      return { passed: false, message: `${what}: mean ${fmt(mean)} over ${n} values, expected 0 ± ${fmt(Z * std / Math.sqrt(n))} (init_scale * np.random.randn gives mean 0; np.random.rand does not)` };
    }
    // ln(sample std) is close to normal with variance 1/(2(n-1)).
    const tol = Z / Math.sqrt(2 * (n - 1));
    if (!(Math.abs(Math.log(sample / std)) <= tol)) {
      return { passed: false, message: `${what}: std ${fmt(sample)} over ${n} values, expected ${fmt(std)} (within ${fmt(100 * (Math.exp(tol) - 1))}%) — is init_scale applied?` };
    }
    return { passed: true, message: `${what}: std ${fmt(sample)} over ${n} values (expected ${fmt(std)}), mean ${fmt(mean)}` };
  },

  all_zero(args) {
    const v = tensorArg(args, 'values');
    const what = label(args, 'biases');
    const i = v.data.findIndex((x) => x !== 0);
    return i < 0 ? { passed: true, message: `${what}: all zero` } : { passed: false, message: `${what}: should start at zero, found ${fmt(v.data[i])} at [${unravel(i, v.shape)}]` };
  },

  /**
   * An iterate path (iters+1, D) follows the reference while the reference stays bounded; where
   * the reference diverges (leaves |x| <= bound), the student's must diverge too, by the next step.
   * A diverging step size is then reported as divergence rather than as a NaN comparison.
   */
  trajectory(args) {
    const got = tensorArg(args, 'path'), ref = tensorArg(args, 'expected');
    const tol = numberArg(args, 'tol'), bound = numberArg(args, 'bound');
    const what = label(args, 'path');
    const bad = sameShape(got, ref, what);
    if (bad) return { passed: false, message: bad.message.replace('the input', 'the reference') };
    const d = ref.shape[1] ?? 1, steps = ref.shape[0];
    const row = (t: Tensor, i: number) => Array.from(t.data.slice(i * d, (i + 1) * d));
    const escaped = (v: number[]) => v.some((x) => !Number.isFinite(x) || Math.abs(x) > bound);
    for (let i = 0; i < steps; i++) {
      const r = row(ref, i), g = row(got, i);
      if (escaped(r)) {
        const gotEscapes = [i, i + 1].some((j) => j < steps && escaped(row(got, j)));
        return gotEscapes
          ? { passed: true, message: `${what}: follows the reference and diverges at step ${i}, as it should for this step size` }
          : { passed: false, message: `${what}: the iterates should diverge at step ${i} (|x| > ${fmt(bound)}) but got [${g.map(fmt).join(', ')}]` };
      }
      // Relative to the point's size, not the coordinate's: a coordinate that crosses 0 on the
      // way makes any rounding (float32 gradients) a large relative error of that coordinate.
      const size = Math.max(1e-8, ...r.map(Math.abs)) + Math.max(0, ...g.map((x) => (Number.isFinite(x) ? Math.abs(x) : 0)));
      const errorOf = (x: number, j: number) => Math.abs(x - r[j]) / size;
      const k = g.findIndex((x, j) => !(errorOf(x, j) <= tol));
      if (k >= 0) return { passed: false, message: `${what}[${i}, ${k}] = ${fmt(g[k])}, expected ${fmt(r[k])} (error ${fmt(errorOf(g[k], k))} of the point's size > ${fmt(tol)})${i === 0 ? ' — the path should start at x0' : ''}` };
    }
    return { passed: true, message: `${what}: all ${steps} iterates within ${fmt(tol)} of the reference (relative to each point's size)` };
  },

  /**
   * A point a solver returned as the minimizer of an objective: f there (the grader's own
   * evaluation, `f`) within `tol` of the minimum `f_min`. A point where f exceeds the minimum by
   * more than `far`, or is not finite, is no approximation of the minimizer at all: the solver
   * was given a wrong objective (a hand-in whose fminunc ran off to 1e12 minimized an unbounded
   * f). Between the two, it stopped short.
   */
  minimizer(args) {
    const x = tensorArg(args, 'x');
    const f = numberArg(args, 'f'), fMin = numberArg(args, 'f_min');
    const tol = numberArg(args, 'tol'), far = numberArg(args, 'far');
    const what = label(args, 'minimizer');
    const at = `[${Array.from(x.data, fmt).join(', ')}]`;
    const gap = f - fMin;
    if (gap <= tol) return { passed: true, value: gap, bar: tol, message: `${what} ${at}: f = ${fmt(f)}, within ${fmt(tol)} of the minimum ${fmt(fMin)}` };
    if (!Number.isFinite(gap) || gap > far) {
      return { passed: false, ...(Number.isFinite(gap) ? { value: gap, bar: tol } : {}), message: `${what} ${at}: f = ${fmt(f)} there, far from the minimum ${fmt(fMin)}: the solver minimized a wrong f (is the objective it was given the f of the exercise?)` };
    }
    return { passed: false, value: gap, bar: tol, message: `${what} ${at}: f = ${fmt(f)}, above the minimum ${fmt(fMin)} by ${fmt(gap)} (bar ${fmt(tol)}): the solver stopped short of the minimizer (tolerances or iteration limits too loose?)` };
  },

  /**
   * A trained model's accuracy on held-out data is at least `bar`. Takes `scores` (N, C), whose
   * row-wise argmax is the prediction, or `predictions` (N,) of class indices, and the held-out
   * `labels`, which only the grader has. `solution` (optional) is what the pack's solution
   * reaches, quoted so a student sees how far off they are.
   */
  accuracy_at_least(args) {
    const labels = tensorArg(args, 'labels');
    const bar = numberArg(args, 'bar');
    const what = label(args, 'held-out accuracy');
    const given = args.scores !== undefined ? 'scores' : 'predictions';
    const out = tensorArg(args, given);
    const n = labels.data.length;
    let predicted: Float64Array;
    if (out.shape.length === 2 && out.shape[0] === n) {
      const c = out.shape[1];
      predicted = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        const row = out.data.subarray(i * c, (i + 1) * c);
        if (row.some((v) => Number.isNaN(v))) {
          return { passed: false, value: 0, bar, message: `${what}: ${given} hold NaN (row ${i}): training diverged (a learning rate too large, or a division by zero?)` };
        }
        let best = 0;
        for (let j = 1; j < c; j++) if (row[j] > row[best]) best = j;
        predicted[i] = best;
      }
    } else if (out.shape.length === 1 && out.shape[0] === n) {
      predicted = out.data;
    } else {
      return { passed: false, value: 0, bar, message: `${what}: ${given} of shape (${out.shape}) for ${n} held-out images (expected (${n},) class indices${given === 'scores' ? ' or (N, classes) scores' : ''})` };
    }
    let correct = 0;
    const counts = new Map<number, number>();
    for (let i = 0; i < n; i++) {
      if (predicted[i] === labels.data[i]) correct++;
      counts.set(predicted[i], (counts.get(predicted[i]) ?? 0) + 1);
    }
    const acc = n ? correct / n : 0;
    const solution = args.solution !== undefined ? ` (the pack's solution reaches about ${fmt(numberArg(args, 'solution'))})` : '';
    if (acc >= bar) return { passed: true, value: acc, bar, message: `${what} ${fmt(acc)} >= bar ${fmt(bar)} on ${n} images${solution}` };
    const classes = new Set(labels.data).size;
    let why = '';
    if (counts.size === 1) why = ` — every image is predicted as class ${predicted[0]}: the model did not learn`;
    else if (classes > 1 && acc < 1.5 / classes) why = ` — no better than chance (1/${classes}): does training change the parameters, with each image's own label?`;
    return { passed: false, value: acc, bar, message: `${what} ${fmt(acc)} < bar ${fmt(bar)} on ${n} images${solution}${why}` };
  },

  /**
   * A notebook's fitted parameters fit a data set: of the values of 13 numbers it left (each
   * recorded after the cell that set it), the one closest to the data must reproduce y at every
   * x within `bar`, evaluated here with the 1-4-1 network packed [w_h, b_h, w_o, b_o]. Says which
   * value came closest and where it misses, and whether another packing would have fit.
   */
  fits_data(args) {
    const thetas = tensorArg(args, 'thetas'), x = tensorArg(args, 'x'), y = tensorArg(args, 'y');
    const bar = numberArg(args, 'bar');
    const what = label(args, 'the data');
    const cells = args.cells && typeof args.cells === 'object' ? (args.cells as Tensor).data : new Float64Array(0);
    const names = (textOf(args.names as Tensor | undefined) ?? '').split(',');
    // The data set itself (x or y, when it has 13 points) is no candidate for the fit.
    const isData = (i: number) => [x, y].some((d) => d.data.length === 13 && d.data.every((v, j) => v === thetas.data[i * 13 + j]));
    const candidates = thetas.shape.length === 2 && thetas.shape[1] === 13
      ? Array.from({ length: thetas.shape[0] }, (_, i) => i).filter((i) => !isData(i)) : [];
    const k = candidates.length;
    if (k === 0) {
      return { passed: false, value: Infinity, bar, message: `${what}: the notebook left no array of 13 numbers besides the data (the fitted theta, in a global such as \`solution\`) after any cell` };
    }
    const missOf = (theta: ArrayLike<number>) => {
      const r = reluNet141Residual(theta, x.data, y.data);
      let worst = 0;
      for (let i = 1; i < r.length; i++) if (Math.abs(r[i]) > Math.abs(r[worst])) worst = i;
      return { max: Math.abs(r[worst]), at: worst };
    };
    let best = candidates[0], bestMiss = missOf(thetas.data.subarray(best * 13, (best + 1) * 13));
    for (const i of candidates.slice(1)) {
      const m = missOf(thetas.data.subarray(i * 13, (i + 1) * 13));
      if (m.max < bestMiss.max) { best = i; bestMiss = m; }
    }
    const who = `\`${names[best] || 'a value'}\`${cells.length > best ? ` after cell ${cells[best]}` : ''}`;
    if (bestMiss.max <= bar) return { passed: true, value: bestMiss.max, bar, message: `${what}: fitted by ${who} (max |y(x; theta) - y| ${fmt(bestMiss.max)} <= ${fmt(bar)})` };
    // A value packed in another order fits the data and still fails here: say which and how.
    let hint = '';
    for (const i of candidates) {
      if (hint) break;
      const theta = thetas.data.subarray(i * 13, (i + 1) * 13);
      const repacked = PACKINGS.find((p) => missOf(p.order.map((j) => theta[j])).max <= bar);
      if (repacked) hint = ` — \`${names[i] || 'a value'}\`${cells.length > i ? ` after cell ${cells[i]}` : ''} fits it if read as ${repacked.name}: the packing is [w_h (4), b_h (4), w_o (4), b_o]`;
    }
    return {
      passed: false, value: bestMiss.max, bar,
      message: `${what}: none of the ${k} value${k === 1 ? '' : 's'} of 13 numbers your notebook left fits it; the closest, ${who}, misses y at x = ${fmt(x.data[bestMiss.at])} by ${fmt(bestMiss.max)} (bar ${fmt(bar)})${hint}`,
    };
  },

  /** Two outputs that must not be equal: dropout's masks in two training passes, say. */
  differs(args) {
    const a = tensorArg(args, 'a'), b = tensorArg(args, 'b');
    const what = label(args, 'outputs');
    if (a.shape.join() !== b.shape.join()) return { passed: true, message: `${what}: shapes differ (${a.shape}) and (${b.shape})` };
    const i = a.data.findIndex((x, k) => !(relError(x, b.data[k]) <= 1e-12));
    return i >= 0
      ? { passed: true, message: `${what}: differ (first at [${unravel(i, a.shape)}])` }
      : { passed: false, message: `${what}: identical, element for element` };
  },

  /** A series (a training loss per epoch) ends lower than it starts, every value finite. */
  decreases(args) {
    const s = tensorArg(args, 'series');
    const what = label(args, 'series');
    if (s.data.length < 2) return { passed: false, message: `${what}: ${s.data.length} value${s.data.length === 1 ? '' : 's'}, need at least 2` };
    const bad = s.data.findIndex((v) => !Number.isFinite(v));
    if (bad >= 0) return { passed: false, message: `${what}: value ${bad + 1} is ${s.data[bad]} (training diverged?)` };
    const first = s.data[0], last = s.data[s.data.length - 1];
    return last < first
      ? { passed: true, message: `${what} went down: ${fmt(first)} to ${fmt(last)}` }
      : { passed: false, message: `${what} did not go down: ${fmt(first)} at the start, ${fmt(last)} at the end` };
  },

  /** Two runs with the same seed give the same output. */
  deterministic(args) {
    const a = tensorArg(args, 'a'), b = tensorArg(args, 'b');
    const what = label(args, 'output');
    if (a.shape.join() !== b.shape.join()) return { passed: false, message: `${what}: shapes differ between runs` };
    const i = a.data.findIndex((x, k) => !(x === b.data[k] || (Number.isNaN(x) && Number.isNaN(b.data[k]))));
    return i < 0 ? { passed: true, message: `${what}: identical across runs` } : { passed: false, message: `${what}: differs between two runs with the same seed at [${unravel(i, a.shape)}]` };
  },

  /**
   * A model's layer sequence (the table probes/_ee449.py writes and reference/ops/torch.ts
   * layerTable defines) against the expected one: `expected`, the handout's, or with `replace`
   * ("relu:sigmoid") the student's own other model with each ReLU read as a Sigmoid. The first
   * difference is named by the layer's place and the handout's notation (FC-64, Conv-3x3x16).
   * `against` names what is compared with; `built` (bytes) says how the model was built.
   */
  layer_sequence(args) {
    const got = layerRows(tensorArg(args, 'layers'));
    let expected = layerRows(tensorArg(args, 'expected'));
    const what = label(args, 'layer sequence');
    const against = stringArg(args, 'against') ?? "the handout's";
    const built = textOf(args.built as Tensor | undefined);
    const builtNote = built ? ` (built as ${built})` : '';
    const replace = stringArg(args, 'replace')?.split(':');
    const [from, to] = replace ? replace.map(kindNamed) : [0, 0];
    if (replace) expected = expected.map((r) => (r[0] === from ? [to, ...r.slice(1)] : r));
    const wrong = layerDifference(got, expected, against, replace ? { from, to } : undefined);
    if (!wrong) {
      const swapped = replace ? `, ${LAYER_KINDS[to]} in place of each ${LAYER_KINDS[from]}` : '';
      return { passed: true, message: `${what}: the ${expected.length} layers of ${against}${swapped} (${expected.map(layerName).join(', ')})${builtNote}` };
    }
    return { passed: false, message: `${what}: ${wrong}${builtNote}` };
  },

  /**
   * mean(a) / mean(b) is at least `bar`: how far one series (the ReLU model's first-layer
   * gradient magnitudes) stays above another (the sigmoid model's, which vanish). `a_label` and
   * `b_label` name the two series.
   */
  ratio_at_least(args) {
    const a = tensorArg(args, 'a'), b = tensorArg(args, 'b');
    const bar = numberArg(args, 'bar');
    const what = label(args, 'ratio');
    const [na, nb] = [stringArg(args, 'a_label') ?? 'a', stringArg(args, 'b_label') ?? 'b'];
    for (const [t, name] of [[a, na], [b, nb]] as const) {
      if (!t.data.length) return { passed: false, value: 0, bar, message: `${what}: no ${name} values were recorded` };
      const bad = t.data.findIndex((v) => !Number.isFinite(v));
      if (bad >= 0) return { passed: false, value: 0, bar, message: `${what}: ${name} value ${bad + 1} is ${t.data[bad]} (training diverged?)` };
    }
    const mean = (t: Tensor) => t.data.reduce((x, y) => x + y, 0) / t.data.length;
    const [ma, mb] = [mean(a), mean(b)];
    if (ma === 0 && mb === 0) return { passed: false, value: 0, bar, message: `${what}: ${na} and ${nb} are both 0: the first layer got no gradient at all` };
    const ratio = mb === 0 ? Infinity : ma / mb;
    const means = `${na} ${fmt(ma)}, ${nb} ${fmt(mb)} (means of ${a.data.length} and ${b.data.length} records)`;
    return ratio >= bar
      ? { passed: true, value: ratio, bar, message: `${what}: ${means}: ratio ${fmt(ratio)} >= bar ${fmt(bar)}` }
      : { passed: false, value: ratio, bar, message: `${what}: ${means}: ratio ${fmt(ratio)} < bar ${fmt(bar)}` };
  },

  /**
   * The learning rate of every optimizer step (`rates`) against the schedule's (`expected`), read
   * epoch by epoch (`steps_per_epoch` steps each, epochs counted from 0): a rate that changes
   * within an epoch is a scheduler stepped per batch; otherwise the first epoch that differs is
   * named, and where the rate drops there against where the schedule drops it. `model` (bytes)
   * says what was trained.
   */
  epoch_rates(args) {
    const got = tensorArg(args, 'rates'), ref = tensorArg(args, 'expected');
    const steps = numberArg(args, 'steps_per_epoch');
    const what = label(args, 'learning rate per epoch');
    const model = textOf(args.model as Tensor | undefined);
    const on = model ? ` (training ${model})` : '';
    const epochs = ref.data.length / steps;
    if (got.data.length !== ref.data.length) {
      return { passed: false, message: `${what}: fit took ${got.data.length} optimizer steps; ${epochs} epochs of ${steps} batches take ${ref.data.length}${on}` };
    }
    const same = (x: number, y: number) => relError(x, y) <= 1e-9;
    const rate = (t: Tensor, e: number) => t.data[e * steps];
    for (let e = 0; e < epochs; e++) {
      const within = Array.from(got.data.subarray(e * steps, (e + 1) * steps));
      if (within.some((v) => !same(v, within[0]))) {
        return { passed: false, message: `${what}: the rate changes within epoch ${e} (${within.map(fmt).join(', ')}): the scheduler is stepped after every batch: step it once per epoch, after the epoch's batches${on}` };
      }
    }
    const wrong = Array.from({ length: epochs }, (_, e) => e).find((e) => !same(rate(got, e), rate(ref, e)));
    const spans = rateSpans(ref, steps, epochs);
    if (wrong === undefined) return { passed: true, message: `${what}: all ${epochs} epochs match, ${spans}${on}` };
    const target = rate(ref, wrong);
    // The rate the schedule should have had there and the one the student's had, each taken to
    // where it first holds in both: a drop that comes late shows in the first, an early one in the second.
    const first = (t: Tensor, v: number) => Array.from({ length: epochs }, (_, e) => e).find((e) => same(rate(t, e), v));
    let when = '';
    for (const v of [target, rate(got, wrong)]) {
      const [theirs, handout] = [first(got, v), first(ref, v)];
      if (theirs === undefined || handout === undefined || theirs === handout) continue;
      const by = Math.abs(theirs - handout);
      when = `: your rate becomes ${fmt(v)} at epoch ${theirs}, the handout's from epoch ${handout}: ${by === 1 ? 'one epoch' : `${by} epochs`} ${theirs > handout ? 'late' : 'early'}`;
      break;
    }
    return { passed: false, message: `${what}: epoch ${wrong} (counted from 0) ran at ${fmt(rate(got, wrong))}, the schedule's rate there is ${fmt(target)}${when} (the schedule: ${spans})${on}` };
  },
};

// ---- Layer tables (reference/ops/torch.ts layerTable) ----

const COL = Object.fromEntries(LAYER_COLUMNS.map((c, i) => [c, i])) as Record<(typeof LAYER_COLUMNS)[number], number>;

function layerRows(t: Tensor): number[][] {
  const width = LAYER_COLUMNS.length;
  if (t.data.length && (t.shape.length !== 2 || t.shape[1] !== width)) throw new Error(`a layer table has ${width} columns, got shape (${t.shape})`);
  return Array.from({ length: t.data.length / width }, (_, i) => Array.from(t.data.subarray(i * width, (i + 1) * width)));
}

function kindNamed(name: string): number {
  const i = LAYER_KINDS.findIndex((k) => k.toLowerCase() === name.toLowerCase());
  if (i < 0) throw new Error(`layer_sequence: no layer kind "${name}" (known: ${LAYER_KINDS.join(', ')})`);
  return i;
}

const kindOf = (r: number[]) => LAYER_KINDS[r[COL.kind]] ?? 'unknown';

/** A layer in the handout's notation: FC-64, Conv-3x3x16, MaxPool, ReLU. */
function layerName(r: number[]): string {
  switch (kindOf(r)) {
    case 'Linear': return `FC-${r[COL.out]}${r[COL.bias] ? '' : ' (no bias)'}`;
    case 'Conv2d': return `Conv-${r[COL.k]}x${r[COL.k]}x${r[COL.out]}`;
    case 'MaxPool2d': return r[COL.k] === 2 && r[COL.stride] === 2 ? 'MaxPool' : `MaxPool ${r[COL.k]}x${r[COL.k]} stride ${r[COL.stride]}`;
    default: return kindOf(r);
  }
}

/** How torch would be asked for a layer, to make a difference concrete. */
function layerCode(r: number[]): string {
  switch (kindOf(r)) {
    case 'Linear': return `nn.Linear(${r[COL.in]}, ${r[COL.out]}${r[COL.bias] ? '' : ', bias=False'})`;
    case 'Conv2d': {
      const pad = r[COL.padding] === PADDING_SAME ? ", padding='same'" : r[COL.padding] ? `, padding=${r[COL.padding]}` : '';
      return `nn.Conv2d(${r[COL.in]}, ${r[COL.out]}, ${r[COL.k]}${r[COL.stride] !== 1 ? `, stride=${r[COL.stride]}` : ''}${pad})`;
    }
    case 'MaxPool2d': return `nn.MaxPool2d(${r[COL.k]}${r[COL.stride] !== r[COL.k] ? `, stride=${r[COL.stride]}` : ''})`;
    default: return kindOf(r);
  }
}

const padding = (p: number) => (p === PADDING_SAME ? 'padding "same"' : p === 0 ? 'valid padding (padding=0)' : `padding ${p}`);

/** What differs between two rows of the same kind, in words; undefined when nothing does. */
function fieldDifference(g: number[], e: number[], against: string): string | undefined {
  const kind = kindOf(e);
  const name = layerName(e);
  if (kind === 'Linear') {
    if (g[COL.in] !== e[COL.in] || g[COL.out] !== e[COL.out]) return `is ${layerCode(g)}; ${against} ${name} is ${layerCode(e)}`;
    if (g[COL.bias] && !e[COL.bias]) return `has a bias; ${against} has none: ${layerCode(e)}`;
    if (!g[COL.bias] && e[COL.bias]) return `has no bias; ${against} has one: ${layerCode(e)}`;
  } else if (kind === 'Conv2d') {
    if (g[COL.padding] !== e[COL.padding]) return `has ${padding(g[COL.padding])}; ${against} convolutions have ${padding(e[COL.padding])}: ${layerCode(e)}`;
    if (g[COL.k] !== e[COL.k]) return `has a ${g[COL.k]}x${g[COL.k]} kernel; ${against} ${name} has ${e[COL.k]}x${e[COL.k]}: ${layerCode(e)}`;
    if (g[COL.in] !== e[COL.in] || g[COL.out] !== e[COL.out]) return `is ${layerCode(g)} (${g[COL.in]} -> ${g[COL.out]} channels); ${against} ${name} is ${layerCode(e)}`;
    if (g[COL.stride] !== e[COL.stride]) return `has stride ${g[COL.stride]}; ${against} ${name} has stride ${e[COL.stride]}: ${layerCode(e)}`;
    if (g[COL.bias] !== e[COL.bias]) return `${g[COL.bias] ? 'has' : 'has no'} bias; ${against} ${name} ${e[COL.bias] ? 'has one' : 'has none'}`;
  } else if (kind === 'MaxPool2d') {
    if (g[COL.k] !== e[COL.k] || g[COL.stride] !== e[COL.stride] || g[COL.padding] !== e[COL.padding]) return `is ${layerCode(g)}${g[COL.padding] ? ` with padding ${g[COL.padding]}` : ''}; ${against} is ${layerCode(e)}`;
  } else if (g.some((v, i) => v !== e[i])) {
    return `differs from ${against} ${name}`;
  }
  return undefined;
}

const sameRow = (a: number[] | undefined, b: number[] | undefined) => !!a && !!b && a.every((v, i) => v === b[i]);
/**
 * Two layers alike enough to line sequences up: the same kind and size, whatever their input
 * (a layer left out changes the input of the next FC, and that is not a second mistake).
 */
const alike = (a: number[], b: number[] | undefined) =>
  !!b && a[COL.kind] === b[COL.kind] && a[COL.out] === b[COL.out] && a[COL.k] === b[COL.k];
const sameFrom = (got: number[][], i: number, expected: number[][], j: number) =>
  got.length - i === expected.length - j && got.slice(i).every((r, k) => alike(r, expected[j + k]));

/** The first difference between two layer sequences, in words; undefined when they are the same. */
function layerDifference(got: number[][], expected: number[][], against: string, swap?: { from: number; to: number }): string | undefined {
  const at = (i: number, rows: number[][]) => `layer ${i + 1}${i > 0 && rows[i - 1] ? ` (after ${layerName(rows[i - 1])})` : ''}`;
  const n = Math.max(got.length, expected.length);
  for (let i = 0; i < n; i++) {
    const g = got[i], e = expected[i];
    if (sameRow(g, e)) continue;
    if (!e) {
      const extra = got.slice(i).map(layerName).join(', ');
      const softmax = got.slice(i).some((r) => kindOf(r) === 'Softmax') ? ': the models end in the PredictionLayer FC10 and return raw scores (CrossEntropyLoss applies log-softmax itself)' : '';
      return `${got.length} layers where ${against} has ${expected.length}: ${extra} after the last one${softmax}`;
    }
    if (!g) return `${got.length} layers where ${against} has ${expected.length}: ${expected.slice(i).map(layerName).join(', ')} missing at the end`;
    if (g[COL.kind] === e[COL.kind]) return `${at(i, expected)}, ${layerName(e)}: ${fieldDifference(g, e, against)}`;
    if (swap && g[COL.kind] === swap.from && e[COL.kind] === swap.to) {
      return `${at(i, expected)} is still a ${LAYER_KINDS[swap.from]}: the ${LAYER_KINDS[swap.to]} variant should have a ${LAYER_KINDS[swap.to]} in place of every ${LAYER_KINDS[swap.from]}`;
    }
    if (sameFrom(got, i + 1, expected, i)) return `${at(i, got)}: a ${layerName(g)} that ${against} does not have, before its ${layerName(e)}`;
    if (sameFrom(got, i, expected, i + 1)) return `${at(i, expected)}: ${against} ${layerName(e)} is missing${i < got.length ? ` (the model goes on with ${layerName(g)})` : ''}`;
    return `${at(i, expected)} is a ${layerName(g)} (${layerCode(g)}) where ${against} has ${layerName(e)} (${layerCode(e)})`;
  }
  return undefined;
}

/** "0.1 (epochs 0-9), 0.01 (epochs 10-19), ...": a schedule's rates and the epochs they hold. */
function rateSpans(t: Tensor, steps: number, epochs: number): string {
  const spans: string[] = [];
  let start = 0;
  for (let e = 1; e <= epochs; e++) {
    if (e === epochs || relError(t.data[e * steps], t.data[start * steps]) > 1e-9) {
      spans.push(`${fmt(t.data[start * steps])} (epoch${e - 1 > start ? `s ${start}-${e - 1}` : ` ${start}`})`);
      start = e;
    }
  }
  return spans.join(', ');
}
