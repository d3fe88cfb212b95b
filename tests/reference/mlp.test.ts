/**
 * The op table: names, inputs and outputs as specs use them, defaults, and the checks run() does
 * on named inputs. The maths of each op is proved in the mlp-*.test.ts files beside this one.
 */
import { describe, expect, it } from 'vitest';
import { type Tensor, item, scalar, tensor } from '../../harness/tensor/tensor.ts';
import { type RefOp } from '../../reference/op.ts';
import { fcForward, mlpOps } from '../../reference/ops/mlp.ts';

const CONTRACT: Record<string, { inputs: string[]; outputs: string[] }> = {
  fc_forward: { inputs: ['x', 'w', 'b'], outputs: ['out'] },
  fc_backward: { inputs: ['x', 'w', 'b', 'dout'], outputs: ['dx', 'dw', 'db'] },
  gelu_forward: { inputs: ['x'], outputs: ['out'] },
  gelu_backward: { inputs: ['x', 'dout'], outputs: ['dx'] },
  relu_forward: { inputs: ['x'], outputs: ['out'] },
  relu_backward: { inputs: ['x', 'dout'], outputs: ['dx'] },
  sigmoid_forward: { inputs: ['x'], outputs: ['out'] },
  sigmoid_backward: { inputs: ['x', 'dout'], outputs: ['dx'] },
  softmax: { inputs: ['x'], outputs: ['out'] },
  cross_entropy_forward: { inputs: ['logits', 'labels', 'size_average'], outputs: ['loss'] },
  cross_entropy_backward: { inputs: ['logits', 'labels', 'size_average'], outputs: ['dlogits'] },
  sgd_step: { inputs: ['w', 'dw', 'lr', 'weight_decay'], outputs: ['w_new'] },
  adam_step: {
    inputs: ['w', 'dw', 'm', 'v', 't', 'lr', 'beta1', 'beta2', 'eps', 'weight_decay'],
    outputs: ['w_new', 'm_new', 'v_new', 't_new'],
  },
  l1_grad: { inputs: ['w', 'dw', 'lam'], outputs: ['dw_new'] },
  l2_grad: { inputs: ['w', 'dw', 'lam'], outputs: ['dw_new'] },
  small_fc_net_forward: { inputs: ['x', 'fc1_w', 'fc1_b', 'fc2_w', 'fc2_b'], outputs: ['scores'] },
  dropout_backward: { inputs: ['x', 'out', 'dout', 'keep_prob'], outputs: ['dx'] },
  l2_lambda_for_weight_decay: { inputs: ['lr', 'weight_decay'], outputs: ['lam'] },
  sgd_curves: { inputs: ['w0', 'a', 'target', 'lr', 'weight_decay', 'lam', 'steps'], outputs: ['curve_wd', 'curve_l2'] },
  adam_curves: {
    inputs: ['w0', 'a', 'target', 'lr', 'weight_decay', 'lam', 'steps', 'beta1', 'beta2', 'eps'],
    outputs: ['curve_wd', 'curve_l2'],
  },
};

const op = (name: string): RefOp => {
  const found = mlpOps.find((o) => o.name === name);
  if (!found) throw new Error(`no op ${name}`);
  return found;
};

const without = (inputs: Record<string, Tensor>, ...names: string[]): Record<string, Tensor> =>
  Object.fromEntries(Object.entries(inputs).filter(([k]) => !names.includes(k)));

const v2 = tensor([2], [0.5, -1.5]);
const m22 = tensor([2, 2], [1, 2, 3, 4]);
/** A valid call of every op, with every input given. */
const SAMPLE: Record<string, Record<string, Tensor>> = {
  fc_forward: { x: m22, w: m22, b: v2 },
  fc_backward: { x: m22, w: m22, b: v2, dout: m22 },
  gelu_forward: { x: v2 },
  gelu_backward: { x: v2, dout: v2 },
  relu_forward: { x: v2 },
  relu_backward: { x: v2, dout: v2 },
  sigmoid_forward: { x: v2 },
  sigmoid_backward: { x: v2, dout: v2 },
  softmax: { x: m22 },
  cross_entropy_forward: { logits: m22, labels: tensor([2], [1, 0], 'int64'), size_average: scalar(1, 'bool') },
  cross_entropy_backward: { logits: m22, labels: tensor([2], [1, 0], 'int64'), size_average: scalar(0, 'bool') },
  sgd_step: { w: v2, dw: v2, lr: scalar(0.1), weight_decay: scalar(0.01) },
  adam_step: {
    w: v2, dw: v2, m: v2, v: tensor([2], [1, 2]), t: scalar(2, 'int64'),
    lr: scalar(0.1), beta1: scalar(0.9), beta2: scalar(0.999), eps: scalar(1e-8), weight_decay: scalar(0),
  },
  l1_grad: { w: v2, dw: v2, lam: scalar(0.1) },
  l2_grad: { w: v2, dw: v2, lam: scalar(0.1) },
  small_fc_net_forward: { x: m22, fc1_w: m22, fc1_b: v2, fc2_w: m22, fc2_b: v2 },
  dropout_backward: { x: v2, out: tensor([2], [1, 0]), dout: v2, keep_prob: scalar(0.5) },
  l2_lambda_for_weight_decay: { lr: scalar(0.01), weight_decay: scalar(1e-4) },
  sgd_curves: {
    w0: v2, a: m22, target: v2, lr: scalar(0.01), weight_decay: scalar(1e-4), lam: scalar(5e-3), steps: scalar(3, 'int64'),
  },
  adam_curves: {
    w0: v2, a: m22, target: v2, lr: scalar(0.01), weight_decay: scalar(1e-4), lam: scalar(5e-3), steps: scalar(3, 'int64'),
    beta1: scalar(0.9), beta2: scalar(0.999), eps: scalar(1e-8),
  },
};

