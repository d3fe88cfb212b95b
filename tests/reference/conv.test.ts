import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { Rng } from '../../harness/tensor/random.ts';
import { type Tensor, scalar, sizeOf, tensor } from '../../harness/tensor/tensor.ts';
import {
  cnnOps,
  conv2dBackward,
  conv2dForward,
  conv2dNchw,
  conv2dNchwFlipped,
  conv2dNchwSame,
  conv2dOutputShape,
  maxpoolBackward,
  maxpoolForward,
  testCnnBackward,
  testCnnForward,
} from '../../reference/ops/conv.ts';
import { findOp } from '../../reference/registry.ts';
import { numericGradient, relError } from '../helpers/numgrad.ts';

const randn = (rng: Rng, shape: number[]): Tensor => tensor(shape, rng.normals(sizeOf(shape)));
/** np.linspace(a, b, num=prod(shape)).reshape(shape) */
const linspace = (a: number, b: number, shape: number[]): Tensor => {
  const n = sizeOf(shape);
  return tensor(shape, Array.from({ length: n }, (_, i) => (n === 1 ? a : a + ((b - a) * i) / (n - 1))));
};
const op = (name: string) => {
  const found = cnnOps.find((o) => o.name === name);
  if (!found) throw new Error(`no op ${name}`);
  return found;
};
const sum = (t: Tensor) => t.data.reduce((s, v) => s + v, 0);

/** Reorder the axes of a 4-d tensor: out axis i is input axis perm[i]. */
function permute(t: Tensor, perm: number[]): Tensor {
  const shape = perm.map((p) => t.shape[p]);
  const inStrides = [1, 2, 3, 0].map(() => 0);
  for (let i = 3, s = 1; i >= 0; i--) { inStrides[i] = s; s *= t.shape[i]; }
  const out = new Float64Array(t.data.length);
  let at = 0;
  for (let a = 0; a < shape[0]; a++) for (let b = 0; b < shape[1]; b++) for (let c = 0; c < shape[2]; c++) for (let d = 0; d < shape[3]; d++) {
    const idx = [a, b, c, d];
    let src = 0;
    for (let i = 0; i < 4; i++) src += idx[i] * inStrides[perm[i]];
    out[at++] = t.data[src];
  }
  return tensor(shape, out);
}

