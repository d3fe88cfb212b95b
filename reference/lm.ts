/**
 * Levenberg–Marquardt for small nonlinear least-squares problems: minimise ½|r(p)|² given the
 * residual r and its Jacobian J (m x n, row-major). Each step solves (JᵀJ + λI) δ = -Jᵀr; λ
 * shrinks when the quadratic model predicted the decrease well and grows when it did not
 * (the Madsen–Nielsen update), so the method moves between gradient descent far from a solution
 * and Gauss–Newton near one. The identity (rather than diag(JᵀJ)) as damping keeps the system
 * solvable when a parameter has no effect at all, e.g. a ReLU unit that is off on every point.
 */

export interface LmOptions {
  /** Stop as soon as max |r| is at most this. */
  tol?: number;
  maxIter?: number;
}

export interface LmResult {
  params: Float64Array;
  residual: Float64Array;
  /** max |r| at params. */
  maxAbs: number;
  iterations: number;
}

const maxAbs = (r: Float64Array): number => r.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
const sumSq = (r: Float64Array): number => r.reduce((s, v) => s + v * v, 0);

/** Solve A z = y for symmetric positive definite A (n x n) by Cholesky; null when A is not. */
export function choleskySolve(a: Float64Array, y: Float64Array, n: number): Float64Array | null {
  const L = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let s = a[i * n + j];
      for (let k = 0; k < j; k++) s -= L[i * n + k] * L[j * n + k];
      if (i === j) {
        if (!(s > 0)) return null;
        L[i * n + i] = Math.sqrt(s);
      } else {
        L[i * n + j] = s / L[j * n + j];
      }
    }
  }
  const z = Float64Array.from(y);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < i; k++) z[i] -= L[i * n + k] * z[k];
    z[i] /= L[i * n + i];
  }
  for (let i = n - 1; i >= 0; i--) {
    for (let k = i + 1; k < n; k++) z[i] -= L[k * n + i] * z[k];
    z[i] /= L[i * n + i];
  }
  return z;
}

export function levenbergMarquardt(
  residual: (p: Float64Array) => Float64Array,
  jacobian: (p: Float64Array) => Float64Array,
  p0: Float64Array,
  { tol = 0, maxIter = 200 }: LmOptions = {},
): LmResult {
  const n = p0.length;
  let p = Float64Array.from(p0);
  let r = residual(p);
  let cost = sumSq(r) / 2;
  let lambda = -1;
  let nu = 2;
  let it = 0;
  for (; it < maxIter && maxAbs(r) > tol && Number.isFinite(cost); it++) {
    const J = jacobian(p);
    const m = r.length;
    const A = new Float64Array(n * n);
    const g = new Float64Array(n);
    for (let k = 0; k < m; k++) {
      for (let i = 0; i < n; i++) {
        const jki = J[k * n + i];
        if (jki === 0) continue;
        g[i] += jki * r[k];
        for (let j = 0; j < n; j++) A[i * n + j] += jki * J[k * n + j];
      }
    }
    if (maxAbs(g) === 0) break; // a stationary point: no direction lowers the cost
    if (lambda < 0) lambda = 1e-3 * Math.max(1e-12, ...Array.from({ length: n }, (_, i) => A[i * n + i]));
    // Retry with more damping until a step lowers the cost (or damping says we are stuck).
    let stepped = false;
    while (!stepped && lambda < 1e30) {
      const damped = Float64Array.from(A);
      for (let i = 0; i < n; i++) damped[i * n + i] += lambda;
      const delta = choleskySolve(damped, g.map((v) => -v), n);
      if (!delta) { lambda *= nu; nu *= 2; continue; }
      const trial = p.map((v, i) => v + delta[i]);
      const rTrial = residual(trial);
      const costTrial = sumSq(rTrial) / 2;
      // Decrease the linear model promised: ½ δᵀ(λδ - g).
      let predicted = 0;
      for (let i = 0; i < n; i++) predicted += 0.5 * delta[i] * (lambda * delta[i] - g[i]);
      const rho = (cost - costTrial) / predicted;
      if (Number.isFinite(costTrial) && rho > 0) {
        p = trial;
        r = rTrial;
        cost = costTrial;
        lambda *= Math.max(1 / 3, 1 - (2 * rho - 1) ** 3);
        nu = 2;
        stepped = true;
      } else {
        lambda *= nu;
        nu *= 2;
      }
    }
    if (!stepped) break;
  }
  return { params: p, residual: r, maxAbs: maxAbs(r), iterations: it };
}
