/** Output sizes, as the layers' get_output_size methods must compute them. */
import { type Tensor, tensor } from '../../harness/tensor/tensor.ts';
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
];
