/**
 * The reference ops of the fully-connected-network homework, under the names specs use. The
 * maths lives in layers.ts, losses.ts and optim.ts; this file only maps named arrays onto it.
 */
import { scalar } from '../../harness/tensor/tensor.ts';
import type { RefOp } from '../op.ts';
import { defineOp } from './args.ts';
import {
  dropoutBackward,
  fcBackward,
  fcForward,
  geluBackward,
  geluForward,
  reluBackward,
  reluForward,
  sigmoidBackward,
  sigmoidForward,
  smallFcNetForward,
} from './layers.ts';
import { crossEntropyBackward, crossEntropyForward, softmax } from './losses.ts';
import {
  adamCurves,
  adamStep,
  l1Grad,
  l2Grad,
  l2LambdaForWeightDecay,
  sgdCurves,
  sgdStep,
} from './optim.ts';

export * from './layers.ts';
export * from './losses.ts';
export * from './optim.ts';


const ADAM_DEFAULTS = { beta1: 0.9, beta2: 0.999, eps: 1e-8 };

export const mlpOps: RefOp[] = [
  defineOp(
    {
      name: 'fc_forward',
      summary: 'affine layer: x (N, ...) flattened to (N, D), out = x w + b with w (D, M), b (M)',
      inputs: ['x', 'w', 'b'],
      outputs: ['out'],
    },
    ({ t }) => ({ out: fcForward(t('x'), t('w'), t('b')) }),
  ),
  defineOp(
    {
      name: 'fc_backward',
      summary: 'gradients of the affine layer: dx (shape of x), dw, db from dout (N, M)',
      inputs: ['x', 'w', 'b', 'dout'],
      outputs: ['dx', 'dw', 'db'],
    },
    ({ t }) => fcBackward(t('x'), t('w'), t('b'), t('dout')),
  ),
  defineOp(
    {
      name: 'gelu_forward',
      summary: 'GELU, tanh approximation 0.5x(1 + tanh(sqrt(2/pi)(x + 0.044715x^3)))',
      inputs: ['x'],
      outputs: ['out'],
    },
    ({ t }) => ({ out: geluForward(t('x')) }),
  ),
  defineOp(
    {
      name: 'gelu_backward',
      summary: 'dx = dout * exact derivative of the tanh-approximated GELU',
      inputs: ['x', 'dout'],
      outputs: ['dx'],
    },
    ({ t }) => ({ dx: geluBackward(t('x'), t('dout')) }),
  ),
  defineOp(
    { name: 'relu_forward', summary: 'ReLU, max(x, 0)', inputs: ['x'], outputs: ['out'] },
    ({ t }) => ({ out: reluForward(t('x')) }),
  ),
  defineOp(
    { name: 'relu_backward', summary: 'dx = dout where x > 0, else 0', inputs: ['x', 'dout'], outputs: ['dx'] },
    ({ t }) => ({ dx: reluBackward(t('x'), t('dout')) }),
  ),
  defineOp(
    { name: 'sigmoid_forward', summary: 'logistic sigmoid, stable for large |x|', inputs: ['x'], outputs: ['out'] },
    ({ t }) => ({ out: sigmoidForward(t('x')) }),
  ),
  defineOp(
    {
      name: 'sigmoid_backward',
      summary: 'dx = dout * s(x)(1 - s(x))',
      inputs: ['x', 'dout'],
      outputs: ['dx'],
    },
    ({ t }) => ({ dx: sigmoidBackward(t('x'), t('dout')) }),
  ),
  defineOp(
    { name: 'softmax', summary: 'softmax of x (N, C) over the last axis, stable for large logits', inputs: ['x'], outputs: ['out'] },
    ({ t }) => ({ out: softmax(t('x')) }),
  ),
  defineOp(
    {
      name: 'cross_entropy_forward',
      summary: 'softmax cross-entropy of logits (N, C) against labels (N,), averaged over N when size_average',
      inputs: ['logits', 'labels', 'size_average'],
      defaults: { size_average: 1 },
      outputs: ['loss'],
    },
    ({ t, n }) => ({ loss: crossEntropyForward(t('logits'), t('labels'), n('size_average') !== 0) }),
  ),
  defineOp(
    {
      name: 'cross_entropy_backward',
      summary: 'dlogits = softmax(logits) - onehot(labels), divided by N when size_average',
      inputs: ['logits', 'labels', 'size_average'],
      defaults: { size_average: 1 },
      outputs: ['dlogits'],
    },
    ({ t, n }) => ({ dlogits: crossEntropyBackward(t('logits'), t('labels'), n('size_average') !== 0) }),
  ),
  defineOp(
    {
      name: 'sgd_step',
      summary: 'w_new = w - lr*dw - weight_decay*w',
      inputs: ['w', 'dw', 'lr', 'weight_decay'],
      defaults: { weight_decay: 0 },
      outputs: ['w_new'],
    },
    ({ t, n }) => ({ w_new: sgdStep(t('w'), t('dw'), n('lr'), n('weight_decay')) }),
  ),
  defineOp(
    {
      name: 'adam_step',
      summary: 'one bias-corrected Adam step (t incremented first) with decoupled weight decay',
      inputs: ['w', 'dw', 'm', 'v', 't', 'lr', 'beta1', 'beta2', 'eps', 'weight_decay'],
      defaults: { ...ADAM_DEFAULTS, weight_decay: 0 },
      outputs: ['w_new', 'm_new', 'v_new', 't_new'],
    },
    ({ t, n }) => {
      const hyper = { lr: n('lr'), beta1: n('beta1'), beta2: n('beta2'), eps: n('eps'), weightDecay: n('weight_decay') };
      const next = adamStep(t('w'), t('dw'), t('m'), t('v'), n('t'), hyper);
      return { w_new: next.w, m_new: next.m, v_new: next.v, t_new: scalar(next.t) };
    },
  ),
  defineOp(
    { name: 'l1_grad', summary: 'dw_new = dw + lam*sign(w)', inputs: ['w', 'dw', 'lam'], outputs: ['dw_new'] },
    ({ t, n }) => ({ dw_new: l1Grad(t('w'), t('dw'), n('lam')) }),
  ),
  defineOp(
    { name: 'l2_grad', summary: 'dw_new = dw + 2*lam*w', inputs: ['w', 'dw', 'lam'], outputs: ['dw_new'] },
    ({ t, n }) => ({ dw_new: l2Grad(t('w'), t('dw'), n('lam')) }),
  ),
  defineOp(
    {
      name: 'small_fc_net_forward',
      summary: 'scores of the two-layer net fc -> gelu -> fc',
      inputs: ['x', 'fc1_w', 'fc1_b', 'fc2_w', 'fc2_b'],
      outputs: ['scores'],
    },
    ({ t }) => ({ scores: smallFcNetForward(t('x'), t('fc1_w'), t('fc1_b'), t('fc2_w'), t('fc2_b')) }),
  ),
  defineOp(
    {
      name: 'dropout_backward',
      summary: "inverted-dropout gradient, mask read from the student's forward output (kept where out != 0)",
      inputs: ['x', 'out', 'dout', 'keep_prob'],
      outputs: ['dx'],
    },
    ({ t, n }) => ({ dx: dropoutBackward(t('x'), t('out'), t('dout'), n('keep_prob')) }),
  ),
  defineOp(
    {
      name: 'l2_lambda_for_weight_decay',
      summary: 'the L2 coefficient that makes SGD on loss + lam*||w||^2 match SGD with weight decay',
      inputs: ['lr', 'weight_decay'],
      outputs: ['lam'],
    },
    ({ n }) => ({ lam: scalar(l2LambdaForWeightDecay(n('lr'), n('weight_decay'))) }),
  ),
  defineOp(
    {
      name: 'sgd_curves',
      summary: 'SGD with weight decay vs SGD with an L2 gradient on 0.5*||a w - target||^2, (steps+1, D) each',
      inputs: ['w0', 'a', 'target', 'lr', 'weight_decay', 'lam', 'steps'],
      outputs: ['curve_wd', 'curve_l2'],
    },
    ({ t, n }) => {
      const settings = { lr: n('lr'), weightDecay: n('weight_decay'), lam: n('lam'), steps: n('steps') };
      const c = sgdCurves({ w0: t('w0'), a: t('a'), target: t('target') }, settings);
      return { curve_wd: c.curveWd, curve_l2: c.curveL2 };
    },
  ),
  defineOp(
    {
      name: 'adam_curves',
      summary: 'Adam with weight decay vs Adam with an L2 gradient on 0.5*||a w - target||^2, (steps+1, D) each',
      inputs: ['w0', 'a', 'target', 'lr', 'weight_decay', 'lam', 'steps', 'beta1', 'beta2', 'eps'],
      defaults: ADAM_DEFAULTS,
      outputs: ['curve_wd', 'curve_l2'],
    },
    ({ t, n }) => {
      const settings = {
        lr: n('lr'),
        weightDecay: n('weight_decay'),
        lam: n('lam'),
        steps: n('steps'),
        beta1: n('beta1'),
        beta2: n('beta2'),
        eps: n('eps'),
      };
      const c = adamCurves({ w0: t('w0'), a: t('a'), target: t('target') }, settings);
      return { curve_wd: c.curveWd, curve_l2: c.curveL2 };
    },
  ),
];
