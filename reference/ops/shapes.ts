/** Output sizes, as the layers' get_output_size methods must compute them. */
import { tensor } from '../../harness/tensor/tensor.ts';
import type { RefOp } from '../op.ts';
import { conv2dOutputShape } from './conv.ts';

export const shapeOps: RefOp[] = [
  {
    name: 'conv2d_output_size',
    summary: '[N, H\', W\', F] for an NHWC input_size (4,) and a k x k conv: H\' = (H + 2p - k) // s + 1',
    inputs: ['input_size', 'kernel_size', 'filters', 'stride', 'padding'],
    outputs: ['size'],
    run({ input_size, kernel_size, filters, stride, padding }) {
      if (input_size.data.length !== 4) throw new Error(`conv2d_output_size: input_size must have 4 entries (N, H, W, C), got ${input_size.data.length}`);
      const [n, h, w, c] = Array.from(input_size.data);
      const k = kernel_size.data[0], f = filters.data[0];
      const shape = conv2dOutputShape([n, h, w, c], [k, k, c, f], stride.data[0], padding.data[0]);
      return { size: tensor([4], shape, 'int64') };
    },
  },
];
