/**
 * The torch-training oracles, proved three ways: parameter counts worked out by hand, gradients
 * against finite differences of the loss, and everything against torch itself (Debian's
 * python3-torch under /usr/bin/python3, which scripts/setup.sh installs).
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../harness/spec/load.ts';
import { Rng } from '../../harness/tensor/random.ts';
import { type Tensor, sizeOf, tensor } from '../../harness/tensor/tensor.ts';
import { crossEntropyForward } from '../../reference/ops/losses.ts';
import {
  ARCHITECTURES, EE449, LAYER_KINDS, type Linear, PADDING_SAME, earlyStopping, layerTable, linearStackForward, sequentialForward,
  sgdEpoch, stepSchedule, summarize, torchOps, withSigmoid,
} from '../../reference/ops/torch.ts';

const randn = (rng: Rng, shape: number[], scale = 1): Tensor => tensor(shape, rng.normals(sizeOf(shape)).map((v) => v * scale));
const TORCH_PYTHON = '/usr/bin/python3';
const PROBES = path.join(REPO_ROOT, 'assignments', 'torch-training', 'probes');

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
    // EE449 HW1: valid convolutions (k - 1 pixels lost), 2x2 pools halving (rounding down).
    expect(counts.mlp_1).toEqual({ params: linear(1024, 32) + linear(32, 10), output: [10] });
    // FC-64 has no bias: 32 * 64 weights alone.
    expect(counts.mlp_2.params).toBe(linear(1024, 32) + 32 * 64 + linear(64, 10));
    // 32 -conv3-> 30 -conv5-> 26 -pool-> 13 -conv7-> 7 -pool-> 3: 16 maps of 3x3.
    expect(counts.cnn_3.params).toBe(conv(3, 1, 16) + conv(5, 16, 8) + conv(7, 8, 16) + linear(16 * 3 * 3, 10));
    // 32 -> 30 -> 28 -> 24 -pool-> 12 -conv5-> 8 -pool-> 4: 16 maps of 4x4.
    expect(counts.cnn_4.params).toBe(conv(3, 1, 16) + conv(3, 16, 8) + conv(5, 8, 16) + conv(5, 16, 16) + linear(16 * 4 * 4, 10));
    // 32 -> 30 -> 28 -> 26 -> 24 -pool-> 12 -> 10 -> 8 -pool-> 4: 8 maps of 4x4.
    expect(counts.cnn_5.params).toBe(conv(3, 1, 8) + conv(3, 8, 16) + conv(3, 16, 8) + conv(3, 8, 16) + conv(3, 16, 16) + conv(3, 16, 8) + linear(8 * 4 * 4, 10));
    for (const name of EE449) expect(counts[name].output, name).toEqual([10]);
    expect([counts.mlp_1.params, counts.mlp_2.params, counts.cnn_3.params, counts.cnn_4.params, counts.cnn_5.params]).toEqual([33130, 35498, 11106, 13522, 8346]);
  });

  it('refuses a layer that cannot take its input', () => {
    expect(() => summarize(['flatten', { linear: [100, 10] }], [1, 28, 28])).toThrow(/linear\(100, 10\) cannot take an input of shape \[784\]/);
  });

  it('the summary ops put the batch first', () => {
    const op = torchOps.find((o) => o.name === 'cnn_4_summary')!;
    const r = op.run({ batch: tensor([], [7], 'int64') });
    expect([...r.out_shape.data]).toEqual([7, 10]);
  });

  it('agrees with torch built from the same layer lists, sigmoid variants included', () => {
    const archs = { ...ARCHITECTURES, ...Object.fromEntries(EE449.map((n) => [`${n}s`, { ...ARCHITECTURES[n], layers: withSigmoid(ARCHITECTURES[n].layers) }])) };
    const got = torch(String.raw`
import json, sys, torch
${TORCH_LAYERS}
archs = json.load(sys.stdin)
out = {}
for name, a in archs.items():
    m = build(a["layers"])
    y = m(torch.zeros(3, *a["input"]))
    out[name] = {"params": sum(p.numel() for p in m.parameters()), "output": list(y.shape[1:])}
print(json.dumps(out))
`, archs);
    for (const [name, a] of Object.entries(archs)) expect(summarize(a.layers, a.input), name).toEqual(got[name]);
  });
});

/** Python: torch modules from the reference's layer lists (JSON), in order. */
const TORCH_LAYERS = String.raw`
from torch import nn
def layer(s):
    if s == "flatten": return nn.Flatten()
    if s == "relu": return nn.ReLU()
    if s == "sigmoid": return nn.Sigmoid()
    if s == "dropout": return nn.Dropout(0.5)
    if "linear" in s: return nn.Linear(*s["linear"], bias=s.get("bias", True))
    if "conv" in s:
        c = s["conv"]; return nn.Conv2d(c["in"], c["out"], c["k"], stride=c.get("stride", 1), padding=c.get("padding", 0))
    return nn.MaxPool2d(s["maxpool"])
def build(layers):
    return nn.Sequential(*[layer(s) for s in layers])
`;

