/**
 * The torch-training oracles, proved three ways: parameter counts worked out by hand, gradients
 * against finite differences of the loss, and everything against torch itself (Debian's
 * python3-torch under /usr/bin/python3, which scripts/setup.sh installs).
 */
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { Rng } from '../../harness/tensor/random.ts';
import { type Tensor, sizeOf, tensor } from '../../harness/tensor/tensor.ts';
import { crossEntropyForward } from '../../reference/ops/losses.ts';
import { ARCHITECTURES, type Linear, earlyStopping, linearStackForward, sgdEpoch, stepSchedule, summarize, torchOps } from '../../reference/ops/torch.ts';

const randn = (rng: Rng, shape: number[], scale = 1): Tensor => tensor(shape, rng.normals(sizeOf(shape)).map((v) => v * scale));
const TORCH_PYTHON = '/usr/bin/python3';

function torch(script: string, input: unknown): any {
  const out = execFileSync(TORCH_PYTHON, ['-c', script], { input: JSON.stringify(input), env: { ...process.env, OMP_NUM_THREADS: '1' } });
  return JSON.parse(out.toString());
}

const linear = (i: number, o: number) => i * o + o;
const conv = (k: number, c: number, f: number) => k * k * c * f + f;

describe('architecture summaries', () => {
  it('counts parameters as worked out by hand', () => {
    const counts = Object.fromEntries(Object.entries(ARCHITECTURES).map(([name, a]) => [name, summarize(a.layers, a.input)]));
    expect(counts.model).toEqual({ params: linear(784, 256) + linear(256, 128) + linear(128, 64) + linear(64, 10), output: [10] });
    expect(counts.model.params).toBe(242762);
    expect(counts.mlp1).toEqual({ params: linear(1024, 10), output: [10] });
    expect(counts.mlp2.params).toBe(linear(1024, 256) + linear(256, 10));
    // 32 -conv5-> 28 -pool-> 14 -conv5-> 10 -pool-> 5: 32 channels of 5x5 reach the classifier.
    expect(counts.cnn3.params).toBe(conv(5, 1, 16) + conv(5, 16, 32) + linear(32 * 5 * 5, 10));
    // Padded 3x3 convs keep the size, each pool halves it: 32 -> 16 -> 8 -> 4.
    expect(counts.cnn4.params).toBe(conv(3, 1, 32) + conv(3, 32, 64) + conv(3, 64, 128) + linear(128 * 4 * 4, 10));
    expect(counts.cnn5.params).toBe(conv(3, 1, 32) + conv(3, 32, 64) + conv(3, 64, 128) + linear(2048, 256) + linear(256, 10));
  });

  it('refuses a layer that cannot take its input', () => {
    expect(() => summarize(['flatten', { linear: [100, 10] }], [1, 28, 28])).toThrow(/linear\(100, 10\) cannot take an input of shape \[784\]/);
  });

  it('the summary ops put the batch first', () => {
    const op = torchOps.find((o) => o.name === 'cnn4_summary')!;
    const r = op.run({ batch: tensor([], [7], 'int64') });
    expect([...r.out_shape.data]).toEqual([7, 10]);
  });

  it('agrees with torch built from the same layer lists', () => {
    const got = torch(String.raw`
import json, sys, torch
from torch import nn
archs = json.load(sys.stdin)
def layer(s):
    if s == "flatten": return nn.Flatten()
    if s == "relu": return nn.ReLU()
    if s == "dropout": return nn.Dropout(0.5)
    if "linear" in s: return nn.Linear(*s["linear"])
    if "conv" in s:
        c = s["conv"]; return nn.Conv2d(c["in"], c["out"], c["k"], stride=c.get("stride", 1), padding=c.get("padding", 0))
    return nn.MaxPool2d(s["maxpool"])
out = {}
for name, a in archs.items():
    m = nn.Sequential(*[layer(s) for s in a["layers"]])
    y = m(torch.zeros(3, *a["input"]))
    out[name] = {"params": sum(p.numel() for p in m.parameters()), "output": list(y.shape[1:])}
print(json.dumps(out))
`, ARCHITECTURES);
    for (const [name, a] of Object.entries(ARCHITECTURES)) expect(summarize(a.layers, a.input), name).toEqual(got[name]);
  });
});