describe('conv2d_forward / conv2d_backward by hand', () => {
  // x = [[1,2,3],[4,5,6],[7,8,9]], w = [[1,2],[3,4]], b = 0.5, stride 1, no padding:
  //   out[0,0] = 1*1 + 2*2 + 4*3 + 5*4 = 37      out[0,1] = 2*1 + 3*2 + 5*3 + 6*4 = 47
  //   out[1,0] = 4*1 + 5*2 + 7*3 + 8*4 = 67      out[1,1] = 5*1 + 6*2 + 8*3 + 9*4 = 77   (+0.5 each)
  // With dout = ones: db = 4 (four outputs); dw[di,dj] = sum of the x each tap saw:
  //   dw[0,0] = 1+2+4+5 = 12, dw[0,1] = 2+3+5+6 = 16, dw[1,0] = 4+5+7+8 = 24, dw[1,1] = 5+6+8+9 = 28;
  // dx[r,c] = sum of the weights that touched pixel (r,c):
  //   [[1, 1+2, 2], [1+3, 1+2+3+4, 2+4], [3, 3+4, 4]] = [[1,3,2],[4,10,6],[3,7,4]].
  const x = tensor([1, 3, 3, 1], [1, 2, 3, 4, 5, 6, 7, 8, 9]);
  const w = tensor([2, 2, 1, 1], [1, 2, 3, 4]);
  const b = tensor([1], [0.5]);

  it('forward of a 3x3 image with a 2x2 kernel', () => {
    const out = conv2dForward(x, w, b, 1, 0);
    expect(out.shape).toEqual([1, 2, 2, 1]);
    expect(Array.from(out.data)).toEqual([37.5, 47.5, 67.5, 77.5]);
  });

  it('backward of the same with dout = ones', () => {
    const { dx, dw, db } = conv2dBackward(x, w, b, 1, 0, tensor([1, 2, 2, 1], [1, 1, 1, 1]));
    expect(Array.from(db.data)).toEqual([4]);
    expect(Array.from(dw.data)).toEqual([12, 16, 24, 28]);
    expect(Array.from(dx.data)).toEqual([1, 3, 2, 4, 10, 6, 3, 7, 4]);
  });

  it('stride 2 with padding 1', () => {
    // Padded to 5x5 with x in rows/cols 1..3; H' = (3 + 2 - 2)//2 + 1 = 2. The windows start at
    // padded (0,0), (0,2), (2,0), (2,2); pixel (r,c) of x is padded (r+1, c+1):
    //   out[0,0]: only x[0,0]=1 under w[1,1]=4                    -> 4
    //   out[0,1]: x[0,1]=2 under w[1,0]=3, x[0,2]=3 under w[1,1]=4 -> 6 + 12 = 18
    //   out[1,0]: x[1,0]=4 under w[0,1]=2, x[2,0]=7 under w[1,1]=4 -> 8 + 28 = 36
    //   out[1,1]: x[1,1..2], x[2,1..2] under all four              -> 5 + 12 + 24 + 36 = 77
    // The bottom/right padding row is never reached (the last window ends at padded index 3).
    const out = conv2dForward(x, w, tensor([1], [0]), 2, 1);
    expect(out.shape).toEqual([1, 2, 2, 1]);
    expect(Array.from(out.data)).toEqual([4, 18, 36, 77]);
    // Each pixel is under exactly one tap here, so dx with dout = ones is that tap's weight:
    // x[0,0] under w[1,1]; x[0,1], x[0,2] under w[1,0], w[1,1]; and so on.
    const { dx } = conv2dBackward(x, w, tensor([1], [0]), 2, 1, tensor([1, 2, 2, 1], [1, 1, 1, 1]));
    expect(Array.from(dx.data)).toEqual([4, 3, 4, 2, 1, 2, 4, 3, 4]);
  });

  it('output size (H + 2p - k)//s + 1, the course\'s get_output_size case', () => {
    expect(conv2dOutputShape([32, 28, 28, 3], [4, 4, 3, 16], 2, 3)).toEqual([32, 16, 16, 16]);
    const rng = new Rng('conv-shape');
    const out = conv2dForward(randn(rng, [1, 28, 28, 3]), randn(rng, [4, 4, 3, 16]), randn(rng, [16]), 2, 3);
    expect(out.shape).toEqual([1, 16, 16, 16]);
    // Non-square input and a stride that does not divide evenly: (7 + 2 - 3)//3 + 1 = 3, (4 + 2 - 3)//3 + 1 = 2.
    expect(conv2dForward(randn(rng, [2, 7, 4, 2]), randn(rng, [3, 3, 2, 5]), randn(rng, [5]), 3, 1).shape).toEqual([2, 3, 2, 5]);
  });

  it('the ops: conv2d_output_size, and the square-image mistake that takes the width from the height', () => {
    const args = { input_size: tensor([4], [5, 11, 9, 2], 'int64'), kernel_size: scalar(3), filters: scalar(7), stride: scalar(3), padding: scalar(1) };
    // (11 + 2 - 3)//3 + 1 = 4 and (9 + 2 - 3)//3 + 1 = 3.
    expect(Array.from(findOp('conv2d_output_size')!.run(args).size.data)).toEqual([5, 4, 3, 7]);
    expect(Array.from(findOp('conv2d_output_size_from_height')!.run(args).size.data)).toEqual([5, 4, 4, 7]);
  });

  it('the published forward case has the expected shape and corner value', () => {
    const xs = linspace(-0.1, 0.4, [1, 8, 8, 1]);
    const ws = linspace(-0.2, 0.2, [5, 5, 1, 2]);
    const bs = linspace(-0.3, 0.3, [2]);
    const out = conv2dForward(xs, ws, bs, 1, 0);
    expect(out.shape).toEqual([1, 4, 4, 2]);
    // out[0,0,0,f] = b[f] + sum_{di,dj} x[di,dj] * w[di,dj,0,f], written out directly.
    for (let f = 0; f < 2; f++) {
      let s = bs.data[f];
      for (let di = 0; di < 5; di++) for (let dj = 0; dj < 5; dj++) s += xs.data[di * 8 + dj] * ws.data[(di * 5 + dj) * 2 + f];
      expect(out.data[f]).toBeCloseTo(s, 14);
    }
  });
});

