/**
 * The one array type that crosses every boundary: spec inputs, reference ops, .npy files,
 * comparison. Values are always held as float64 whatever the dtype on disk, so reference code
 * reads like the maths; `dtype` records what the array is in numpy terms and is honoured when
 * it is written. int64 values beyond 2^53 are not representable (no course tensor needs them).
 */
export const DTYPES = ['float64', 'float32', 'int64', 'int32', 'uint8', 'bool'] as const;
export type DType = (typeof DTYPES)[number];

export interface Tensor {
  dtype: DType;
  shape: number[];
  /** C-order (row-major) values. */
  data: Float64Array;
}

export const sizeOf = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

export function tensor(shape: number[], data: ArrayLike<number> | Float64Array, dtype: DType = 'float64'): Tensor {
  const n = sizeOf(shape);
  if (data.length !== n) throw new Error(`tensor: shape [${shape}] needs ${n} values, got ${data.length}`);
  return { dtype, shape: [...shape], data: data instanceof Float64Array ? data : Float64Array.from(data) };
}

export const zeros = (shape: number[], dtype: DType = 'float64'): Tensor =>
  ({ dtype, shape: [...shape], data: new Float64Array(sizeOf(shape)) });

export const scalar = (value: number, dtype: DType = 'float64'): Tensor =>
  ({ dtype, shape: [], data: Float64Array.of(value) });

/** The value of a 0-d (or single-element) tensor. */
export function item(t: Tensor): number {
  if (t.data.length !== 1) throw new Error(`expected a scalar, got shape [${t.shape}]`);
  return t.data[0];
}

export const like = (t: Tensor, data: Float64Array = new Float64Array(t.data.length)): Tensor =>
  ({ dtype: t.dtype === 'float32' ? 'float32' : 'float64', shape: [...t.shape], data });

export function map(t: Tensor, f: (v: number, i: number) => number): Tensor {
  const out = new Float64Array(t.data.length);
  for (let i = 0; i < out.length; i++) out[i] = f(t.data[i], i);
  return like(t, out);
}

export const reshape = (t: Tensor, shape: number[]): Tensor => {
  if (sizeOf(shape) !== t.data.length) throw new Error(`cannot reshape [${t.shape}] to [${shape}]`);
  return { dtype: t.dtype, shape: [...shape], data: t.data };
};

/** Strides in elements for C order. */
export function strides(shape: readonly number[]): number[] {
  const s = new Array(shape.length).fill(1);
  for (let i = shape.length - 2; i >= 0; i--) s[i] = s[i + 1] * shape[i + 1];
  return s;
}

/** The multi-index of flat position `flat` in C order. */
export function unravel(flat: number, shape: readonly number[]): number[] {
  const idx = new Array(shape.length).fill(0);
  for (let i = shape.length - 1; i >= 0; i--) {
    idx[i] = flat % shape[i];
    flat = Math.floor(flat / shape[i]);
  }
  return idx;
}

export const isInteger = (d: DType): boolean => d === 'int64' || d === 'int32' || d === 'uint8' || d === 'bool';
