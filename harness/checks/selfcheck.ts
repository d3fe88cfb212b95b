/**
 * Why a gradient is wrong: at the worst element of each failed gradient, the derivative of the
 * student's own forward (two forward calls, along that element's axis) against their backward.
 * Agreement means the backward is faithful to a forward that is itself off; disagreement means
 * the backward is wrong. A random direction would average a local error away, so none is used.
 * The worker computes the derivatives (it runs the student's forward); the wording is decided here.
 */
import { fmt } from '../results/format.ts';
import type { CaseResult } from '../results/types.ts';
import type { SelfCheckSpec } from '../spec/types.ts';
import { type Tensor, tensor } from '../tensor/tensor.ts';
import { relError } from './compare.ts';
import type { Values } from './expect.ts';

const SELF_CHECK_TOL = 1e-5;

/** One input to differentiate along: a unit vector at the failed gradient's worst element. */
export interface SelfCheckPoint {
  input: string;
  direction: Tensor;
  flat: number;
  index: number[];
}

/** Where to look, for each gradient of a failed case whose shape matches its input's. */
export function selfCheckPoints(spec: SelfCheckSpec, inputs: Values, got: Values, failed: CaseResult): SelfCheckPoint[] {
  const points: SelfCheckPoint[] = [];
  for (const [name, grad] of Object.entries(spec.wrt)) {
    const x = inputs[name];
    const cmp = failed.comparisons.find((k) => k.output === grad && !k.passed && k.worst);
    if (!x || !cmp || !got[grad] || got[grad].shape.join() !== x.shape.join()) continue;
    const flat = cmp.worst!.index.reduce((acc, i, d) => acc * x.shape[d] + i, 0);
    const v = new Float64Array(x.data.length);
    v[flat] = 1;
    points.push({ input: name, direction: tensor(x.shape, v), flat, index: cmp.worst!.index });
  }
  return points;
}

/** What the derivatives the worker measured say, one sentence per gradient. */
export function selfCheckNote(spec: SelfCheckSpec, points: SelfCheckPoint[], numeric: Record<string, number>, got: Values): string | undefined {
  const notes = points.flatMap(({ input, flat, index }) => {
    const grad = spec.wrt[input];
    const derivative = numeric[input], analytic = got[grad].data[flat];
    if (derivative === undefined) return [];
    const where = `${grad}[${index.join(',')}]`;
    return [relError(derivative, analytic) <= SELF_CHECK_TOL
      ? `${where} agrees with the derivative of your own forward (${fmt(derivative)}): the backward matches your forward, so look at the forward pass`
      : `${where} = ${fmt(analytic)} but your own forward's derivative there is ${fmt(derivative)}: the backward pass is wrong`];
  });
  return notes.length ? `self-check: ${notes.join('; ')}` : undefined;
}