describe('conv2d_backward against finite differences', () => {
  // [N, H, W, C, kh, kw, F, stride, padding]
  const configs: number[][] = [
    [2, 5, 5, 1, 3, 3, 1, 1, 0],
    [2, 7, 5, 3, 3, 3, 4, 2, 1],
    [3, 6, 9, 2, 2, 2, 3, 3, 2],
    [2, 8, 8, 3, 4, 4, 5, 2, 1],
    [2, 5, 6, 2, 5, 5, 3, 1, 2],
    [1, 6, 7, 2, 2, 3, 3, 1, 1],
    [2, 4, 4, 2, 1, 1, 2, 1, 0],
  ];
  for (const [N, H, W, C, KH, KW, F, s, p] of configs) {
    it(`x (${N},${H},${W},${C}), w (${KH},${KW},${C},${F}), stride ${s}, padding ${p}`, () => {
      const rng = new Rng(`conv-grad/${[N, H, W, C, KH, KW, F, s, p]}`);
      const x = randn(rng, [N, H, W, C]);
      const w = randn(rng, [KH, KW, C, F]);
      const b = randn(rng, [F]);
      const dout = randn(rng, conv2dOutputShape(x.shape, w.shape, s, p));
      const { dx, dw, db } = conv2dBackward(x, w, b, s, p, dout);
      // The convolution is linear in each argument, so centred differences have no truncation
      // error; a large step only makes rounding smaller.
      const h = 1e-2;
      expect(relError(dx, numericGradient((t) => conv2dForward(t, w, b, s, p), x, dout, h))).toBeLessThan(1e-9);
      expect(relError(dw, numericGradient((t) => conv2dForward(x, t, b, s, p), w, dout, h))).toBeLessThan(1e-9);
      expect(relError(db, numericGradient((t) => conv2dForward(x, w, t, s, p), b, dout, h))).toBeLessThan(1e-9);
    });
  }
});

