/**
 * The data layer of training checks: idx and npz reading, the bundled subset, seeded
 * class-balanced draws, the layouts images are presented in (checked against numpy), and the
 * split between what the student's process gets and what the grader keeps.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { DATASETS, loadDataSet, resolveData } from '../../harness/data/datasets.ts';
import { balancedDraw } from '../../harness/data/draw.ts';
import { decodeIdx, readIdx } from '../../harness/data/idx.ts';
import { present } from '../../harness/data/layout.ts';
import { isByteArray, trainData } from '../../harness/data/train.ts';
import { writeNpyBytes } from '../../harness/tensor/npy.ts';
import { writeNpz } from '../../harness/tensor/npz.ts';
import { Rng } from '../../harness/tensor/random.ts';
import { tensor } from '../../harness/tensor/tensor.ts';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'dlgrade-data-'));

function idxBytes(shape: number[], values: number[]): Uint8Array {
  const head = new Uint8Array(4 + 4 * shape.length);
  head[2] = 0x08;
  head[3] = shape.length;
  const view = new DataView(head.buffer);
  shape.forEach((d, i) => view.setUint32(4 + 4 * i, d, false));
  return Uint8Array.from([...head, ...values]);
}

const perClass = (labels: ArrayLike<number>, classes: number) => Array.from({ length: classes }, (_, c) => Array.from(labels).filter((y) => y === c).length);

describe('idx files', () => {
  it('reads the header and the bytes, gzipped or not', () => {
    const bytes = idxBytes([2, 2, 3], [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 255]);
    expect(decodeIdx(bytes)).toEqual({ shape: [2, 2, 3], data: Uint8Array.from([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 255]) });
    fs.writeFileSync(path.join(tmp, 'a-idx3-ubyte.gz'), gzipSync(bytes));
    expect(readIdx(path.join(tmp, 'a-idx3-ubyte.gz')).shape).toEqual([2, 2, 3]);
  });
  it('says what is wrong with a file that is not one', () => {
    expect(() => decodeIdx(Uint8Array.from([1, 2, 3, 4]))).toThrow(/not an idx file/);
    expect(() => decodeIdx(Uint8Array.from([0, 0, 0x0d, 1, 0, 0, 0, 1, 0, 0, 0, 0]))).toThrow(/idx type 0xd is not supported/);
    expect(() => decodeIdx(idxBytes([3, 2], [1, 2, 3]))).toThrow(/header says 3x2 = 6 bytes of data, the file has 3/);
  });
});

describe('data sets', () => {
  it('the bundled subset: 6000 training and 1000 held-out images, 28x28, classes balanced', () => {
    const ds = loadDataSet('fashion-mnist', resolveData('fashion-mnist'));
    expect(ds.bundled).toBe(true);
    expect([ds.train.count, ds.train.height, ds.train.width, ds.test.count]).toEqual([6000, 28, 28, 1000]);
    expect(perClass(ds.train.labels, 10)).toEqual(new Array(10).fill(600));
    expect(perClass(ds.test.labels, 10)).toEqual(new Array(10).fill(100));
    expect(fs.statSync(DATASETS['fashion-mnist'].bundled).size).toBeLessThan(4e6);
  });

  it('reads a folder of idx files and a folder holding one .npz in Keras\'s layout', () => {
    const idxDir = path.join(tmp, 'idx');
    fs.mkdirSync(idxDir);
    const images = (n: number) => idxBytes([n, 2, 2], Array.from({ length: 4 * n }, (_, i) => i % 256));
    fs.writeFileSync(path.join(idxDir, 'train-images-idx3-ubyte'), images(20));
    fs.writeFileSync(path.join(idxDir, 'train-labels-idx1-ubyte.gz'), gzipSync(idxBytes([20], Array.from({ length: 20 }, (_, i) => i % 10))));
    fs.writeFileSync(path.join(idxDir, 't10k-images-idx3-ubyte'), images(10));
    fs.writeFileSync(path.join(idxDir, 't10k-labels-idx1-ubyte'), idxBytes([10], Array.from({ length: 10 }, (_, i) => i)));
    const a = loadDataSet('fashion-mnist', resolveData('fashion-mnist', idxDir));
    expect([a.train.count, a.test.count, a.bundled]).toEqual([20, 10, false]);

    const npzDir = path.join(tmp, 'npz');
    fs.mkdirSync(npzDir);
    writeNpz(path.join(npzDir, 'mnist.npz'), {
      x_train: tensor([3, 2, 2], new Array(12).fill(7), 'uint8'), y_train: tensor([3], [0, 1, 2], 'int64'),
      x_test: tensor([1, 2, 2], [1, 2, 3, 4], 'uint8'), y_test: tensor([1], [9], 'int64'),
    });
    const b = loadDataSet('fashion-mnist', resolveData('fashion-mnist', npzDir));
    expect(Array.from(b.test.labels)).toEqual([9]);
    expect(Array.from(b.test.images)).toEqual([1, 2, 3, 4]);
  });

  it('refuses labels outside the classes and a folder with neither form', () => {
    const bad = path.join(tmp, 'bad.npz');
    writeNpz(bad, {
      x_train: tensor([1, 1, 1], [0], 'uint8'), y_train: tensor([1], [12], 'int64'),
      x_test: tensor([1, 1, 1], [0], 'uint8'), y_test: tensor([1], [0], 'int64'),
    });
    expect(() => loadDataSet('fashion-mnist', bad)).toThrow(/training label 0 is 12, not a class of fashion-mnist/);
    const empty = fs.mkdtempSync(path.join(tmp, 'empty-'));
    expect(() => loadDataSet('fashion-mnist', empty)).toThrow(/expected the four idx files .* or exactly one \.npz, found neither/);
    expect(() => resolveData('fashion-mnist', path.join(tmp, 'nowhere'))).toThrow(/no such file or folder/);
  });
});

describe('balanced draws', () => {
  const labels = Uint8Array.from({ length: 1000 }, (_, i) => (i * 7) % 10);
  it('takes as many of each class as the count allows, without repeats, the same for the same seed', () => {
    const rows = balancedDraw(labels, 95, 10, new Rng('x'));
    expect(new Set(rows).size).toBe(95);
    const counts = perClass(rows.map((r) => labels[r]), 10);
    expect(Math.max(...counts) - Math.min(...counts)).toBe(1);
    expect(balancedDraw(labels, 95, 10, new Rng('x'))).toEqual(rows);
    expect(balancedDraw(labels, 95, 10, new Rng('y'))).not.toEqual(rows);
  });
  it('refuses to draw more than there is', () => {
    expect(() => balancedDraw(labels, 1001, 10, new Rng('x'))).toThrow(/cannot draw 1001 examples from 1000/);
  });
});

describe('layouts', () => {
  const set = { images: Uint8Array.from({ length: 3 * 28 * 28 }, (_, i) => (i * 31) % 256), labels: Uint8Array.from([0, 1, 2]), count: 3, height: 28, width: 28 };
  it('flat, hw and nhwc keep the bytes and change the shape', () => {
    expect(present(set, [2, 0], 'flat').shape).toEqual([2, 784]);
    expect(present(set, [2, 0], 'hw').shape).toEqual([2, 28, 28]);
    expect(present(set, [2, 0], 'nhwc').shape).toEqual([2, 28, 28, 1]);
    expect(Array.from(present(set, [2], 'flat').bytes)).toEqual(Array.from(set.images.subarray(2 * 784)));
  });
  it('nhwc32x3 is what numpy\'s pad and repeat make of the images', () => {
    const file = path.join(tmp, 'padded.npy');
    const p = present(set, [1, 2, 0], 'nhwc32x3');
    expect(p.shape).toEqual([3, 32, 32, 3]);
    writeNpyBytes(file, p.shape, p.bytes);
    fs.writeFileSync(path.join(tmp, 'raw.bin'), set.images);
    const out = execFileSync('python3', ['-c', `import numpy as np
x = np.fromfile("raw.bin", dtype=np.uint8).reshape(3, 28, 28)[[1, 2, 0]]
want = np.repeat(np.pad(x, ((0, 0), (2, 2), (2, 2)))[..., None], 3, axis=-1)
got = np.load("padded.npy")
print(got.dtype, got.shape, bool(np.array_equal(got, want)))`], { cwd: tmp }).toString().trim();
    expect(out).toBe('uint8 (3, 32, 32, 3) True');
  });
});

describe('the data of a train case', () => {
  const spec = { data: 'fashion-mnist' as const, layout: 'flat' as const, examples: 500, held_out: 200, epochs: 2, seconds: 10 };
  it('sends training images with labels and held-out images without; keeps the held-out labels', () => {
    const d = trainData(spec, 'seed-a');
    expect(Object.keys(d.sent).sort()).toEqual(['classes', 'epochs', 'test_images', 'train_images', 'train_labels']);
    expect(Object.keys(d.kept)).toEqual(['test_labels']);
    expect(isByteArray(d.sent.train_images) && d.sent.train_images.shape).toEqual([500, 784]);
    expect(isByteArray(d.sent.test_images) && d.sent.test_images.shape).toEqual([200, 784]);
    expect(perClass(d.kept.test_labels.data, 10)).toEqual(new Array(10).fill(20));
    expect(d.testImages().shape).toEqual([200, 784]);
  });
  it('draws the training examples from the case\'s seed, and always holds out the same images', () => {
    const a = trainData(spec, 'seed-a'), b = trainData(spec, 'seed-b');
    const bytes = (x: unknown) => Buffer.from((x as { bytes: Uint8Array }).bytes);
    expect(bytes(a.sent.train_images).equals(bytes(b.sent.train_images))).toBe(false);
    expect(bytes(a.sent.test_images).equals(bytes(b.sent.test_images))).toBe(true);
    expect(Array.from(a.kept.test_labels.data)).toEqual(Array.from(b.kept.test_labels.data));
  });
  it('refuses a budget larger than the data set', () => {
    expect(() => trainData({ ...spec, examples: 7000 }, 's')).toThrow(/asks for 7000 training examples; bundled subset .* has 6000/);
  });
});
