/**
 * The 1-4-1 ReLU network of the curve-fitting exercise and an exact fitter for it.
 *
 *   y(x) = b_o + sum_i w_o[i] * relu(w_h[i] * x + b_h[i]),   theta = [w_h(4), b_h(4), w_o(4), b_o]
 *
 * The network is a continuous piecewise-linear function whose kinks sit at x = -b_h[i]/w_h[i].
 * Fitting it exactly is a square-ish nonlinear system (n residuals, 13 unknowns) with many
 * solutions and many local minima (a kink stuck in the wrong gap between data points), so the
 * fitter is Levenberg–Marquardt on the residual with the analytic Jacobian, started with the
 * kinks where the data bends and restarted from seeded random starts until the largest residual
 * is within tolerance, then polished to rounding level.
 */
import { Rng } from '../../harness/tensor/random.ts';
import { choleskySolve, levenbergMarquardt } from '../lm.ts';

export const UNITS = 4;
export const THETA_SIZE = 3 * UNITS + 1;

const relu = (z: number): number => (z > 0 ? z : 0);
const maxAbs = (r: Float64Array): number => r.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
const wh = (theta: ArrayLike<number>, i: number) => theta[i];
const bh = (theta: ArrayLike<number>, i: number) => theta[UNITS + i];
const wo = (theta: ArrayLike<number>, i: number) => theta[2 * UNITS + i];
const bo = (theta: ArrayLike<number>) => theta[3 * UNITS];

export function reluNet141At(theta: ArrayLike<number>, x: number): number {
  let y = bo(theta);
  for (let i = 0; i < UNITS; i++) y += wo(theta, i) * relu(wh(theta, i) * x + bh(theta, i));
  return y;
}

export function reluNet141Residual(theta: ArrayLike<number>, xs: ArrayLike<number>, ys: ArrayLike<number>): Float64Array {
  return Float64Array.from({ length: xs.length }, (_, j) => reluNet141At(theta, xs[j]) - ys[j]);
}

/**
 * d residual_j / d theta, (n, 13) row-major. At a kink (pre-activation exactly 0) the unit counts
 * as off, the same one-sided derivative relu(z) = max(z, 0) has in numpy's usual `z > 0` mask.
 */
export function reluNet141Jacobian(theta: ArrayLike<number>, xs: ArrayLike<number>): Float64Array {
  const J = new Float64Array(xs.length * THETA_SIZE);
  for (let j = 0; j < xs.length; j++) {
    const row = j * THETA_SIZE;
    for (let i = 0; i < UNITS; i++) {
      const z = wh(theta, i) * xs[j] + bh(theta, i);
      const on = z > 0 ? 1 : 0;
      J[row + i] = wo(theta, i) * on * xs[j];
      J[row + UNITS + i] = wo(theta, i) * on;
      J[row + 2 * UNITS + i] = relu(z);
    }
    J[row + 3 * UNITS] = 1;
  }
  return J;
}

/** A place an exact fit may put a kink, and the data points whose bends a kink there explains. */
export interface KinkCandidate {
  at: number;
  explains: number[];
}

/**
 * Where an exact fit may bend. The piecewise-linear interpolant of the data bends at the interior
 * points where its slope changes; a kink right there explains that bend. A single kink strictly
 * between two neighbouring points shows up as bends at both, and sits where the segments on either
 * side, extended, meet. `bends` lists the bends with their slope change, biggest first.
 */
export function kinkCandidates(xs: ArrayLike<number>, ys: ArrayLike<number>): { bends: { at: number; bend: number }[]; candidates: KinkCandidate[] } {
  const points = new Map<number, number>();
  for (let j = 0; j < xs.length; j++) points.set(xs[j], ys[j]); // a repeated point says nothing new
  const px = [...points.keys()].sort((a, b) => a - b);
  const py = px.map((x) => points.get(x)!);
  const slope = (k: number) => (py[k + 1] - py[k]) / (px[k + 1] - px[k]);
  const scale = Math.max(1, ...py.map(Math.abs));
  const bendAt = (k: number) => (k >= 1 && k + 1 < px.length ? slope(k) - slope(k - 1) : 0);
  const isBend = (k: number) => Math.abs(bendAt(k)) > 1e-9 * scale;
  const bends: { at: number; bend: number }[] = [];
  const candidates: KinkCandidate[] = [];
  for (let k = 1; k + 1 < px.length; k++) {
    if (!isBend(k)) continue;
    bends.push({ at: px[k], bend: bendAt(k) });
    candidates.push({ at: px[k], explains: [px[k]] });
    if (!isBend(k + 1) || k + 2 >= px.length) continue;
    const [sl, sr] = [slope(k - 1), slope(k + 1)];
    if (sl === sr) continue;
    const meet = (py[k + 1] - py[k] - sr * px[k + 1] + sl * px[k]) / (sl - sr);
    if (meet > px[k] && meet < px[k + 1]) candidates.push({ at: meet, explains: [px[k], px[k + 1]] });
  }
  bends.sort((a, b) => Math.abs(b.bend) - Math.abs(a.bend));
  return { bends, candidates };
}