describe('maxpool', () => {
  it('the published forward case: pool 4, stride 2 on an increasing 8x8 ramp', () => {
    // linspace increases in row-major order, so each window's max is its bottom-right element:
    // out[i,j] = x[2i+3, 2j+3].
    const x = linspace(-0.1, 0.4, [1, 8, 8, 1]);
    const out = maxpoolForward(x, 4, 2);
    expect(out.shape).toEqual([1, 3, 3, 1]);
    for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) expect(out.data[i * 3 + j]).toBe(x.data[(2 * i + 3) * 8 + 2 * j + 3]);
  });

  it('a 4x4 by hand, with a tie', () => {
    // windows (pool 2, stride 2):  [1 3]  [2 0]     [4 4]  [1 5]
    //                              [3 2]  [1 2]     [0 4]  [5 5]
    const x = tensor([1, 4, 4, 1], [1, 3, 2, 0, 3, 2, 1, 2, 4, 4, 1, 5, 0, 4, 5, 5]);
    expect(Array.from(maxpoolForward(x, 2, 2).data)).toEqual([3, 2, 4, 5]);
    const dout = tensor([1, 2, 2, 1], [10, 20, 30, 40]);
    // Every window is tied; the first maximum in row-major window order is at (0,1), (0,2),
    // (2,0) and (2,3), flat indices 1, 2, 8, 11.
    expect(Array.from(maxpoolBackward(x, 2, 2, dout, 'first').data)).toEqual(
      [0, 10, 20, 0, 0, 0, 0, 0, 30, 0, 0, 40, 0, 0, 0, 0],
    );
    // The split rule shares 10 between the two 3s, 20 between the two 2s, 30 among three 4s, 40 among three 5s.
    expect(Array.from(maxpoolBackward(x, 2, 2, dout, 'split').data)).toEqual(
      [0, 5, 10, 0, 5, 0, 0, 10, 10, 10, 0, 40 / 3, 0, 10, 40 / 3, 40 / 3],
    );
    expect(Array.from(maxpoolBackward(x, 2, 2, dout, 'all').data)).toEqual(
      [0, 10, 20, 0, 10, 0, 0, 20, 30, 30, 0, 40, 0, 30, 40, 40],
    );
  });

  // [N, H, W, C, pool, stride]
  const configs: number[][] = [
    [2, 4, 4, 3, 2, 2],
    [2, 8, 8, 3, 4, 2],
    [3, 7, 5, 2, 3, 1],
    [1, 9, 6, 2, 3, 2],
    [2, 5, 5, 1, 2, 3],
  ];
  for (const [N, H, W, C, pool, s] of configs) {
    it(`backward against finite differences: x (${N},${H},${W},${C}), pool ${pool}, stride ${s}`, () => {
      const rng = new Rng(`pool-grad/${[N, H, W, C, pool, s]}`);
      const x = randn(rng, [N, H, W, C]);
      const dout = randn(rng, maxpoolForward(x, pool, s).shape);
      // Random normal inputs have no ties, so max is linear within a small step of x.
      const num = numericGradient((t) => maxpoolForward(t, pool, s), x, dout, 1e-6);
      expect(relError(maxpoolBackward(x, pool, s, dout), num)).toBeLessThan(1e-8);
      expect(relError(maxpoolBackward(x, pool, s, dout, 'split'), num)).toBeLessThan(1e-8);
    });
  }

  it('with ties and overlapping windows: first-max and split are subgradients, all-ties is not', () => {
    const rng = new Rng('pool-ties');
    const shape = [2, 8, 8, 3];
    const x = tensor(shape, Array.from({ length: sizeOf(shape) }, () => rng.int(0, 3)));
    const outShape = maxpoolForward(x, 4, 2).shape;
    const dout = tensor(outShape, Array.from({ length: sizeOf(outShape) }, () => 0.5 + rng.uniform()));
    const first = maxpoolBackward(x, 4, 2, dout, 'first');
    const split = maxpoolBackward(x, 4, 2, dout, 'split');
    const all = maxpoolBackward(x, 4, 2, dout, 'all');
    // Each window hands out exactly its dout under either valid rule.
    expect(sum(first)).toBeCloseTo(sum(dout), 10);
    expect(sum(split)).toBeCloseTo(sum(dout), 10);
    expect(relError(first, split)).toBeGreaterThan(0.1);
    // With positive dout, L(x) = sum dout * maxpool(x) is convex, and g is a subgradient iff
    // L(x + d) >= L(x) + <g, d> for every direction d.
    const L = (t: Tensor) => maxpoolForward(t, 4, 2).data.reduce((s, v, i) => s + v * dout.data[i], 0);
    const dot = (g: Tensor, d: Float64Array) => g.data.reduce((s, v, i) => s + v * d[i], 0);
    for (let trial = 0; trial < 20; trial++) {
      const d = rng.normals(x.data.length).map((v) => 0.1 * v);
      const moved = tensor(shape, x.data.map((v, i) => v + d[i]));
      expect(L(moved) - L(x)).toBeGreaterThanOrEqual(dot(first, d) - 1e-12);
      expect(L(moved) - L(x)).toBeGreaterThanOrEqual(dot(split, d) - 1e-12);
    }
    // Sending everything to every tied maximum hands out more than dout...
    expect(sum(all)).toBeGreaterThan(sum(dout) + 1);
    // ...and fails the inequality in the direction that raises every element by 0.01: every
    // window max rises by exactly 0.01, but <all, d> counts tied windows several times.
    const up = new Float64Array(x.data.length).fill(0.01);
    expect(L(tensor(shape, x.data.map((v) => v + 0.01))) - L(x)).toBeLessThan(dot(all, up) - 1e-6);
  });
});

