/**
 * The subset of a data set bundled in fixtures/: a seeded, class-balanced draw from each split,
 * stored as a compressed .npz (the layout of Keras's mnist.npz) with the original row indices,
 * so anyone can check it against the full set. `dlgrade data subset` writes it.
 */
import { encodeNpz } from '../tensor/npz.ts';
import { Rng } from '../tensor/random.ts';
import { type Tensor, tensor } from '../tensor/tensor.ts';
import type { DataSet, ImageSet } from './datasets.ts';
import { balancedDraw } from './draw.ts';
import { present } from './layout.ts';

export interface SubsetOptions {
  train: number;
  test: number;
  seed: string;
}

export const SUBSET_DEFAULTS: SubsetOptions = { train: 6000, test: 1000, seed: 'dlgrade/fashion-mnist-subset/v1' };

export function subsetArrays(ds: DataSet, o: SubsetOptions): Record<string, Tensor> {
  // One generator per split, so changing the size of one split leaves the other alone.
  const trainRows = balancedDraw(ds.train.labels, o.train, ds.classes, new Rng(`${o.seed}/train`));
  const testRows = balancedDraw(ds.test.labels, o.test, ds.classes, new Rng(`${o.seed}/test`));
  const part = (set: ImageSet, rows: number[]) => ({
    x: tensor([rows.length, set.height, set.width], present(set, rows, 'hw').bytes, 'uint8'),
    y: tensor([rows.length], rows.map((r) => set.labels[r]), 'int64'),
    index: tensor([rows.length], rows, 'int64'),
  });
  const tr = part(ds.train, trainRows), te = part(ds.test, testRows);
  return { x_train: tr.x, y_train: tr.y, x_test: te.x, y_test: te.y, train_index: tr.index, test_index: te.index };
}

export const encodeSubset = (ds: DataSet, o: SubsetOptions): Uint8Array => encodeNpz(subsetArrays(ds, o), { compress: true });
