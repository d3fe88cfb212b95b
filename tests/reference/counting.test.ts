import { describe, expect, it } from 'vitest';
import { scalar, tensor } from '../../harness/tensor/tensor.ts';
import { convPoolFlops, countingOps, paramCount, paramCountLenet5 } from '../../reference/ops/counting.ts';

const op = (name: string) => {
  const found = countingOps.find((o) => o.name === name);
  if (!found) throw new Error(`no op ${name}`);
  return found;
};

describe('param_count_lenet5', () => {
  // By hand, on a 32x32x1 input:
  //   conv1 6@5x5x1:   6*25*1  = 150 weights +  6 biases  (-> 28x28x6, pool -> 14x14x6)
  //   conv2 16@5x5x6:  16*25*6 = 2400 weights + 16 biases (-> 10x10x16, pool -> 5x5x16 = 400)
  //   fc 400->120: 48000 + 120;  fc 120->84: 10080 + 84;  fc 84->10: 840 + 10
  //   weights 150 + 2400 + 48000 + 10080 + 840 = 61470; conv biases 22 -> 61492; fc biases 214 -> 61706.
  it('counts 61706 with the fully connected biases and 61492 without', () => {
    expect(paramCountLenet5()).toBe(61706);
    expect(paramCountLenet5(false)).toBe(61492);
    expect(op('param_count_lenet5').run({}).count.data[0]).toBe(61706);
    expect(op('param_count_lenet5').run({ fc_biases: scalar(0, 'bool') }).count.data[0]).toBe(61492);
    expect(op('param_count_lenet5').run({ fc_biases: scalar(1, 'bool') }).count.dtype).toBe('int64');
  });

  it('follows the layer list: a one-conv net on 8x8x3 counted by hand', () => {
    // conv 4@3x3x3: 108 + 4 -> 6x6x4, pool 2 -> 3x3x4 = 36, fc 36->2: 72 + 2.  Total 186.
    const net = { input: [8, 8, 3] as [number, number, number], layers: [
      { kind: 'conv' as const, filters: 4, k: 3 }, { kind: 'pool' as const, size: 2 }, { kind: 'fc' as const, out: 2 },
    ] };
    expect(paramCount(net)).toBe(186);
    expect(paramCount(net, false)).toBe(184);
  });

  it('rejects a flag that is not 0 or 1', () => {
    expect(() => op('param_count_lenet5').run({ fc_biases: scalar(2) })).toThrow(/fc_biases must be 0 or 1/);
  });
});

describe('conv_pool_flops', () => {
  // 20 filters 4x4 on 12x12x50, stride 2, padding 1, then a 3x3 max pool with stride 1:
  //   conv output (12 + 2 - 4)//2 + 1 = 6, so 6*6*20 = 720 outputs;
  //   each is a 4*4*50 = 800-term dot product: 800 multiplies + 799 adds = 1599, + 1 bias add = 1600;
  //   conv FLOPs 720 * 1600 = 1152000 with bias, 720 * 1599 = 1151280 without;
  //   pool output (6 - 3)//1 + 1 = 4, so 4*4*20 = 320 outputs, each the max of 9 values: 8 comparisons,
  //   320 * 8 = 2560;
  //   totals 1152000 + 2560 = 1154560 with bias, 1151280 + 2560 = 1153840 without.
  const question = { h: 12, w: 12, c: 50, filters: 20, k: 4, stride: 2, padding: 1, pool: 3, pool_stride: 1 };
  const asInputs = (q: Record<string, number>) => Object.fromEntries(Object.entries(q).map(([k, v]) => [k, scalar(v, 'int64')]));

  it('the course question: 1154560 with a bias add per output, 1153840 without', () => {
    expect(op('conv_pool_flops').run({ ...asInputs(question), bias: scalar(1, 'bool') }).flops.data[0]).toBe(1154560);
    expect(op('conv_pool_flops').run({ ...asInputs(question), bias: scalar(0, 'bool') }).flops.data[0]).toBe(1153840);
  });

  it('a tiny case by hand, and no pool when pool is 1', () => {
    // 3x3x1 input, one 2x2 filter, stride 1, no padding: 2x2 outputs of 4 multiplies + 3 adds + 1 bias = 8
    // -> 32; a 2x2 pool on the 2x2 map: one output, 3 comparisons -> 35.
    const tiny = { h: 3, w: 3, c: 1, filters: 1, k: 2, stride: 1, padding: 0, poolStride: 1, bias: true };
    expect(convPoolFlops({ ...tiny, pool: 2 })).toBe(35);
    expect(convPoolFlops({ ...tiny, pool: 1 })).toBe(32);
    // Defaults: stride 1, padding 0, pool 1 (none), bias on.
    expect(op('conv_pool_flops').run(asInputs({ h: 3, w: 3, c: 1, filters: 1, k: 2 })).flops.data[0]).toBe(32);
  });

  it('rejects impossible layers', () => {
    expect(() => op('conv_pool_flops').run(asInputs({ ...question, k: 15 }))).toThrow(/kernel is larger/);
    expect(() => op('conv_pool_flops').run(asInputs({ ...question, pool: 7 }))).toThrow(/pool 7 is larger than the 6x6 conv output/);
    expect(() => op('conv_pool_flops').run({ ...asInputs(question), stride: scalar(1.5) })).toThrow(/stride must be an integer >= 1/);
    expect(() => op('conv_pool_flops').run({ ...asInputs(question), filter: scalar(2) })).toThrow(/unknown input 'filter'/);
  });
});

describe('training counts and cross-entropy of probabilities', () => {
  it('counts batches with a partial last one, and updates over epochs', () => {
    const op = countingOps.find((o) => o.name === 'training_counts')!;
    const r = op.run({ n: scalar(50000), batch: scalar(250), epochs: scalar(30) });
    expect(r.batches_per_epoch.data[0]).toBe(200); // 50000 / 250 exactly
    expect(r.updates.data[0]).toBe(6000);
    expect(op.run({ n: scalar(10), batch: scalar(4), epochs: scalar(3) }).batches_per_epoch.data[0]).toBe(3); // 4 + 4 + 2
  });
  it('is -log p of the true class, averaged; base 2 gives bits', () => {
    const op = countingOps.find((o) => o.name === 'mean_cross_entropy_of_probabilities')!;
    const p = tensor([2, 2], [0.5, 0.5, 0.25, 0.75]);
    const labels = tensor([2], [0, 1], 'int64');
    // (-ln 0.5 - ln 0.75) / 2
    expect(op.run({ p, labels }).loss.data[0]).toBeCloseTo((Math.LN2 - Math.log(0.75)) / 2, 15);
    // In bits: (1 + log2(4/3)) / 2
    expect(op.run({ p, labels, base: scalar(2) }).loss.data[0]).toBeCloseTo((1 + Math.log2(4 / 3)) / 2, 15);
  });
});