describe('conv2d_nchw and its wrong variants', () => {
  const rng = new Rng('nchw');
  const images = tensor([5, 1, 28, 28], Array.from({ length: 5 * 28 * 28 }, () => rng.int(0, 256)), 'uint8');
  const kernel = randn(rng, [8, 1, 4, 4]);

  it('equals conv2d_forward after moving the channel axis (NCHW <-> NHWC)', () => {
    const x = randn(rng, [3, 2, 7, 6]);
    const k = randn(rng, [4, 2, 3, 2]);
    const viaNhwc = conv2dForward(permute(x, [0, 2, 3, 1]), permute(k, [2, 3, 1, 0]), tensor([4], [0, 0, 0, 0]), 1, 0);
    const out = conv2dNchw(x, k);
    expect(out.shape).toEqual([3, 4, 5, 5]);
    expect(relError(out, permute(viaNhwc, [0, 3, 1, 2]))).toBeLessThan(1e-12);
  });

  it('takes uint8 images (computed in float64) and returns the valid size', () => {
    const out = conv2dNchw(images, kernel);
    expect(out.dtype).toBe('float64');
    expect(out.shape).toEqual([5, 8, 25, 25]);
    // No uint8 wrap-around: one output written out.
    let s = 0;
    for (let di = 0; di < 4; di++) for (let dj = 0; dj < 4; dj++) s += images.data[(10 + di) * 28 + 3 + dj] * kernel.data[di * 4 + dj];
    expect(out.data[10 * 25 + 3]).toBeCloseTo(s, 9);
  });

  it('the flipped variant is conv2d_nchw with the kernel turned 180 degrees, and differs from it', () => {
    const turned = tensor(kernel.shape, new Float64Array(kernel.data.length));
    for (let f = 0; f < 8; f++) for (let i = 0; i < 4; i++) for (let j = 0; j < 4; j++) {
      turned.data[f * 16 + i * 4 + j] = kernel.data[f * 16 + (3 - i) * 4 + (3 - j)];
    }
    const flipped = conv2dNchwFlipped(images, kernel);
    expect(relError(flipped, conv2dNchw(images, turned))).toBeLessThan(1e-14);
    expect(relError(flipped, conv2dNchw(images, kernel))).toBeGreaterThan(0.1);
  });

  it('the same-size variant pads (k-1)//2 before: its interior is the valid output shifted', () => {
    const same = conv2dNchwSame(images, kernel);
    const valid = conv2dNchw(images, kernel);
    expect(same.shape).toEqual([5, 8, 28, 28]);
    // k = 4: one row/column of padding before, two after, so same[i+1, j+1] = valid[i, j].
    for (const [n, f, i, j] of [[0, 0, 0, 0], [4, 7, 24, 24], [2, 3, 11, 17]]) {
      expect(same.data[((n * 8 + f) * 28 + i + 1) * 28 + j + 1]).toBeCloseTo(valid.data[((n * 8 + f) * 25 + i) * 25 + j], 9);
    }
    const odd = randn(rng, [2, 1, 3, 3]);
    const sameOdd = conv2dNchwSame(images, odd);
    const validOdd = conv2dNchw(images, odd);
    // k = 3: one before and one after, so same[1, 1] = valid[0, 0].
    expect(sameOdd.shape).toEqual([5, 2, 28, 28]);
    expect(sameOdd.data[1 * 28 + 1]).toBeCloseTo(validOdd.data[0], 9);
  });

  it('rejects a kernel with the wrong channel count or larger than the image', () => {
    expect(() => conv2dNchw(images, randn(rng, [2, 3, 3, 3]))).toThrow(/channels/);
    expect(() => conv2dNchw(randn(rng, [1, 1, 3, 3]), randn(rng, [1, 1, 4, 2]))).toThrow(/larger than/);
    expect(() => conv2dNchw(randn(rng, [1, 3, 3]), kernel)).toThrow(/4-d/);
  });
});

describe('test_cnn', () => {
  const rng = new Rng('test-cnn');
  const x = randn(rng, [2, 8, 8, 3]);
  const convW = randn(rng, [3, 3, 3, 3]);
  const convB = randn(rng, [3]);
  const fcW = randn(rng, [27, 5]);
  const fcB = randn(rng, [5]);

  it('scores for the published case have shape (4, 5)', () => {
    const scores = testCnnForward(
      linspace(-5.5, 4.5, [4, 8, 8, 3]), linspace(-0.7, 0.3, [3, 3, 3, 3]), linspace(-0.6, 0.2, [3]),
      linspace(-0.2, 0.2, [27, 5]), linspace(-0.9, 0.1, [5]),
    );
    expect(scores.shape).toEqual([4, 5]);
    expect(scores.data.every(Number.isFinite)).toBe(true);
  });

  it('flattens the pooled (N,3,3,3) map in NHWC C order: feature (i*3 + j)*3 + c', () => {
    const pooled = maxpoolForward(conv2dForward(x, convW, convB, 1, 0), 2, 2);
    const pick = tensor([27, 5], new Float64Array(27 * 5));
    pick.data[((1 * 3 + 2) * 3 + 0) * 5 + 3] = 1; // score 3 reads pooled[n, 1, 2, 0]
    const scores = testCnnForward(x, convW, convB, pick, tensor([5], [0, 0, 0, 0, 0]));
    for (let n = 0; n < 2; n++) expect(scores.data[n * 5 + 3]).toBe(pooled.data[((n * 3 + 1) * 3 + 2) * 3 + 0]);
  });

  it('every gradient matches finite differences', () => {
    const dscores = randn(rng, [2, 5]);
    const g = testCnnBackward(x, convW, convB, fcW, fcB, dscores);
    // The network is piecewise linear (max pooling), so centred differences are exact as long as
    // the step moves no window's maximum to another element; 1e-4 is far below the gaps here.
    const h = 1e-4;
    expect(relError(g.dx, numericGradient((t) => testCnnForward(t, convW, convB, fcW, fcB), x, dscores, h))).toBeLessThan(1e-7);
    expect(relError(g.dconvW, numericGradient((t) => testCnnForward(x, t, convB, fcW, fcB), convW, dscores, h))).toBeLessThan(1e-7);
    expect(relError(g.dconvB, numericGradient((t) => testCnnForward(x, convW, t, fcW, fcB), convB, dscores, h))).toBeLessThan(1e-7);
    expect(relError(g.dfcW, numericGradient((t) => testCnnForward(x, convW, convB, t, fcB), fcW, dscores, h))).toBeLessThan(1e-7);
    expect(relError(g.dfcB, numericGradient((t) => testCnnForward(x, convW, convB, fcW, t), fcB, dscores, h))).toBeLessThan(1e-7);
  });

  it('rejects an fc layer that does not fit the pooled features', () => {
    expect(() => testCnnForward(x, convW, convB, randn(rng, [26, 5]), fcB)).toThrow(/flatten to 27/);
  });
});

