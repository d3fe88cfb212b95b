/**
 * Output sizes, as the layers' get_output_size methods must compute them; and the reshaping that
 * puts a reference's result in the shape a MATLAB hand-in returns it (Octave has no 1-d arrays:
 * a vector is a column there).
 */
import { type Tensor, tensor } from '../../harness/tensor/tensor.ts';
import { defineOp, expectDims } from './args.ts';
import type { RefOp } from '../op.ts';
import { conv2dOutputShape } from './conv.ts';

function outputSize(name: string, args: Record<string, Tensor>, widthFrom: 'width' | 'height') {
  const { input_size, kernel_size, filters, stride, padding } = args;
  if (input_size.data.length !== 4) throw new Error(`${name}: input_size must have 4 entries (N, H, W, C), got ${input_size.data.length}`);
  const [n, h, w, c] = Array.from(input_size.data);
  const k = kernel_size.data[0], f = filters.data[0];
  const shape = conv2dOutputShape([n, h, widthFrom === 'width' ? w : h, c], [k, k, c, f], stride.data[0], padding.data[0]);
  return { size: tensor([4], shape, 'int64') };
}

export const shapeOps: RefOp[] = [
  {
    name: 'conv2d_output_size',
    summary: '[N, H\', W\', F] for an NHWC input_size (4,) and a k x k conv: H\' = (H + 2p - k) // s + 1',
    inputs: ['input_size', 'kernel_size', 'filters', 'stride', 'padding'],
    outputs: ['size'],
    run: (args) => outputSize('conv2d_output_size', args, 'width'),
  },
  {
    // A mistake, named when it is what came back: square images assumed.
    name: 'conv2d_output_size_from_height',
    summary: "conv2d_output_size with W' computed from H instead of W (the square-image mistake)",
    inputs: ['input_size', 'kernel_size', 'filters', 'stride', 'padding'],
    outputs: ['size'],
    run: (args) => outputSize('conv2d_output_size_from_height', args, 'height'),
  },
  defineOp(
    {
      name: 'as_column',
      summary: 'x (any shape) as a column (size, 1), its values in C order: a vector as an Octave hand-in returns it',
      inputs: ['x'],
      outputs: ['column'],
    },
    (a) => {
      const x = a.t('x');
      return { column: tensor([x.data.length, 1], x.data, x.dtype) };
    },
  ),
  defineOp(
    {
      name: 'last_row',
      summary: 'the last row (d,) of x (n, d), n >= 1: the final iterate of a path',
      inputs: ['x'],
      outputs: ['row'],
    },
    (a) => {
      const x = a.t('x');
      expectDims('last_row', 'x', x, 2);
      const [n, d] = x.shape;
      if (n < 1) throw new Error('last_row: x has no rows');
      return { row: tensor([d], x.data.slice((n - 1) * d), x.dtype) };
    },
  ),
];
