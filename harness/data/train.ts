/**
 * The data of one train-check case: training images with their labels and held-out images for
 * the student's process, held-out labels for the grader alone.
 */
import type { TrainSpec } from '../spec/types.ts';
import { Rng } from '../tensor/random.ts';
import { type Tensor, scalar, tensor } from '../tensor/tensor.ts';
import { type DataSet, loadDataSet, resolveData } from './datasets.ts';
import { balancedDraw } from './draw.ts';
import { DataError } from './idx.ts';
import { type ByteArray, present } from './layout.ts';

export interface TrainData {
  /** What the student's process gets: written into the workspace. */
  sent: Record<string, ByteArray | Tensor>;
  /** What never leaves the grader: the held-out labels. */
  kept: Record<string, Tensor>;
  /** The held-out images as a Tensor, for reference ops that evaluate returned parameters. */
  testImages(): Tensor;
  data: DataSet;
  examples: number;
  heldOut: number;
}

export const isByteArray = (v: ByteArray | Tensor): v is ByteArray => 'bytes' in v;

/**
 * `drawSeed` picks the training examples (the published or the grade-time seed of the case);
 * the held-out examples are fixed, so accuracies stay comparable between gradings.
 */
export function trainData(spec: TrainSpec, drawSeed: string, choice?: string): TrainData {
  const data = loadDataSet(spec.data, resolveData(spec.data, choice));
  const layout = spec.layout ?? 'flat';
  if (spec.examples > data.train.count) {
    throw new DataError(`the training check asks for ${spec.examples} training examples; ${data.source} has ${data.train.count}`);
  }
  const trainRows = balancedDraw(data.train.labels, spec.examples, data.classes, new Rng(drawSeed));
  const heldOut = Math.min(spec.held_out ?? data.test.count, data.test.count);
  const testRows = heldOut === data.test.count
    ? Array.from({ length: heldOut }, (_, i) => i)
    : balancedDraw(data.test.labels, heldOut, data.classes, new Rng(`held-out/${spec.data}/${heldOut}`));
  const testImages = present(data.test, testRows, layout);
  return {
    sent: {
      train_images: present(data.train, trainRows, layout),
      train_labels: tensor([trainRows.length], trainRows.map((r) => data.train.labels[r]), 'int64'),
      test_images: testImages,
      classes: scalar(data.classes, 'int64'),
      epochs: scalar(spec.epochs, 'int64'),
    },
    kept: { test_labels: tensor([heldOut], testRows.map((r) => data.test.labels[r]), 'int64') },
    testImages: () => tensor(testImages.shape, testImages.bytes, 'uint8'),
    data,
    examples: trainRows.length,
    heldOut,
  };
}
