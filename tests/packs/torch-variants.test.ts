/**
 * The torch-training pack graded as EE449 hand-ins are written: every variant (the solution
 * rewritten with constructor arguments, a first layer named `first`, other class spellings,
 * attributes instead of nn.Sequential, activations as arguments) passes the checks it declares,
 * and every planted mutant that gives a message pattern fails with a message naming the layer or
 * the epoch. (The sample class grades all the variants combined, for full marks.)
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolvePackDir } from '../../harness/spec/load.ts';
import { deriveSubmission, loadMutants, loadVariants } from '../../harness/spec/mutants.ts';
import { grade } from '../helpers/grade.ts';

const PACK = 'torch-training';
const dir = resolvePackDir(PACK);
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'dlgrade-torch-variants-'));
const variants = loadVariants(dir);

describe('torch-training variants', () => {
  it('there are variants, each declaring checks the pack has', () => {
    expect(variants.length).toBeGreaterThanOrEqual(3);
    for (const v of variants) expect(v.passes.length, v.name).toBeGreaterThan(0);
  });

  it.each(variants.map((v) => [v.name, v] as const))('variant %s passes what it declares', async (_name, v) => {
    const sub = path.join(scratch, v.name);
    deriveSubmission(path.join(dir, 'solution'), sub, v.edits);
    const r = await grade(PACK, sub, { only: v.passes });
    expect(r.checks.map((c) => c.id).sort()).toEqual([...v.passes].sort());
    for (const c of r.checks) expect(c.status, `${v.name}, ${c.id}: ${c.message}`).toBe('passed');
  });

  it('says how it built a class that takes arguments', async () => {
    const v = variants.find((x) => x.name === 'mlp1-constructor-arguments')!;
    const sub = path.join(scratch, 'built-as');
    deriveSubmission(path.join(dir, 'solution'), sub, v.edits);
    const r = await grade(PACK, sub, { only: v.passes });
    const said = r.checks.flatMap((c) => c.cases.map((k) => k.message)).join('\n');
    expect(said).toMatch(/built as MLP1\(input_size=1024, hidden_size=32, num_classes=10\)/);
    expect(said).toMatch(/built as MLP1\(input_size=1024, hidden_size=32, num_classes=10, activation='sigmoid'\)/);
  });
});

describe('torch-training mutants name what is wrong', () => {
  const named = loadMutants(dir).filter((m) => m.message);
  it.each(named.map((m) => [m.name, m] as const))('mutant %s', async (_name, m) => {
    const sub = path.join(scratch, `mutant-${m.name}`);
    deriveSubmission(path.join(dir, 'solution'), sub, m.edits);
    const r = await grade(PACK, sub, { only: Object.keys(m.message!) });
    for (const [id, pattern] of Object.entries(m.message!)) {
      const c = r.checks.find((k) => k.id === id)!;
      expect(c.status, id).not.toBe('passed');
      // A check that needs a GPU is pending on a runner without one, whatever the hand-in; its
      // message is proved where there is one (scripts/gpu-check.sh).
      if (c.status === 'skipped' && /needs a runner tagged gpu/.test(c.message)) continue;
      expect(c.message).toMatch(new RegExp(pattern));
    }
  });
});

describe('how the probes build a class (probes/_ee449.py)', () => {
  // Straight in Python, on classes no variant has: what each constructor is called with.
  const calls = (): Record<string, string> => JSON.parse(execFileSync('/usr/bin/python3', ['-c', String.raw`
import json, sys, types, torch
from torch import nn
sys.path.insert(0, ${JSON.stringify(path.join(dir, 'probes'))})
import _ee449
m = types.ModuleType("models")
exec("""
import torch
from torch import nn
class MLP2(nn.Module):
    def __init__(self, a, b, c, d):
        super().__init__()
        self.net = nn.Sequential(nn.Flatten(), nn.Linear(a, b), nn.ReLU(), nn.Linear(b, c, bias=False), nn.Linear(c, d))
    def forward(self, x):
        return self.net(x)
class Cnn3(nn.Module):
    def __init__(self, k):
        super().__init__()
        self.k = k
        self.net = nn.Sequential(nn.Conv2d(1, 16, 3), nn.ReLU(), nn.Conv2d(16, 8, 5), nn.ReLU(), nn.MaxPool2d(2),
                                 nn.Conv2d(8, 16, 7), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(144, k))
    def forward(self, x):
        return self.net(x)
class CNN4(nn.Module):
    def __init__(self, channels):
        super().__init__()
        self.conv = nn.Conv2d(channels, 16, 3)
    def forward(self, x):
        return self.conv(x)
class mlp_1(nn.Module):
    pass
class MLP1(nn.Module):
    pass
""", m.__dict__)
out = {}
for arch in ("mlp_2", "cnn_3", "cnn_4", "mlp_1"):
    try:
        out[arch] = _ee449.build(m, arch).call
    except Exception as e:
        out[arch] = "%s: %s" % (type(e).__name__, e)
print(json.dumps(out))
`], { env: { ...process.env, OMP_NUM_THREADS: '1' } }).toString());

  it('gives unnamed arguments the handout\'s sizes in the common orders, the first that runs', () => {
    const got = calls();
    expect(got.mlp_2).toBe('MLP2(1024, 32, 64, 10)');
    // One unnamed argument: 10 (the classes) first; an input channel count of 10 would not run.
    expect(got.cnn_3).toBe('Cnn3(10)');
    expect(got.cnn_4).toBe('CNN4(channels=1)');
    expect(got.mlp_1).toMatch(/^ValueError: models\.py has 2 classes that could be mlp_1 \(MLP1, mlp_1\): keep one$/);
  });
});
