/**
 * The properties EE449's checks are judged by, on layer tables and series made here: what each
 * says about a wrong layer sequence, a gradient ratio under its bar and a schedule off by an epoch,
 * and how a compare check with properties reads (the properties first, a missing output in the
 * words the spec gives).
 */
import { describe, expect, it } from 'vitest';
import { judgeCase } from '../../harness/checks/judge.ts';
import { PROPERTIES } from '../../harness/checks/properties.ts';
import type { CheckSpec } from '../../harness/spec/types.ts';
import { type Tensor, tensor } from '../../harness/tensor/tensor.ts';
import { ARCHITECTURES, type LayerSpec, layerTable, stepSchedule, withSigmoid } from '../../reference/ops/torch.ts';

const table = (name: string, edit: (l: LayerSpec[]) => LayerSpec[] = (l) => l): Tensor => layerTable(edit([...ARCHITECTURES[name].layers]), [1, 32, 32]);
const text = (s: string): Tensor => tensor([s.length], [...s].map((c) => c.charCodeAt(0)), 'uint8');
const series = (v: number[]): Tensor => tensor([v.length], v);
const sequence = (layers: Tensor, expected: Tensor, extra: Record<string, string | Tensor> = {}) =>
  PROPERTIES.layer_sequence({ layers, expected, ...extra });

