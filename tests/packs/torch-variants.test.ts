/**
 * The torch-training pack graded as EE449 hand-ins are written: every variant (the solution
 * rewritten with constructor arguments, a first layer named `first`, other class spellings,
 * attributes instead of nn.Sequential, activations as arguments) passes the checks it declares,
 * and every planted mutant that gives a message pattern fails with a message naming the layer or
 * the epoch. (The sample class grades all the variants combined, for full marks.)
 */
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
      expect(c.message).toMatch(new RegExp(pattern));
    }
  });
});