describe('named ops and input checks', () => {
  const rng = new Rng('named');
  const x = randn(rng, [2, 6, 5, 3]);
  const w = randn(rng, [3, 3, 3, 4]);
  const b = randn(rng, [4]);

  it('conv2d_forward / conv2d_backward / maxpool by name give the plain functions\' answers', () => {
    const out = op('conv2d_forward').run({ x, w, b, stride: scalar(2, 'int64'), padding: scalar(1, 'int64') }).out;
    expect(relError(out, conv2dForward(x, w, b, 2, 1))).toBe(0);
    const dout = randn(rng, out.shape);
    const grads = op('conv2d_backward').run({ x, w, b, stride: scalar(2), padding: scalar(1), dout });
    expect(Object.keys(grads).sort()).toEqual(['db', 'dw', 'dx']);
    const pooled = op('maxpool_forward').run({ x, pool_size: scalar(2), stride: scalar(1) }).out;
    expect(pooled.shape).toEqual([2, 5, 4, 3]);
    for (const name of ['maxpool_backward', 'maxpool_backward_split', 'maxpool_backward_all_ties']) {
      expect(op(name).run({ x, pool_size: scalar(2), stride: scalar(1), dout: randn(rng, pooled.shape) }).dx.shape).toEqual(x.shape);
    }
    const cnn = op('test_cnn_backward').run({
      x: randn(rng, [2, 8, 8, 3]), conv_w: randn(rng, [3, 3, 3, 3]), conv_b: randn(rng, [3]),
      fc_w: randn(rng, [27, 5]), fc_b: randn(rng, [5]), dscores: randn(rng, [2, 5]),
    });
    expect(Object.keys(cnn).sort()).toEqual(['dconv_b', 'dconv_w', 'dfc_b', 'dfc_w', 'dx']);
  });

  it('malformed inputs fail with a message that names the problem', () => {
    expect(() => conv2dForward(x, randn(rng, [3, 3, 2, 4]), b, 1, 0)).toThrow(/input channels/);
    expect(() => conv2dForward(x, w, randn(rng, [3]), 1, 0)).toThrow(/b must have shape \[4\]/);
    expect(() => conv2dForward(x, randn(rng, [7, 7, 3, 4]), b, 1, 0)).toThrow(/larger than the 6x5 input padded by 0/);
    expect(() => conv2dForward(x, w, b, 1.5, 0)).toThrow(/stride must be an integer >= 1/);
    expect(() => conv2dForward(x, w, b, 0, 0)).toThrow(/stride must be an integer >= 1/);
    expect(() => conv2dForward(x, w, b, 1, -1)).toThrow(/padding must be an integer >= 0/);
    expect(() => conv2dBackward(x, w, b, 1, 0, randn(rng, [2, 4, 3, 5]))).toThrow(/dout must have shape \[2,4,3,4\]/);
    expect(() => maxpoolForward(x, 6, 1)).toThrow(/larger than the 6x5 input/);
    expect(() => maxpoolBackward(x, 2, 2, randn(rng, [2, 2, 2, 3]))).toThrow(/dout must have shape \[2,3,2,3\]/);
    expect(() => op('conv2d_forward').run({ x, w, b, stride: scalar(1) })).toThrow(/missing input 'padding'/);
    expect(() => op('conv2d_forward').run({ x, w, b, stride: scalar(1), padding: scalar(0), pad: scalar(1) })).toThrow(
      /unknown input 'pad'/,
    );
    expect(() => op('maxpool_forward').run({ x, pool_size: tensor([2], [2, 2]), stride: scalar(1) })).toThrow(/must be a scalar/);
  });
});

