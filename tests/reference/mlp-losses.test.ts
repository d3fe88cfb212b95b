import { describe, expect, it } from 'vitest';
import { Rng } from '../../harness/tensor/random.ts';
import { type Tensor, item, scalar, sizeOf, tensor } from '../../harness/tensor/tensor.ts';
import { crossEntropyBackward, crossEntropyForward, softmax } from '../../reference/ops/mlp.ts';
import { numericGradient, relError } from '../helpers/numgrad.ts';

const randn = (rng: Rng, shape: number[], scale = 1): Tensor =>
  tensor(shape, rng.normals(sizeOf(shape)).map((v) => v * scale));

const randLabels = (rng: Rng, n: number, c: number): Tensor =>
  tensor([n], Array.from({ length: n }, () => rng.int(0, c)), 'int64');

const values = (t: Tensor): number[] => Array.from(t.data);

describe('softmax', () => {
  it('turns [0, ln 2, ln 3] into [1, 2, 3] / 6', () => {
    // exp of the logits is [1, 2, 3], which sums to 6.
    const out = softmax(tensor([1, 3], [0, Math.log(2), Math.log(3)])).data;
    [1 / 6, 2 / 6, 3 / 6].forEach((p, j) => expect(Math.abs(out[j] - p)).toBeLessThan(1e-15));
  });

  it('gives rows that sum to 1', () => {
    const out = softmax(randn(new Rng('softmax/sum'), [4, 7], 10));
    for (let i = 0; i < 4; i++) {
      const row = out.data.subarray(i * 7, (i + 1) * 7);
      expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 14);
      row.forEach((p) => expect(p).toBeGreaterThanOrEqual(0));
    }
  });

  it('does not change when a constant is added to a row', () => {
    const rng = new Rng('softmax/shift');
    const x = randn(rng, [3, 5], 3);
    const shifts = [100, -250, 0.5];
    const shifted = tensor([3, 5], x.data.map((v, k) => v + shifts[Math.floor(k / 5)]));
    expect(relError(softmax(shifted), softmax(x))).toBeLessThan(1e-12);
  });

  it('stays finite for logits of +-1000', () => {
    // Equal logits share the mass equally whatever their size; a gap of 2000 leaves e^-2000 = 0.
    const out = softmax(tensor([3, 2], [1000, 1000, -1000, -1000, 1000, -1000]));
    expect(values(out)).toEqual([0.5, 0.5, 0.5, 0.5, 1, 0]);
  });

  it('rejects anything but a 2-d array', () => {
    expect(() => softmax(tensor([3], [1, 2, 3]))).toThrow(/x must be 2-d/);
    expect(() => softmax(tensor([1, 1, 2], [1, 2]))).toThrow(/x must be 2-d/);
    expect(() => softmax(tensor([2, 0], []))).toThrow(/at least one class/);
  });
});