/**
 * A start with hidden unit i bending at kinks[i] (facing right when dir[i] = +1, left when -1,
 * with slope magnitude scale[i]); the output layer, linear once the hidden layer is fixed, is its
 * least-squares fit (lightly ridged, since units off on every point leave it singular).
 */
function startFromKinks(xs: Float64Array, ys: Float64Array, kinks: number[], dir: number[], scale: number[]): Float64Array {
  const theta = new Float64Array(THETA_SIZE);
  for (let i = 0; i < UNITS; i++) {
    theta[i] = dir[i] * scale[i];
    theta[UNITS + i] = -dir[i] * scale[i] * kinks[i];
  }
  const m = UNITS + 1;
  const feature = (x: number, i: number) => (i < UNITS ? relu(wh(theta, i) * x + bh(theta, i)) : 1);
  const A = new Float64Array(m * m);
  const rhs = new Float64Array(m);
  for (let j = 0; j < xs.length; j++) {
    for (let a = 0; a < m; a++) {
      rhs[a] += feature(xs[j], a) * ys[j];
      for (let b = 0; b < m; b++) A[a * m + b] += feature(xs[j], a) * feature(xs[j], b);
    }
  }
  const ridge = 1e-13 * Math.max(1, ...Array.from({ length: m }, (_, a) => A[a * m + a]));
  for (let a = 0; a < m; a++) A[a * m + a] += ridge;
  const out = choleskySolve(A, rhs, m) ?? new Float64Array(m);
  out.forEach((v, a) => (theta[2 * UNITS + a] = v));
  return theta;
}

/**
 * Rescale each unit to |w_h| = 1 (relu is positively homogeneous, so w_o*relu(w_h x + b_h) =
 * (w_o c)*relu((w_h x + b_h)/c) for c > 0): the same function, but -b_h reads as the kink.
 */
function normalise(theta: Float64Array): Float64Array {
  const out = Float64Array.from(theta);
  for (let i = 0; i < UNITS; i++) {
    const c = Math.abs(out[i]);
    if (c === 0) continue;
    out[i] /= c;
    out[UNITS + i] /= c;
    out[2 * UNITS + i] *= c;
  }
  return out;
}

/**
 * Carry a near-fit down to rounding level. Gauss–Newton's linear model is wrong exactly where an
 * exact fit needs it: at a kink sitting on a data point, where a step of any size switches the
 * unit on or off at that point, so plain LM stalls around 1e-9 there. Kinks within a hair of a
 * data point are therefore pinned onto it (with |w_h| = 1, b_h = -w_h*x makes the pre-activation
 * exactly 0) and held there while LM refines everything else, whose kinks are then away from the
 * data where the model is smooth.
 */
function polish(theta: Float64Array, xs: Float64Array, ys: Float64Array): Float64Array {
  const p = normalise(theta);
  const gap = (Math.max(...xs) - Math.min(...xs)) / Math.max(1, xs.length - 1) || 1;
  const pinned = new Set<number>();
  for (let i = 0; i < UNITS; i++) {
    if (p[i] === 0) continue;
    const kink = -p[UNITS + i] / p[i];
    const near = xs.find((x) => Math.abs(x - kink) <= 1e-6 * gap);
    if (near === undefined) continue;
    p[UNITS + i] = -p[i] * near;
    pinned.add(i).add(UNITS + i);
  }
  const jacobian = (t: Float64Array) => {
    const J = reluNet141Jacobian(t, xs);
    for (let k = 0; k < J.length; k++) if (pinned.has(k % THETA_SIZE)) J[k] = 0;
    return J;
  };
  return levenbergMarquardt((t) => reluNet141Residual(t, xs, ys), jacobian, p, { tol: 0, maxIter: 50 }).params;
}

export interface FitOptions {
  /** How many starts to try (the first included) before giving up. */
  restarts?: number;
  /** The largest |residual| accepted. */
  tol?: number;
  /**
   * 'data-kinks' (default) starts with the units near where the data bends, which is where an
   * exact fit must put its kinks; 'random' draws kinks anywhere around the data (used to show the
   * solver does not depend on that hint).
   */
  init?: 'data-kinks' | 'random';
}

export interface FitResult {
  theta: Float64Array;
  maxResidual: number;
  /** Starts used, the successful one included. */
  starts: number;
}

