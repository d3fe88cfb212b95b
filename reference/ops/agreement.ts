/**
 * Ops that turn a computation into a yes/no fact, so that a written yes/no answer is checked
 * against something computed rather than a pasted "no".
 */
import { scalar } from '../../harness/tensor/tensor.ts';
import type { RefOp } from '../op.ts';

export const agreementOps: RefOp[] = [
  {
    name: 'curves_agree',
    summary: '1 when arrays a and b agree elementwise within rel_error tol, else 0',
    inputs: ['a', 'b', 'tol'],
    defaults: { tol: 1e-10 },
    outputs: ['agree'],
    run({ a, b, tol }) {
      if (a.shape.join() !== b.shape.join()) throw new Error(`curves_agree: shapes [${a.shape}] and [${b.shape}] differ`);
      const bar = tol.data[0];
      let agree = true;
      for (let i = 0; i < a.data.length && agree; i++) {
        const x = a.data[i], y = b.data[i];
        agree = Math.abs(x - y) / Math.max(1e-8, Math.abs(x) + Math.abs(y)) <= bar;
      }
      return { agree: scalar(agree ? 1 : 0, 'bool') };
    },
  },
];