const tableRows = (t: Tensor): number[][] => Array.from({ length: t.shape[0] }, (_, i) => [...t.data.slice(i * t.shape[1], (i + 1) * t.shape[1])]);

describe('layer tables', () => {
  it('are what the probes read from torch models built from the same lists, and name no flatten', () => {
    const archs = Object.fromEntries(EE449.flatMap((n) => [[n, ARCHITECTURES[n]], [`${n}s`, { ...ARCHITECTURES[n], layers: withSigmoid(ARCHITECTURES[n].layers) }]]));
    const got = torch(String.raw`
import json, sys, torch
sys.path.insert(0, ${JSON.stringify(PROBES)})
import _ee449
${TORCH_LAYERS}
archs = json.load(sys.stdin)
out = {}
for name, a in archs.items():
    layers, _ = _ee449.trace(build(a["layers"]), torch.zeros(2, *a["input"]))
    out[name] = _ee449.layer_table(layers).tolist()
print(json.dumps(out))
`, archs);
    for (const [name, a] of Object.entries(archs)) expect(tableRows(layerTable(a.layers, a.input)), name).toEqual(got[name]);
    // mlp_2's FC-64 is the one layer without a bias.
    expect(tableRows(layerTable(ARCHITECTURES.mlp_2.layers, [1, 32, 32])).map((r) => r[6])).toEqual([1, 0, 0, 1]);
  });

  it('the probes code kinds and padding "same" as the reference names them, functional calls included', () => {
    const got = torch(String.raw`
import json, sys, torch
from torch import nn
import torch.nn.functional as F
sys.path.insert(0, ${JSON.stringify(PROBES)})
import _ee449
class Functional(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(1, 2, 3, padding="same")
        self.fc = nn.Linear(2 * 2 * 2, 4)
    def forward(self, x):
        x = F.max_pool2d(torch.tanh(F.relu(self.conv(x))), 2)
        x = torch.sigmoid(x).view(x.size(0), -1)
        return F.softmax(nn.functional.dropout(self.fc(x), 0.5, self.training), dim=1)
modules = nn.Sequential(nn.Conv2d(1, 2, 3), nn.BatchNorm2d(2), nn.AvgPool2d(2), nn.LeakyReLU(), nn.Flatten(), nn.Linear(2, 3))
out = {}
for name, m, x in (("functional", Functional(), torch.zeros(2, 1, 4, 4)), ("modules", modules, torch.zeros(2, 1, 4, 4))):
    layers, _ = _ee449.trace(m.eval(), x)
    out[name] = _ee449.layer_table(layers).tolist()
print(json.dumps(out))
`, {});
    const kinds = (rows: number[][]) => rows.map((r) => LAYER_KINDS[r[0]]);
    expect(kinds(got.functional)).toEqual(['Conv2d', 'ReLU', 'Tanh', 'MaxPool2d', 'Sigmoid', 'Linear', 'Dropout', 'Softmax']);
    expect(got.functional[0][5]).toBe(PADDING_SAME);
    expect(got.functional[3].slice(3, 5)).toEqual([2, 2]); // F.max_pool2d(x, 2): stride defaults to the kernel
    expect(kinds(got.modules)).toEqual(['Conv2d', 'BatchNorm', 'AvgPool2d', 'another activation', 'Linear']);
  });
});

