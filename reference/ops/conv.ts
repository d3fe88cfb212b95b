/**
 * Convolution of the convolution-and-pooling homework, and the small CNN built from it.
 * Everything is cross-correlation (what deep-learning libraries call convolution):
 *   out[n, i, j, f] = b[f] + sum_{di, dj, c} xpad[n, i*s + di, j*s + dj, c] * w[di, dj, c, f]
 * where xpad is x with `padding` zeros on every side. Plain loops, one line of maths each.
 */
import type { Tensor } from '../../harness/tensor/tensor.ts';
import { matmul, rows, transpose } from '../nd.ts';
import type { RefOp } from '../op.ts';
import { defineOp, expectDims, expectInt, expectShape, f64, indexer } from './args.ts';
import { maxpoolBackward, maxpoolForward } from './pool.ts';

export * from './pool.ts';

// ---- NHWC convolution, weights (kh, kw, C, F) ----

interface ConvGeometry {
  N: number; H: number; W: number; C: number;
  KH: number; KW: number; F: number;
  HO: number; WO: number;
}

function convGeometry(op: string, x: Tensor, w: Tensor, b: Tensor, stride: number, padding: number): ConvGeometry {
  expectDims(op, 'x', x, 4);
  expectDims(op, 'w', w, 4);
  expectInt(op, 'stride', stride, 1);
  expectInt(op, 'padding', padding, 0);
  const [N, H, W, C] = x.shape;
  const [KH, KW, WC, F] = w.shape;
  if (WC !== C) throw new Error(`${op}: w of shape [${w.shape}] expects ${WC} input channels, x of shape [${x.shape}] has ${C}`);
  expectShape(op, 'b', b, [F]);
  if (KH > H + 2 * padding || KW > W + 2 * padding) {
    throw new Error(`${op}: the ${KH}x${KW} kernel is larger than the ${H}x${W} input padded by ${padding}`);
  }
  const HO = Math.floor((H + 2 * padding - KH) / stride) + 1;
  const WO = Math.floor((W + 2 * padding - KW) / stride) + 1;
  return { N, H, W, C, KH, KW, F, HO, WO };
}

/** (H + 2p - k) // s + 1 along each spatial axis: the output shape [N, H', W', F]. */
export function conv2dOutputShape(x: readonly number[], w: readonly number[], stride: number, padding: number): number[] {
  const out = (size: number, k: number) => Math.floor((size + 2 * padding - k) / stride) + 1;
  return [x[0], out(x[1], w[0]), out(x[2], w[1]), w[3]];
}

/**
 * Visit every (output position, kernel tap) pair whose input pixel is inside the image; taps that
 * land on padding contribute zero to the forward and nothing to any gradient, so they are skipped.
 */
function forEachTap(
  g: ConvGeometry,
  stride: number,
  padding: number,
  visit: (n: number, i: number, j: number, di: number, dj: number, r: number, c: number) => void,
): void {
  for (let n = 0; n < g.N; n++) for (let i = 0; i < g.HO; i++) for (let j = 0; j < g.WO; j++) {
    for (let di = 0; di < g.KH; di++) for (let dj = 0; dj < g.KW; dj++) {
      const r = i * stride + di - padding;
      const c = j * stride + dj - padding;
      if (r >= 0 && r < g.H && c >= 0 && c < g.W) visit(n, i, j, di, dj, r, c);
    }
  }
}

export function conv2dForward(x: Tensor, w: Tensor, b: Tensor, stride: number, padding: number): Tensor {
  const g = convGeometry('conv2d_forward', x, w, b, stride, padding);
  const X = indexer(x.shape), Wt = indexer(w.shape), O = indexer([g.N, g.HO, g.WO, g.F]);
  const out = new Float64Array(g.N * g.HO * g.WO * g.F);
  for (let at = 0; at < out.length; at++) out[at] = b.data[at % g.F];
  forEachTap(g, stride, padding, (n, i, j, di, dj, r, c) => {
    for (let ch = 0; ch < g.C; ch++) for (let f = 0; f < g.F; f++) {
      out[O(n, i, j, f)] += x.data[X(n, r, c, ch)] * w.data[Wt(di, dj, ch, f)];
    }
  });
  return f64([g.N, g.HO, g.WO, g.F], out);
}