/** A small stack in torch's layout: (out, in) weights. */
function stack(rng: Rng, widths: number[]): Linear[] {
  return widths.slice(1).map((o, i) => ({ w: randn(rng, [o, widths[i]], 0.5), b: randn(rng, [o], 0.1) }));
}

describe('SGD epochs of a Linear/ReLU stack', () => {
  it('one batch moves each parameter by -lr times the finite-difference gradient of the mean loss', () => {
    const rng = new Rng('sgd-fd');
    const layers = stack(rng, [5, 4, 3]);
    const x = randn(rng, [6, 5]);
    const labels = tensor([6], [0, 2, 1, 1, 0, 2], 'int64');
    const lr = 0.1;
    const after = sgdEpoch(x, labels, layers, lr, 6).layers;
    const loss = (ls: Linear[]) => crossEntropyForward(linearStackForward(x, ls), labels, true).data[0];
    const h = 1e-6;
    layers.forEach((l, li) => {
      for (const key of ['w', 'b'] as const) {
        l[key].data.forEach((v, k) => {
          const at = (d: number) => loss(layers.map((m, mi) => (mi !== li ? m : { ...m, [key]: { ...m[key], data: m[key].data.map((u, j) => (j === k ? v + d : u)) } })));
          const grad = (at(h) - at(-h)) / (2 * h);
          expect(after[li][key].data[k]).toBeCloseTo(v - lr * grad, 8);
        });
      }
    });
  });

  it('matches torch, and so do the mistakes it names (no zero_grad, softmax before the loss)', () => {
    const rng = new Rng('sgd-torch');
    const layers = stack(rng, [6, 5, 4, 3]);
    const x = randn(rng, [10, 6]);
    const labels = tensor([10], Array.from({ length: 10 }, (_, i) => (i * 7) % 3), 'int64');
    const got = torch(String.raw`
import json, sys, torch
from torch import nn
c = json.load(sys.stdin)
out = {}
for variant in ("plain", "accumulate", "softmax_first"):
    lin = [nn.Linear(len(w[0]), len(w)).double() for w in c["w"]]
    for l, w, b in zip(lin, c["w"], c["b"]):
        l.weight.data = torch.tensor(w, dtype=torch.float64); l.bias.data = torch.tensor(b, dtype=torch.float64)
    model = nn.Sequential(lin[0], nn.ReLU(), lin[1], nn.ReLU(), lin[2])
    opt = torch.optim.SGD(model.parameters(), lr=c["lr"])
    x = torch.tensor(c["x"], dtype=torch.float64); y = torch.tensor(c["y"])
    losses = []
    for i in range(0, len(x), c["batch"]):
        if variant != "accumulate":
            opt.zero_grad()
        z = model(x[i:i + c["batch"]])
        if variant == "softmax_first":
            z = torch.softmax(z, dim=1)
        loss = nn.functional.cross_entropy(z, y[i:i + c["batch"]])
        loss.backward(); opt.step(); losses.append(loss.item())
    out[variant] = {"w": [l.weight.tolist() for l in lin], "b": [l.bias.tolist() for l in lin], "mean_loss": sum(losses) / len(losses)}
print(json.dumps(out))
`, { w: layers.map((l) => nest(l.w)), b: layers.map((l) => [...l.b.data]), x: nest(x), y: [...labels.data], lr: 0.05, batch: 4 });
    for (const [variant, flags] of [['plain', {}], ['accumulate', { accumulate: true }], ['softmax_first', { softmaxFirst: true }]] as const) {
      const r = sgdEpoch(x, labels, layers, 0.05, 4, flags);
      expect(r.meanLoss, variant).toBeCloseTo(got[variant].mean_loss, 12);
      r.layers.forEach((l, i) => {
        expect(maxDiff(l.w.data, got[variant].w[i].flat()), `${variant} w${i + 1}`).toBeLessThan(1e-12);
        expect(maxDiff(l.b.data, got[variant].b[i]), `${variant} b${i + 1}`).toBeLessThan(1e-12);
      });
    }
    // The mistakes really are different answers, or naming them would be pointless.
    const plain = sgdEpoch(x, labels, layers, 0.05, 4).layers[2].w.data;
    expect(maxDiff(plain, sgdEpoch(x, labels, layers, 0.05, 4, { accumulate: true }).layers[2].w.data)).toBeGreaterThan(1e-4);
  });

  it('the op reads torch-layout weights and gives them back in it', () => {
    const rng = new Rng('op');
    const layers = stack(rng, [4, 3, 2]);
    const op = torchOps.find((o) => o.name === 'torch_mlp_sgd_epoch')!;
    const r = op.run({ x: randn(rng, [2, 2, 2]), labels: tensor([2], [0, 1], 'int64'), lr: tensor([], [0.1]), batch_size: tensor([], [1]), w1: layers[0].w, b1: layers[0].b, w2: layers[1].w, b2: layers[1].b });
    expect(r.w1.shape).toEqual([3, 4]);
    expect(r.w3).toBeUndefined();
    expect(() => op.run({ x: randn(rng, [2, 5]), labels: tensor([2], [0, 1], 'int64'), lr: tensor([], [0.1]), batch_size: tensor([], [1]), w1: layers[0].w, b1: layers[0].b })).toThrow(/w1 is \(3,4\) but its input has 5 features/);
  });
});

