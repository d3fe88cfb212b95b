/**
 * Every pack's valid variants (variants/variants.yaml) are well formed and apply to the solution.
 * Whether they score full marks is measured by bench/measure-variants.ts
 * (docs/variants-measurements.md): some do not until the bars are calibrated.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadPack, resolvePackDir } from '../../harness/spec/load.ts';
import { deriveSubmission, loadVariants } from '../../harness/spec/mutants.ts';

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'dlgrade-variants-'));
const PACKS = ['mlp-numpy', 'cnn-numpy'];

describe.each(PACKS)('variants of %s', (pack) => {
  const dir = resolvePackDir(pack);
  const variants = loadVariants(dir);
  const checks = new Set(loadPack(pack).spec.checks.map((c) => c.id));

  it('has variants, each with a unique name and a description', () => {
    expect(variants.length).toBeGreaterThanOrEqual(3);
    const names = variants.map((v) => v.name);
    expect(new Set(names).size, 'variant names must be unique').toBe(names.length);
    for (const v of variants) expect(v.description?.length ?? 0, v.name).toBeGreaterThan(10);
  });

  it.each(variants.map((v) => [v.name, v] as const))('%s names checks of the pack and applies to the solution', (name, v) => {
    const declared = [...v.passes, ...(v.advisory ?? [])];
    expect(v.passes.length + (v.advisory?.length ?? 0), `${name} declares no check`).toBeGreaterThan(0);
    expect(declared.filter((id) => !checks.has(id)), `${name}: checks the pack does not have`).toEqual([]);
    expect((v.advisory ?? []).filter((id) => v.passes.includes(id)), `${name}: a check both in passes and advisory`).toEqual([]);
    const sub = path.join(scratch, pack, name);
    // Throws unless every `find` occurs exactly once (in the file as the earlier edits left it).
    deriveSubmission(path.join(dir, 'solution'), sub, v.edits);
    for (const e of v.edits) {
      expect(e.find, `${name}: an edit without find`).toBeTruthy();
      expect(e.replace, `${name}: an edit that changes nothing`).not.toBe(e.find);
      expect(fs.readFileSync(path.join(sub, e.file), 'utf8')).toContain(e.replace ?? '');
    }
  });
});

describe('loadVariants', () => {
  it('reads passes and advisory as declared', () => {
    const v = loadVariants(resolvePackDir('cnn-numpy')).find((x) => x.name === 'maxpool-backward-cs231n-mask');
    expect(v?.passes).toEqual(['testcnn_backward']);
    expect(v?.advisory).toEqual(['maxpool_backward']);
  });

  it('is empty for a pack without variants/', () => {
    expect(loadVariants(fs.mkdtempSync(path.join(scratch, 'empty-')))).toEqual([]);
  });
});