describe('mlpOps', () => {
  it('has exactly the contracted ops, each once', () => {
    expect(mlpOps.map((o) => o.name).sort()).toEqual(Object.keys(CONTRACT).sort());
  });

  for (const [name, { inputs, outputs }] of Object.entries(CONTRACT)) {
    it(`${name} takes and returns the contracted names, all float64`, () => {
      const o = op(name);
      expect(o.inputs).toEqual(inputs);
      expect(o.outputs).toEqual(outputs);
      expect(o.summary.length).toBeGreaterThan(0);
      const result = o.run(SAMPLE[name]);
      expect(Object.keys(result).sort()).toEqual([...outputs].sort());
      for (const t of Object.values(result)) {
        expect(t.dtype).toBe('float64');
        t.data.forEach((v) => expect(Number.isFinite(v)).toBe(true));
      }
    });
  }

  it('fills in the documented defaults', () => {
    expect(op('adam_step').defaults).toEqual({ beta1: 0.9, beta2: 0.999, eps: 1e-8, weight_decay: 0 });
    expect(op('cross_entropy_forward').defaults).toEqual({ size_average: 1 });
    // The samples give exactly the default values, so leaving them out must change nothing.
    const full = op('adam_step').run(SAMPLE.adam_step);
    const short = op('adam_step').run(without(SAMPLE.adam_step, 'beta1', 'beta2', 'eps', 'weight_decay'));
    for (const k of ['w_new', 'm_new', 'v_new', 't_new']) expect(Array.from(short[k].data)).toEqual(Array.from(full[k].data));
    const ce = op('cross_entropy_forward');
    expect(item(ce.run(without(SAMPLE.cross_entropy_forward, 'size_average')).loss)).toBe(item(ce.run(SAMPLE.cross_entropy_forward).loss));
  });

  it('reads size_average as a bool and t_new as t + 1', () => {
    const averaged = item(op('cross_entropy_forward').run({ ...SAMPLE.cross_entropy_forward, size_average: scalar(1, 'bool') }).loss);
    const summed = item(op('cross_entropy_forward').run({ ...SAMPLE.cross_entropy_forward, size_average: scalar(0, 'bool') }).loss);
    expect(summed).toBeCloseTo(2 * averaged, 14);
    expect(item(op('adam_step').run(SAMPLE.adam_step).t_new)).toBe(3);
  });

  it('passes fc_forward through unchanged', () => {
    expect(Array.from(op('fc_forward').run(SAMPLE.fc_forward).out.data)).toEqual(Array.from(fcForward(m22, m22, v2).data));
  });

  it('names the op and the input in its errors', () => {
    expect(() => op('fc_forward').run({ x: m22, w: m22 })).toThrow("fc_forward: missing input 'b'");
    expect(() => op('adam_step').run({ ...SAMPLE.adam_step, beta_1: scalar(0.5) })).toThrow(/adam_step: unknown input 'beta_1'/);
    expect(() => op('sgd_step').run({ ...SAMPLE.sgd_step, lr: v2 })).toThrow('sgd_step: lr must be a scalar, got shape [2]');
    expect(() => op('softmax').run({ x: v2 })).toThrow('softmax: x must be 2-d, got shape [2]');
    expect(() => op('cross_entropy_forward').run({ logits: m22, labels: tensor([2], [0, 2]) })).toThrow(
      'cross_entropy_forward: labels[1] = 2 is not a class index in [0, 2)',
    );
    expect(() => op('fc_backward').run({ ...SAMPLE.fc_backward, dout: v2 })).toThrow(/fc_backward: dout must have shape \[2,2\]/);
  });
});