/** The chain rule through the forward's sum: each product x*w sends dout*w to x and dout*x to w. */
export function conv2dBackward(
  x: Tensor, w: Tensor, b: Tensor, stride: number, padding: number, dout: Tensor,
): { dx: Tensor; dw: Tensor; db: Tensor } {
  const g = convGeometry('conv2d_backward', x, w, b, stride, padding);
  expectShape('conv2d_backward', 'dout', dout, [g.N, g.HO, g.WO, g.F]);
  const X = indexer(x.shape), Wt = indexer(w.shape), O = indexer(dout.shape);
  const dx = new Float64Array(x.data.length);
  const dw = new Float64Array(w.data.length);
  const db = new Float64Array(g.F);
  for (let at = 0; at < dout.data.length; at++) db[at % g.F] += dout.data[at];
  forEachTap(g, stride, padding, (n, i, j, di, dj, r, c) => {
    for (let ch = 0; ch < g.C; ch++) for (let f = 0; f < g.F; f++) {
      const d = dout.data[O(n, i, j, f)];
      dx[X(n, r, c, ch)] += d * w.data[Wt(di, dj, ch, f)];
      dw[Wt(di, dj, ch, f)] += d * x.data[X(n, r, c, ch)];
    }
  });
  return { dx: f64(x.shape, dx), dw: f64(w.shape, dw), db: f64([g.F], db) };
}

// ---- NCHW convolution, kernel (F, C, kh, kw): the second course's my_conv2d ----

/**
 * out[n, f, i, j] = sum_{c, di, dj} xpad[n, c, i + di, j + dj] * kernel[f, c, di', dj'] with
 * di' = di (cross-correlation) or kh-1-di (flipped: true convolution), stride 1, and
 * xpad = x with padTop / padLeft zeros before (and enough after for an outH x outW output).
 */
function correlateNchw(
  op: string, x: Tensor, kernel: Tensor,
  { flip, padTop, padLeft, same }: { flip: boolean; padTop: number; padLeft: number; same: boolean },
): Tensor {
  expectDims(op, 'x', x, 4);
  expectDims(op, 'kernel', kernel, 4);
  const [N, C, H, W] = x.shape;
  const [F, KC, KH, KW] = kernel.shape;
  if (KC !== C) throw new Error(`${op}: kernel of shape [${kernel.shape}] expects ${KC} channels, x of shape [${x.shape}] has ${C}`);
  if (!same && (KH > H || KW > W)) throw new Error(`${op}: the ${KH}x${KW} kernel is larger than the ${H}x${W} input`);
  const HO = same ? H : H - KH + 1;
  const WO = same ? W : W - KW + 1;
  const X = indexer(x.shape), K = indexer(kernel.shape), O = indexer([N, F, HO, WO]);
  const out = new Float64Array(N * F * HO * WO);
  for (let n = 0; n < N; n++) for (let f = 0; f < F; f++) for (let i = 0; i < HO; i++) for (let j = 0; j < WO; j++) {
    let s = 0;
    for (let c = 0; c < C; c++) for (let di = 0; di < KH; di++) for (let dj = 0; dj < KW; dj++) {
      const r = i + di - padTop;
      const q = j + dj - padLeft;
      if (r < 0 || r >= H || q < 0 || q >= W) continue;
      const k = flip ? kernel.data[K(f, c, KH - 1 - di, KW - 1 - dj)] : kernel.data[K(f, c, di, dj)];
      s += x.data[X(n, c, r, q)] * k;
    }
    out[O(n, f, i, j)] = s;
  }
  return f64([N, F, HO, WO], out);
}

/** Valid cross-correlation, stride 1, no padding: the reference answer. */
export const conv2dNchw = (x: Tensor, kernel: Tensor): Tensor =>
  correlateNchw('conv2d_nchw', x, kernel, { flip: false, padTop: 0, padLeft: 0, same: false });

/** True convolution (kernel flipped in both spatial axes): a known wrong answer. */
export const conv2dNchwFlipped = (x: Tensor, kernel: Tensor): Tensor =>
  correlateNchw('conv2d_nchw_flipped', x, kernel, { flip: true, padTop: 0, padLeft: 0, same: false });