// ---- Cross-check with numpy / scipy ----

function pythonHasScipy(): boolean {
  try {
    // Look the modules up without importing them: importing scipy.signal alone takes seconds.
    const probe = 'import importlib.util as u, sys; sys.exit(0 if u.find_spec("numpy") and u.find_spec("scipy.signal") else 1)';
    execFileSync('python3', ['-c', probe], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const CROSS_CHECK = String.raw`
import json, sys
import numpy as np
from scipy import signal

case = json.load(sys.stdin)
x = np.array(case["x"], dtype=np.float64).reshape(case["x_shape"])
w = np.array(case["w"], dtype=np.float64).reshape(case["w_shape"])
b = np.array(case["b"], dtype=np.float64)
s, p = case["stride"], case["padding"]
N, H, W, C = x.shape
k1, k2, _, F = w.shape
xp = np.pad(x, ((0, 0), (p, p), (p, p), (0, 0)))
Ho, Wo = (H + 2 * p - k1) // s + 1, (W + 2 * p - k2) // s + 1
conv = np.zeros((N, Ho, Wo, F))
for i in range(Ho):
    for j in range(Wo):
        patch = xp[:, i * s:i * s + k1, j * s:j * s + k2, :]
        conv[:, i, j, :] = np.tensordot(patch, w, axes=([1, 2, 3], [0, 1, 2])) + b

img = np.array(case["img"], dtype=np.uint8).reshape(case["img_shape"])
ker = np.array(case["ker"], dtype=np.float64).reshape(case["ker_shape"])
def corr(mode):
    return np.stack([
        np.stack([sum(signal.correlate(img[n, c], ker[f, c], mode=mode) for c in range(img.shape[1]))
                  for f in range(ker.shape[0])])
        for n in range(img.shape[0])])
json.dump({"conv": conv.ravel().tolist(), "valid": corr("valid").ravel().tolist(),
           "same": corr("same").ravel().tolist()}, sys.stdout)
`;

describe.skipIf(!pythonHasScipy())('cross-check with numpy and scipy', () => {
  it('conv2d_forward equals a numpy loop and conv2d_nchw equals scipy.signal.correlate', () => {
    const rng = new Rng('scipy');
    const x = randn(rng, [2, 7, 6, 3]);
    const w = randn(rng, [3, 3, 3, 4]);
    const b = randn(rng, [4]);
    const img = tensor([2, 2, 9, 8], Array.from({ length: 2 * 2 * 9 * 8 }, () => rng.int(0, 256)), 'uint8');
    const ker = randn(rng, [3, 2, 4, 3]);
    const stride = 2, padding = 1;
    const reply = JSON.parse(
      execFileSync('python3', ['-c', CROSS_CHECK], {
        input: JSON.stringify({
          x: Array.from(x.data), x_shape: x.shape, w: Array.from(w.data), w_shape: w.shape, b: Array.from(b.data),
          stride, padding, img: Array.from(img.data), img_shape: img.shape, ker: Array.from(ker.data), ker_shape: ker.shape,
        }),
        encoding: 'utf8',
      }),
    ) as { conv: number[]; valid: number[]; same: number[] };
    expect(relError(conv2dForward(x, w, b, stride, padding).data, Float64Array.from(reply.conv))).toBeLessThan(1e-12);
    expect(relError(conv2dNchw(img, ker).data, Float64Array.from(reply.valid))).toBeLessThan(1e-12);
    // scipy's mode='same' centres an even kernel with k//2 padding before (here 2 rows, 1 column),
    // PyTorch's padding='same' with (k-1)//2 (1 row, 1 column): the op follows PyTorch, and the
    // 'scipy' anchor reproduces scipy.
    expect(relError(conv2dNchwSame(img, ker, 'scipy').data, Float64Array.from(reply.same))).toBeLessThan(1e-12);
    expect(relError(conv2dNchwSame(img, ker).data, Float64Array.from(reply.same))).toBeGreaterThan(1e-3);
  });
});
