/**
 * Input checking shared by the convolution, optimization and counting ops. A malformed case must
 * fail loudly with the op's name and the offending input, never grade against a wrong answer.
 */
import { type Tensor, scalar, tensor } from '../../harness/tensor/tensor.ts';
import type { RefOp } from '../op.ts';

/** Reference outputs are float64 whatever dtype the inputs came in. */
export const f64 = (shape: readonly number[], data: Float64Array): Tensor => tensor([...shape], data);

/** The flat C-order position of a 4-d index into an array of the given shape. */
export function indexer([, d1, d2, d3]: readonly number[]): (i0: number, i1: number, i2: number, i3: number) => number {
  return (i0, i1, i2, i3) => ((i0 * d1 + i1) * d2 + i2) * d3 + i3;
}

export function expectDims(op: string, name: string, t: Tensor, ndim: number): void {
  if (t.shape.length !== ndim) throw new Error(`${op}: ${name} must be ${ndim}-d, got shape [${t.shape}]`);
}

export function expectShape(op: string, name: string, t: Tensor, shape: readonly number[]): void {
  if (t.shape.length !== shape.length || t.shape.some((s, i) => s !== shape[i])) {
    throw new Error(`${op}: ${name} must have shape [${shape}], got [${t.shape}]`);
  }
}

/** A whole number >= min; strides, sizes and counts that are not are a malformed case. */
export function expectInt(op: string, name: string, v: number, min: number): number {
  if (!Number.isInteger(v) || v < min) throw new Error(`${op}: ${name} must be an integer >= ${min}, got ${v}`);
  return v;
}

export function expectFinite(op: string, name: string, t: Tensor): void {
  const i = t.data.findIndex((v) => !Number.isFinite(v));
  if (i >= 0) throw new Error(`${op}: ${name} must be finite, got ${t.data[i]} at flat index ${i}`);
}

export type Args = {
  /** The named input array (or its default as a 0-d array). */
  t(name: string): Tensor;
  /** The named input, which must hold a single value. */
  n(name: string): number;
  /** The named input as an integer >= min. */
  int(name: string, min: number): number;
  /** The named input as a flag: 0 or 1 (or a bool array holding one of them). */
  flag(name: string): boolean;
};

/**
 * A RefOp whose run rejects names it does not know: an unknown name is almost always a typo for
 * an input that has a default, which would otherwise be used silently.
 */
export function defineOp(spec: Omit<RefOp, 'run'>, body: (a: Args) => Record<string, Tensor>): RefOp {
  const known = new Set(spec.inputs);
  return {
    ...spec,
    run(given) {
      for (const name of Object.keys(given)) {
        if (!known.has(name)) throw new Error(`${spec.name}: unknown input '${name}' (expects ${spec.inputs.join(', ')})`);
      }
      const t = (name: string): Tensor => {
        const value = given[name] ?? (spec.defaults && name in spec.defaults ? scalar(spec.defaults[name]) : undefined);
        if (!value) throw new Error(`${spec.name}: missing input '${name}'`);
        return value;
      };
      const n = (name: string): number => {
        const value = t(name);
        if (value.data.length !== 1) throw new Error(`${spec.name}: ${name} must be a scalar, got shape [${value.shape}]`);
        return value.data[0];
      };
      const int = (name: string, min: number): number => expectInt(spec.name, name, n(name), min);
      const flag = (name: string): boolean => {
        const v = n(name);
        if (v !== 0 && v !== 1) throw new Error(`${spec.name}: ${name} must be 0 or 1 (false or true), got ${v}`);
        return v === 1;
      };
      return body({ t, n, int, flag });
    },
  };
}
