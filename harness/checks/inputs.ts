/**
 * Builds a case's input arrays from its spec. Published cases draw their random inputs from a
 * fixed seed (so students and instructors see the same arrays); hidden cases from the grade-time
 * seed, which never enters the student's process.
 */
import type { CaseSpec, CheckSpec, InputSpec } from '../spec/types.ts';
import { Rng } from '../tensor/random.ts';
import { type DType, type Tensor, isInteger, sizeOf, tensor } from '../tensor/tensor.ts';

export function buildInputs(check: CheckSpec, c: CaseSpec, gradeSeed: string): Record<string, Tensor> {
  const rng = new Rng(c.hidden ? `${gradeSeed}/${check.id}/${c.name}` : `published/${check.id}/${c.name}`);
  const out: Record<string, Tensor> = {};
  // Sorted so that adding an input to a case does not reshuffle the others' random values.
  for (const name of Object.keys(c.inputs ?? {}).sort()) {
    const spec = c.inputs![name];
    if (typeof spec === 'string') continue; // a text input: textInputs
    try {
      out[name] = buildInput(spec, rng);
    } catch (e) {
      throw new Error(`check ${check.id}, case ${c.name}, input ${name}: ${(e as Error).message}`);
    }
  }
  return out;
}

/** A case's text inputs (device names, say): handed to the probe as Python strs, not arrays. */
export function textInputs(c: CaseSpec): Record<string, string> {
  return Object.fromEntries(Object.entries(c.inputs ?? {}).filter((e): e is [string, string] => typeof e[1] === 'string'));
}

export function buildInput(spec: Exclude<InputSpec, string>, rng: Rng): Tensor {
  if (typeof spec === 'number') return literal(spec, 'float64');
  if (typeof spec === 'boolean') return literal(spec, 'bool');
  if (Array.isArray(spec)) return literal(spec, 'float64');
  const dtype = spec.dtype;
  let t: Tensor;
  if (spec.value !== undefined) {
    t = literal(spec.value, dtype ?? (typeof spec.value === 'boolean' ? 'bool' : 'float64'));
  } else if (spec.linspace) {
    const shape = spec.shape!;
    const n = sizeOf(shape);
    const [a, b] = spec.linspace;
    // numpy's linspace: start + i*step, with the last value exactly `stop`.
    const step = n > 1 ? (b - a) / (n - 1) : 0;
    const data = Float64Array.from({ length: n }, (_, i) => (i === n - 1 && n > 1 ? b : a + i * step));
    t = tensor(shape, data);
  } else if (spec.randn) {
    t = tensor(spec.randn, rng.normals(sizeOf(spec.randn)));
  } else if (spec.uniform) {
    const [lo, hi] = spec.uniform;
    t = tensor(spec.shape!, Float64Array.from({ length: sizeOf(spec.shape!) }, () => lo + (hi - lo) * rng.uniform()));
  } else if (spec.randint) {
    const [lo, hi] = spec.randint;
    t = tensor(spec.shape!, Float64Array.from({ length: sizeOf(spec.shape!) }, () => rng.int(lo, hi)), 'int64');
  } else if (spec.piecewise_linear) {
    t = tensor([spec.piecewise_linear.points], piecewiseLinear(spec.piecewise_linear.points, spec.piecewise_linear.kinks, rng));
  } else if (spec.choice) {
    const pick = spec.choice[rng.int(0, spec.choice.length)];
    t = literal(pick, typeof pick === 'boolean' ? 'bool' : 'float64');
  } else {
    throw new Error('no generator given');
  }
  if (spec.scale !== undefined || spec.shift !== undefined) {
    const s = spec.scale ?? 1, o = spec.shift ?? 0;
    t = { ...t, data: t.data.map((v) => v * s + o) };
  }
  if (spec.transpose) t = transpose2d(t);
  if (dtype) t = cast(t, dtype);
  return t;
}

function literal(value: unknown, dtype: DType): Tensor {
  const shape: number[] = [];
  let probe: unknown = value;
  while (Array.isArray(probe)) {
    shape.push(probe.length);
    probe = probe[0];
  }
  const flat = (Array.isArray(value) ? (value as unknown[]).flat(Infinity) : [value]).map((v) => {
    if (typeof v === 'boolean') return v ? 1 : 0;
    if (typeof v !== 'number') throw new Error(`literal values must be numbers, got ${JSON.stringify(v)}`);
    return v;
  });
  return cast(tensor(shape, flat), dtype);
}

export function cast(t: Tensor, dtype: DType): Tensor {
  if (!isInteger(dtype)) {
    return { dtype, shape: t.shape, data: dtype === 'float32' ? t.data.map(Math.fround) : t.data };
  }
  const [lo, hi] = dtype === 'uint8' ? [0, 255] : dtype === 'bool' ? [0, 1] : [-(2 ** 53), 2 ** 53];
  const data = t.data.map((v) => {
    const r = dtype === 'bool' ? (v !== 0 ? 1 : 0) : Math.trunc(v);
    if (r < lo || r > hi || !Number.isFinite(r)) throw new Error(`value ${v} does not fit ${dtype}`);
    return r;
  });
  return { dtype, shape: t.shape, data };
}

function transpose2d(t: Tensor): Tensor {
  if (t.shape.length !== 2) throw new Error(`transpose needs a 2-D array, got shape [${t.shape}]`);
  const [n, m] = t.shape;
  const data = new Float64Array(n * m);
  for (let i = 0; i < n; i++) for (let j = 0; j < m; j++) data[j * n + i] = t.data[i * m + j];
  return { dtype: t.dtype, shape: [m, n], data };
}

/**
 * A continuous piecewise-linear target sampled at x = 0..points-1: 1..maxKinks kinks at distinct
 * interior integers, integer slopes that change at every kink, an integer start. Exactly what a
 * 1-4-1 ReLU network can fit, so a correct fitter always can.
 */
function piecewiseLinear(points: number, maxKinks: number, rng: Rng): Float64Array {
  const interior = Array.from({ length: points - 2 }, (_, i) => i + 1);
  const kinks = Math.min(1 + rng.int(0, maxKinks), interior.length);
  const at = new Set<number>();
  while (at.size < kinks) at.add(interior[rng.int(0, interior.length)]);
  let slope = rng.int(-3, 4);
  const y = new Float64Array(points);
  y[0] = rng.int(0, 6);
  for (let x = 1; x < points; x++) {
    if (at.has(x - 1)) {
      let next = slope;
      while (next === slope) next = rng.int(-3, 4);
      slope = next;
    }
    y[x] = y[x - 1] + slope;
  }
  return y;
}