describe('a forward pass through a layer list', () => {
  it('matches torch with the same weights, each layer in order, weight (torch layout) then bias', () => {
    const rng = new Rng('ee449-forward');
    const cases = EE449.flatMap((name) => [false, true].map((sigmoid) => {
      const a = ARCHITECTURES[name];
      const layers = sigmoid ? withSigmoid(a.layers) : a.layers;
      const theta = randn(rng, [summarize(layers, a.input).params], 0.2);
      const x = randn(rng, [3, ...a.input]);
      return { name: `${name}${sigmoid ? 's' : ''}`, layers, input: a.input, theta, x };
    }));
    const got = torch(String.raw`
import json, sys, torch
${TORCH_LAYERS}
out = {}
for c in json.load(sys.stdin):
    m = build(c["layers"]).double()
    theta = torch.tensor(c["theta"], dtype=torch.float64)
    at = 0
    with torch.no_grad():
        for l in m:
            for p in ([l.weight] + ([l.bias] if l.bias is not None else [])) if hasattr(l, "weight") else []:
                p.copy_(theta[at:at + p.numel()].reshape(p.shape)); at += p.numel()
        out[c["name"]] = m(torch.tensor(c["x"], dtype=torch.float64).reshape(-1, *c["input"])).flatten().tolist()
print(json.dumps(out))
`, cases.map((c) => ({ name: c.name, layers: c.layers, input: c.input, theta: [...c.theta.data], x: [...c.x.data] })));
    for (const c of cases) {
      const scores = sequentialForward(c.layers, c.input, c.x, c.theta);
      expect(scores.shape, c.name).toEqual([3, 10]);
      const scale = Math.max(...got[c.name].map(Math.abs));
      expect(maxDiff(scores.data, got[c.name]) / scale, c.name).toBeLessThan(1e-12);
    }
  });

  it('refuses weights of another length, and a sigmoid in place of a ReLU changes the scores', () => {
    const a = ARCHITECTURES.cnn_3;
    const n = summarize(a.layers, a.input).params;
    const x = randn(new Rng('x'), [2, 1, 32, 32]);
    expect(() => sequentialForward(a.layers, a.input, x, tensor([n - 1], new Float64Array(n - 1)))).toThrow(/theta has shape \[11105\]; these layers take 11106 parameters/);
    const theta = randn(new Rng('t'), [n], 0.2);
    const relu = sequentialForward(a.layers, a.input, x, theta), sigmoid = sequentialForward(withSigmoid(a.layers), a.input, x, theta);
    expect(maxDiff(relu.data, sigmoid.data)).toBeGreaterThan(1e-3);
  });

  it('the forward op takes x and theta as a case gives them', () => {
    const op = torchOps.find((o) => o.name === 'mlp_2_forward')!;
    const theta = randn(new Rng('op'), [summarize(ARCHITECTURES.mlp_2.layers, [1, 32, 32]).params], 0.1);
    const x = randn(new Rng('opx'), [2, 1, 32, 32]);
    expect([...op.run({ x, theta }).scores.data]).toEqual([...sequentialForward(ARCHITECTURES.mlp_2.layers, [1, 32, 32], x, theta).data]);
    expect(() => op.run({ x: randn(new Rng('flat'), [2, 1024]), theta })).toThrow(/x must have shape \[N, 1,32,32\]/);
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