describe('layer_sequence', () => {
  it('passes the handout\'s layers, listing them and how the model was built', () => {
    const r = sequence(table('mlp_2'), table('mlp_2'), { built: text('Mlp2(1024, [32, 64], 10)') });
    expect(r.passed).toBe(true);
    expect(r.message).toBe("layer sequence: the 4 layers of the handout's (FC-32, ReLU, FC-64 (no bias), FC-10) (built as Mlp2(1024, [32, 64], 10))");
  });

  it('names a bias the handout leaves out, and one it has that is missing', () => {
    const withBias = table('mlp_2', (l) => l.map((x) => (typeof x === 'object' && 'linear' in x && x.linear[1] === 64 ? { linear: [32, 64] } : x)));
    expect(sequence(withBias, table('mlp_2')).message).toBe("layer sequence: layer 3 (after ReLU), FC-64 (no bias): has a bias; the handout's has none: nn.Linear(32, 64, bias=False)");
    expect(sequence(table('mlp_2'), withBias).message).toMatch(/layer 3 \(after ReLU\), FC-64: has no bias; the handout's has one: nn\.Linear\(32, 64\)$/);
  });

  it('names padding "same", a kernel size and a convolution\'s channels', () => {
    const same = table('cnn_3').data.slice();
    same[5] = -1; // layer 1's padding column
    expect(sequence(tensor([8, 8], same, 'int64'), table('cnn_3')).message).toMatch(/^layer sequence: layer 1, Conv-3x3x16: has padding "same"; the handout's convolutions have valid padding \(padding=0\): nn\.Conv2d\(1, 16, 3\)$/);
    // 32 -> 30 -> 28 -> 26 -> 13 -> 9 -> 4: a 3x3 there still leaves 16 maps of 4x4.
    const kernel = table('cnn_4', (l) => l.map((x, i) => (i === 4 ? { conv: { in: 8, out: 16, k: 3 } } : x)));
    expect(sequence(kernel, table('cnn_4')).message).toMatch(/^layer sequence: layer 5 \(after ReLU\), Conv-5x5x16: has a 3x3 kernel; the handout's Conv-5x5x16 has 5x5: nn\.Conv2d\(8, 16, 5\)$/);
    const channels = table('cnn_5', (l) => l.map((x, i) => (i === 0 ? { conv: { in: 1, out: 16, k: 3 } } : i === 2 ? { conv: { in: 16, out: 16, k: 3 } } : x)));
    expect(sequence(channels, table('cnn_5')).message).toMatch(/layer 1, Conv-3x3x8: is nn\.Conv2d\(1, 16, 3\) \(1 -> 16 channels\); the handout's Conv-3x3x8 is nn\.Conv2d\(1, 8, 3\)/);
  });

  it('names a layer left out, one added, and a softmax after the prediction layer', () => {
    const expected = table('cnn_3');
    const noPool = layerTable([...ARCHITECTURES.cnn_3.layers.slice(0, 6), 'flatten', { linear: [16 * 7 * 7, 10] }], [1, 32, 32]);
    expect(sequence(noPool, expected).message).toBe("layer sequence: layer 7 (after Conv-7x7x16): the handout's MaxPool is missing (the model goes on with FC-10)");
    const extraRelu = layerTable([...ARCHITECTURES.cnn_3.layers.slice(0, 6), 'relu', ...ARCHITECTURES.cnn_3.layers.slice(6)], [1, 32, 32]);
    expect(sequence(extraRelu, expected).message).toBe("layer sequence: layer 7 (after Conv-7x7x16): a ReLU that the handout's does not have, before its MaxPool");
    const rows = [...table('mlp_1').data, 7, 0, 0, 0, 0, 0, 0, 0];
    expect(sequence(tensor([4, 8], rows, 'int64'), table('mlp_1')).message).toMatch(/4 layers where the handout's has 3: Softmax after the last one: the models end in the PredictionLayer FC10 and return raw scores/);
  });

  it('against the student\'s own ReLU model, reads each ReLU as a Sigmoid and names one kept', () => {
    const relu = table('cnn_5');
    const sigmoid = layerTable(withSigmoid(ARCHITECTURES.cnn_5.layers), [1, 32, 32]);
    const args = { replace: 'relu:sigmoid', against: 'your ReLU model' };
    expect(sequence(sigmoid, relu, args).passed).toBe(true);
    const kept = sigmoid.data.slice();
    kept[10 * 8] = 4; // layer 11 back to a ReLU
    const r = sequence(tensor(sigmoid.shape, kept, 'int64'), relu, args);
    expect(r.message).toBe('layer sequence: layer 11 (after Conv-3x3x16) is still a ReLU: the Sigmoid variant should have a Sigmoid in place of every ReLU');
    expect(sequence(relu, relu, args).passed).toBe(false); // a "variant" that is the ReLU model itself
  });
});

describe('ratio_at_least', () => {
  const args = { a_label: 'ReLU', b_label: 'Sigmoid', label: 'gradient' };
  it('passes a ratio at the bar and fails one under it, with both means', () => {
    const pass = PROPERTIES.ratio_at_least({ a: series([2, 4]), b: series([0.5, 0.5]), bar: 6, ...args });
    expect(pass).toMatchObject({ passed: true, value: 6, bar: 6 });
    const fail = PROPERTIES.ratio_at_least({ a: series([1, 1]), b: series([1, 1]), bar: 1.5, ...args });
    expect(fail).toMatchObject({ passed: false, value: 1 });
    expect(fail.message).toBe('gradient: ReLU 1, Sigmoid 1 (means of 2 and 2 records): ratio 1 < bar 1.5');
  });

  it('says when there is nothing to divide, or training diverged', () => {
    expect(PROPERTIES.ratio_at_least({ a: series([0]), b: series([0]), bar: 2, ...args }).message).toMatch(/both 0: the first layer got no gradient at all/);
    expect(PROPERTIES.ratio_at_least({ a: series([1, NaN]), b: series([1]), bar: 2, ...args }).message).toMatch(/ReLU value 2 is NaN \(training diverged\?\)/);
    expect(PROPERTIES.ratio_at_least({ a: series([]), b: series([1]), bar: 2, ...args }).message).toMatch(/no ReLU values were recorded/);
  });
});

describe('epoch_rates', () => {
  // Three batches an epoch, as the pack's check has: stepped per batch, the rate then changes
  // after batch 10, inside an epoch.
  const expected = series([...stepSchedule(25, 3, 0.1, [10, 20], 0.1)]);
  const rates = (milestones: number[], perBatch = false) => series([...stepSchedule(25, 3, 0.1, milestones, 0.1, perBatch)]);
  const judge = (got: Tensor) => PROPERTIES.epoch_rates({ rates: got, expected, steps_per_epoch: 3, label: 'rate', model: text('cnn_4()') });

  it('passes the handout\'s schedule, saying which rate held which epochs', () => {
    expect(judge(expected)).toEqual({ passed: true, message: 'rate: all 25 epochs match, 0.1 (epochs 0-9), 0.01 (epochs 10-19), 0.001 (epochs 20-24) (training cnn_4())' });
  });

  it('names the epoch, and how late or early the switch comes', () => {
    expect(judge(rates([11, 21])).message).toBe("rate: epoch 10 (counted from 0) ran at 0.1, the schedule's rate there is 0.01: your rate becomes 0.01 at epoch 11, the handout's from epoch 10: one epoch late (the schedule: 0.1 (epochs 0-9), 0.01 (epochs 10-19), 0.001 (epochs 20-24)) (training cnn_4())");
    expect(judge(rates([8, 20])).message).toMatch(/epoch 8 \(counted from 0\) ran at 0\.01, the schedule's rate there is 0\.1/);
    expect(judge(rates([10, 18])).message).toMatch(/your rate becomes 0\.001 at epoch 18, the handout's from epoch 20: 2 epochs early/);
  });

  it('says a scheduler stepped per batch is, and a missing step count', () => {
    expect(judge(rates([10, 20], true)).message).toMatch(/^rate: the rate changes within epoch 3 \(0\.1, 0\.01, 0\.01\): the scheduler is stepped after every batch/);
    expect(judge(series([0.1, 0.1])).message).toMatch(/fit took 2 optimizer steps; 25 epochs of 3 batches take 75/);
  });
});

describe('a compare check with properties', () => {
  const check: CheckSpec = {
    id: 'arch', title: 'arch', kind: 'compare', points: 1, probe: 'p', cases: [{ name: 'c' }],
    properties: [{ assert: 'differs', args: { a: 'got.a', b: 'got.b', label: 'a and b' } }],
    compare: [{ output: 'scores', expected: 'want', abs_error: 0, label: 'scores', missing: 'not run: the layers differ' }],
  };

  it('judges its properties first, and words a missing output as the spec says', () => {
    const r = judgeCase(check, { want: series([1]) }, { a: series([1]), b: series([1]) });
    expect(r.map((c) => [c.output, c.passed])).toEqual([['a and b', false], ['scores', false]]);
    expect(r[1].message).toBe('scores: not run: the layers differ');
  });
});