export function fitReluNet141(
  xIn: ArrayLike<number>, yIn: ArrayLike<number>, seed: number,
  { restarts = 200, tol = 1e-8, init = 'data-kinks' }: FitOptions = {},
): FitResult {
  const xs = Float64Array.from(xIn);
  const ys = Float64Array.from(yIn);
  if (xs.length !== ys.length) throw new Error(`relu_net_141_fit: x has ${xs.length} points but y has ${ys.length}`);
  if (xs.length === 0) throw new Error('relu_net_141_fit: needs at least one point');
  if (![...xs, ...ys].every(Number.isFinite)) throw new Error('relu_net_141_fit: x and y must be finite');
  for (let j = 0; j < xs.length; j++) {
    for (let k = j + 1; k < xs.length; k++) {
      if (xs[j] === xs[k] && ys[j] !== ys[k]) {
        throw new Error(`relu_net_141_fit: x = ${xs[j]} appears twice with different y (${ys[j]}, ${ys[k]}): no function fits that`);
      }
    }
  }
  const residual = (t: Float64Array) => reluNet141Residual(t, xs, ys);
  const jacobian = (t: Float64Array) => reluNet141Jacobian(t, xs);
  const rng = new Rng(`relu_net_141_fit/${seed}`);

  const lo = Math.min(...xs), hi = Math.max(...xs);
  const span = Math.max(hi - lo, 1);
  const gap = span / Math.max(1, xs.length - 1);
  const { bends, candidates } = kinkCandidates(xs, ys);

  const firstStart = (): Float64Array => {
    // The data's own bends, biggest first; spare units bend left of every point, where relu is
    // linear on the data and so supplies the overall slope.
    const kinks = Array.from({ length: UNITS }, (_, i) => bends[i]?.at ?? lo - 1 - i);
    return startFromKinks(xs, ys, kinks, [1, 1, 1, 1], [1, 1, 1, 1]);
  };
  const randomStart = (): Float64Array => {
    // Each unit takes a candidate that explains bends no other unit explains yet (slightly moved,
    // so a start never sits exactly on a non-smooth point) or, now and then, any place around the data.
    let pool = init === 'data-kinks' ? [...candidates] : [];
    const kinks: number[] = [];
    while (kinks.length < UNITS) {
      if (pool.length === 0 || rng.uniform() >= 0.8) {
        kinks.push(lo - span / 4 + rng.uniform() * span * 1.5);
        continue;
      }
      const pick = pool.splice(rng.int(0, pool.length), 1)[0];
      kinks.push(pick.at + 0.05 * gap * rng.normal());
      pool = pool.filter((c) => !c.explains.some((x) => pick.explains.includes(x)));
    }
    const scale = Array.from({ length: UNITS }, () => Math.exp(0.5 * rng.normal()));
    if (init === 'random') {
      return startFromKinks(xs, ys, kinks, Array.from({ length: UNITS }, () => (rng.uniform() < 0.5 ? -1 : 1)), scale);
    }
    // Which way each unit faces decides which slopes the network can make (and LM cannot turn a
    // unit round without passing through w_h = 0), so take the facing that fits best from the start.
    let best: Float64Array | undefined;
    let bestCost = Infinity;
    for (let mask = 0; mask < 1 << UNITS; mask++) {
      const dir = Array.from({ length: UNITS }, (_, i) => ((mask >> i) & 1 ? -1 : 1));
      const theta = startFromKinks(xs, ys, kinks, dir, scale);
      const cost = residual(theta).reduce((c, r) => c + r * r, 0);
      if (cost < bestCost) [best, bestCost] = [theta, cost];
    }
    return best!;
  };

  let bestMax = Infinity;
  for (let start = 1; start <= restarts; start++) {
    const p0 = start === 1 && init === 'data-kinks' ? firstStart() : randomStart();
    const fit = levenbergMarquardt(residual, jacobian, p0, { tol: tol * 1e-4, maxIter: 300 });
    let theta = fit.params;
    let worst = fit.maxAbs;
    // A near-fit has found the right arrangement of kinks; polishing gives the answer a wide
    // margin below the tolerance (and is kept only if it helped).
    if (worst <= 1e-3) {
      const polished = polish(theta, xs, ys);
      const polishedWorst = maxAbs(residual(polished));
      if (polishedWorst <= worst) [theta, worst] = [polished, polishedWorst];
    }
    bestMax = Math.min(bestMax, worst);
    if (worst <= tol) return { theta, maxResidual: worst, starts: start };
  }
  throw new Error(
    `relu_net_141_fit: no exact fit (max |residual| <= ${tol}) found after ${restarts} restarts; ` +
      `the best reached ${bestMax.toExponential(2)}. A 1-4-1 ReLU network is continuous piecewise linear ` +
      `with at most 4 kinks (and not every 4-kink curve is one), so data that needs more cannot be fitted.`,
  );
}