describe('cross_entropy_forward / cross_entropy_backward', () => {
  it('is log C for uniform logits', () => {
    // softmax of equal logits is 1/C for every class, so the loss is -log(1/C) = log C.
    expect(item(crossEntropyForward(tensor([1, 5], [0, 0, 0, 0, 0]), tensor([1], [3])))).toBe(Math.log(5));
    const loss = item(crossEntropyForward(tensor([3, 4], new Float64Array(12)), tensor([3], [0, 3, 1])));
    expect(loss).toBeCloseTo(Math.log(4), 15);
  });

  it('matches a two-class case worked by hand', () => {
    // logits [0, ln 3]: exp = [1, 3], softmax = [1/4, 3/4].
    // label 0: -log(1/4) = ln 4; label 1: -log(3/4) = ln(4/3); mean of the two rows = (ln 4 + ln 4/3) / 2.
    const logits = tensor([2, 2], [0, Math.log(3), 0, Math.log(3)]);
    const labels = tensor([2], [0, 1]);
    const expectedSum = Math.log(4) + Math.log(4 / 3);
    expect(item(crossEntropyForward(logits, labels, false))).toBeCloseTo(expectedSum, 15);
    expect(item(crossEntropyForward(logits, labels))).toBeCloseTo(expectedSum / 2, 15);
    // softmax - onehot: row 0 [1/4 - 1, 3/4], row 1 [1/4, 3/4 - 1]; the average halves them.
    const summed = crossEntropyBackward(logits, labels, false).data;
    [-3 / 4, 3 / 4, 1 / 4, -1 / 4].forEach((g, k) => expect(summed[k]).toBeCloseTo(g, 15));
    const averaged = crossEntropyBackward(logits, labels).data;
    [-3 / 8, 3 / 8, 1 / 8, -1 / 8].forEach((g, k) => expect(averaged[k]).toBeCloseTo(g, 15));
  });

  it('does not overflow for large logits', () => {
    // logsumexp([1000, 0]) = 1000 + log(1 + e^-1000) = 1000 in double precision.
    const logits = tensor([1, 2], [1000, 0]);
    expect(item(crossEntropyForward(logits, tensor([1], [0])))).toBe(0);
    expect(item(crossEntropyForward(logits, tensor([1], [1])))).toBe(1000);
    expect(values(crossEntropyBackward(logits, tensor([1], [1])))).toEqual([1, -1]);
    // Two equal large logits: softmax [1/2, 1/2], loss ln 2, with no digits lost to the 1000s.
    expect(item(crossEntropyForward(tensor([1, 2], [1000, 1000]), tensor([1], [1])))).toBeCloseTo(Math.log(2), 15);
  });

  it('sums to N times the average when size_average is off', () => {
    const rng = new Rng('ce/sum');
    const logits = randn(rng, [6, 4], 3);
    const labels = randLabels(rng, 6, 4);
    const mean = item(crossEntropyForward(logits, labels, true));
    expect(item(crossEntropyForward(logits, labels, false))).toBeCloseTo(6 * mean, 12);
    const gMean = crossEntropyBackward(logits, labels, true);
    const gSum = crossEntropyBackward(logits, labels, false);
    expect(relError(gSum, gMean.data.map((g) => 6 * g))).toBeLessThan(1e-14);
  });

  it('has gradient rows that sum to 0', () => {
    // Each row is softmax (sums to 1) minus a one-hot (sums to 1).
    const rng = new Rng('ce/rows');
    const g = crossEntropyBackward(randn(rng, [4, 5], 2), randLabels(rng, 4, 5), false);
    for (let i = 0; i < 4; i++) expect(g.data.subarray(i * 5, i * 5 + 5).reduce((a, b) => a + b, 0)).toBeCloseTo(0, 15);
  });

  for (const sizeAverage of [true, false]) {
    it(`backward matches finite differences (size_average ${sizeAverage})`, () => {
      const rng = new Rng(`ce/grad/${sizeAverage}`);
      // O(1) logits keep every class probability, and so every gradient element, well above the
      // ~1e-11 error of a central difference with step 1e-5.
      const logits = randn(rng, [5, 3]);
      const labels = randLabels(rng, 5, 3);
      const numeric = numericGradient((z) => crossEntropyForward(z, labels, sizeAverage), logits, scalar(1), 1e-5);
      expect(relError(crossEntropyBackward(logits, labels, sizeAverage), numeric)).toBeLessThan(1e-7);
    });
  }

  it('returns a 0-d float64 loss', () => {
    const loss = crossEntropyForward(tensor([1, 2], [1, 2], 'float32'), tensor([1], [0], 'int64'));
    expect(loss.shape).toEqual([]);
    expect(loss.dtype).toBe('float64');
  });

  it('rejects bad labels and shapes', () => {
    const logits = tensor([2, 3], [1, 2, 3, 4, 5, 6]);
    expect(() => crossEntropyForward(logits, tensor([2], [0, 3]))).toThrow(/labels\[1\] = 3 is not a class index in \[0, 3\)/);
    expect(() => crossEntropyForward(logits, tensor([2], [-1, 0]))).toThrow(/labels\[0\] = -1/);
    expect(() => crossEntropyBackward(logits, tensor([2], [0, 1.5]))).toThrow(/labels\[1\] = 1.5/);
    expect(() => crossEntropyForward(logits, tensor([3], [0, 1, 2]))).toThrow(/labels must have shape \[2\]/);
    expect(() => crossEntropyForward(tensor([3], [1, 2, 3]), tensor([1], [0]))).toThrow(/logits must be 2-d/);
    expect(() => crossEntropyForward(tensor([0, 3], []), tensor([0], []))).toThrow(/at least one row/);
  });
});