/**
 * Zero-padded to the input's size: a known wrong answer. The padding before is (k-1)//2 and the
 * rest goes after, as PyTorch's padding='same' does. scipy.signal.correlate(mode='same') centres
 * the other way for even kernels (k//2 before); anchor 'scipy' gives that placement.
 */
export function conv2dNchwSame(x: Tensor, kernel: Tensor, anchor: 'torch' | 'scipy' = 'torch'): Tensor {
  const before = (k: number) => (anchor === 'torch' ? Math.floor((k - 1) / 2) : Math.floor(k / 2));
  const [, , KH, KW] = kernel.shape;
  return correlateNchw('conv2d_nchw_same', x, kernel, { flip: false, padTop: before(KH), padLeft: before(KW), same: true });
}

// ---- The course's TestCNN: conv(stride 1, pad 0) -> maxpool(2, 2) -> flatten -> fc ----

function fcForward(op: string, x: Tensor, w: Tensor, b: Tensor): Tensor {
  expectDims(op, 'fc_w', w, 2);
  const { n, d } = rows(x);
  const [wd, m] = w.shape;
  if (wd !== d) throw new Error(`${op}: the pooled features flatten to ${d} per image, but fc_w of shape [${w.shape}] has ${wd} rows`);
  expectShape(op, 'fc_b', b, [m]);
  const out = matmul(x.data, w.data, n, d, m);
  for (let at = 0; at < out.length; at++) out[at] += b.data[at % m];
  return f64([n, m], out);
}

function fcBackward(x: Tensor, w: Tensor, dout: Tensor): { dx: Tensor; dw: Tensor; db: Tensor } {
  const { n, d } = rows(x);
  const m = w.shape[1];
  const db = new Float64Array(m);
  for (let at = 0; at < dout.data.length; at++) db[at % m] += dout.data[at];
  return {
    dx: f64(x.shape, matmul(dout.data, transpose(w.data, d, m), n, m, d)),
    dw: f64(w.shape, matmul(transpose(x.data, n, d), dout.data, d, n, m)),
    db: f64([m], db),
  };
}

export function testCnnForward(x: Tensor, convW: Tensor, convB: Tensor, fcW: Tensor, fcB: Tensor): Tensor {
  const conv = conv2dForward(x, convW, convB, 1, 0);
  const pooled = maxpoolForward(conv, 2, 2);
  return fcForward('test_cnn_forward', pooled, fcW, fcB);
}

export function testCnnBackward(
  x: Tensor, convW: Tensor, convB: Tensor, fcW: Tensor, fcB: Tensor, dscores: Tensor,
): { dx: Tensor; dconvW: Tensor; dconvB: Tensor; dfcW: Tensor; dfcB: Tensor } {
  const conv = conv2dForward(x, convW, convB, 1, 0);
  const pooled = maxpoolForward(conv, 2, 2);
  expectShape('test_cnn_backward', 'dscores', dscores, fcForward('test_cnn_backward', pooled, fcW, fcB).shape);
  const fc = fcBackward(pooled, fcW, dscores);
  const dconv = maxpoolBackward(conv, 2, 2, fc.dx, 'first');
  const c = conv2dBackward(x, convW, convB, 1, 0, dconv);
  return { dx: c.dx, dconvW: c.dw, dconvB: c.db, dfcW: fc.dw, dfcB: fc.db };
}

// ---- Named ops ----

const tieOp = (name: string, ties: 'first' | 'split' | 'all', summary: string): RefOp =>
  defineOp(
    { name, summary, inputs: ['x', 'pool_size', 'stride', 'dout'], outputs: ['dx'] },
    (a) => ({ dx: maxpoolBackward(a.t('x'), a.int('pool_size', 1), a.int('stride', 1), a.t('dout'), ties) }),
  );