describe('early stopping', () => {
  it('stops after patience epochs without a strict improvement and keeps the best epoch', () => {
    expect(earlyStopping([1, 0.9, 0.95, 0.97, 0.8], 2)).toEqual({ epochsRun: 4, bestEpoch: 2 });
    expect(earlyStopping([1, 0.9, 0.95, 0.85, 0.86, 0.9, 0.7], 2)).toEqual({ epochsRun: 6, bestEpoch: 4 });
    expect(earlyStopping([1, 0.9, 0.8], 2)).toEqual({ epochsRun: 3, bestEpoch: 3 });
    // A tie is no improvement.
    expect(earlyStopping([1, 1, 1, 0.5], 2)).toEqual({ epochsRun: 3, bestEpoch: 1 });
    expect(earlyStopping([1, 2, 0.5, 3, 4], 3)).toEqual({ epochsRun: 5, bestEpoch: 3 });
  });
});

describe('the step schedule', () => {
  it('0.1 for epochs 0-9, 0.01 for 10-19, 0.001 after', () => {
    const lrs = [...stepSchedule(25, 1, 0.1, [10, 20], 0.1)];
    expect(lrs.slice(0, 10).every((v) => v === 0.1)).toBe(true);
    expect(lrs.slice(10, 20).every((v) => Math.abs(v - 0.01) < 1e-15)).toBe(true);
    expect(lrs.slice(20).every((v) => Math.abs(v - 0.001) < 1e-15)).toBe(true);
  });

  it('stepped per batch it counts batches, and agrees with torch MultiStepLR both ways', () => {
    const perEpoch = stepSchedule(6, 4, 0.1, [2, 4], 0.1);
    const perBatch = stepSchedule(6, 4, 0.1, [2, 4], 0.1, true);
    const got = torch(String.raw`
import json, sys, torch
out = {}
for per_batch in (False, True):
    opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.1)
    s = torch.optim.lr_scheduler.MultiStepLR(opt, milestones=[2, 4], gamma=0.1)
    lrs = []
    for epoch in range(6):
        for batch in range(4):
            lrs.append(opt.param_groups[0]["lr"]); opt.step()
            if per_batch: s.step()
        if not per_batch: s.step()
    out[str(per_batch)] = lrs
print(json.dumps(out))
`, {});
    expect(maxDiff(perEpoch, got.False)).toBeLessThan(1e-15);
    expect(maxDiff(perBatch, got.True)).toBeLessThan(1e-15);
  });
});

function nest(t: Tensor): number[][] {
  const [n, m] = [t.shape[0], t.data.length / t.shape[0]];
  return Array.from({ length: n }, (_, i) => [...t.data.slice(i * m, (i + 1) * m)]);
}

const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
};