export const cnnOps: RefOp[] = [
  defineOp(
    {
      name: 'conv2d_forward',
      summary: 'NHWC cross-correlation: x (N,H,W,C), w (k,k,C,F), b (F), zero padding → out (N,H\',W\',F)',
      inputs: ['x', 'w', 'b', 'stride', 'padding'],
      outputs: ['out'],
    },
    (a) => ({ out: conv2dForward(a.t('x'), a.t('w'), a.t('b'), a.int('stride', 1), a.int('padding', 0)) }),
  ),
  defineOp(
    {
      name: 'conv2d_backward',
      summary: 'gradients of conv2d_forward for upstream dout (N,H\',W\',F)',
      inputs: ['x', 'w', 'b', 'stride', 'padding', 'dout'],
      outputs: ['dx', 'dw', 'db'],
    },
    (a) => conv2dBackward(a.t('x'), a.t('w'), a.t('b'), a.int('stride', 1), a.int('padding', 0), a.t('dout')),
  ),
  defineOp(
    {
      name: 'maxpool_forward',
      summary: 'max over square pool_size windows of NHWC x moved by stride, no padding',
      inputs: ['x', 'pool_size', 'stride'],
      outputs: ['out'],
    },
    (a) => ({ out: maxpoolForward(a.t('x'), a.int('pool_size', 1), a.int('stride', 1)) }),
  ),
  tieOp('maxpool_backward', 'first', 'maxpool gradient; a tied window sends it to its first maximum (row-major)'),
  tieOp('maxpool_backward_split', 'split', 'maxpool gradient; a tied window splits it equally among its maxima (also valid)'),
  tieOp('maxpool_backward_all_ties', 'all', 'WRONG on purpose: every tied maximum gets the whole gradient'),
  defineOp(
    {
      name: 'conv2d_nchw',
      summary: 'valid cross-correlation, stride 1: x (N,C,H,W) any dtype, kernel (F,C,kh,kw) → (N,F,H-kh+1,W-kw+1)',
      inputs: ['x', 'kernel'],
      outputs: ['out'],
    },
    (a) => ({ out: conv2dNchw(a.t('x'), a.t('kernel')) }),
  ),
  defineOp(
    {
      name: 'conv2d_nchw_flipped',
      summary: 'WRONG on purpose: true convolution (kernel flipped) instead of cross-correlation',
      inputs: ['x', 'kernel'],
      outputs: ['out'],
    },
    (a) => ({ out: conv2dNchwFlipped(a.t('x'), a.t('kernel')) }),
  ),
  defineOp(
    {
      name: 'conv2d_nchw_same',
      summary: 'WRONG on purpose: zero-padded to the input size ((k-1)//2 before, the rest after)',
      inputs: ['x', 'kernel'],
      outputs: ['out'],
    },
    (a) => ({ out: conv2dNchwSame(a.t('x'), a.t('kernel')) }),
  ),
  defineOp(
    {
      name: 'conv2d_nchw_same_scipy',
      summary: "WRONG on purpose: same-size output placed as scipy.signal.correlate(mode='same') places it (k//2 before)",
      inputs: ['x', 'kernel'],
      outputs: ['out'],
    },
    (a) => ({ out: conv2dNchwSame(a.t('x'), a.t('kernel'), 'scipy') }),
  ),
  defineOp(
    {
      name: 'test_cnn_forward',
      summary: 'TestCNN scores: conv (stride 1, pad 0) → maxpool(2, 2) → flatten (NHWC order) → fc',
      inputs: ['x', 'conv_w', 'conv_b', 'fc_w', 'fc_b'],
      outputs: ['scores'],
    },
    (a) => ({ scores: testCnnForward(a.t('x'), a.t('conv_w'), a.t('conv_b'), a.t('fc_w'), a.t('fc_b')) }),
  ),
  defineOp(
    {
      name: 'test_cnn_backward',
      summary: 'TestCNN gradients for upstream dscores (maxpool ties: first maximum)',
      inputs: ['x', 'conv_w', 'conv_b', 'fc_w', 'fc_b', 'dscores'],
      outputs: ['dx', 'dconv_w', 'dconv_b', 'dfc_w', 'dfc_b'],
    },
    (a) => {
      const g = testCnnBackward(a.t('x'), a.t('conv_w'), a.t('conv_b'), a.t('fc_w'), a.t('fc_b'), a.t('dscores'));
      return { dx: g.dx, dconv_w: g.dconvW, dconv_b: g.dconvB, dfc_w: g.dfcW, dfc_b: g.dfcB };
    },
  ),
];
