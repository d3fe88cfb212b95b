/**
 * Every shipped pack: its solution scores full marks, its starter scores zero with a message on
 * every check, and each planted mutant fails every check it declares.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { listPacks, loadPack, resolvePackDir } from '../../harness/spec/load.ts';
import { deriveSubmission, loadMutants } from '../../harness/spec/mutants.ts';
import { failing, grade } from '../helpers/grade.ts';

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'dlgrade-packs-'));

describe.each(listPacks())('pack %s', (pack) => {
  const dir = resolvePackDir(pack);

  it('solution scores full marks (checks needing a GPU: skipped, their points pending)', async () => {
    const r = await grade(pack, path.join(dir, 'solution'));
    const needGpu = loadPack(pack).spec.checks.filter((c) => c.requires?.includes('gpu')).map((c) => c.id).sort();
    const notPassed = r.checks.filter((c) => c.status !== 'passed');
    expect(failing(r), notPassed.map((c) => `${c.id}: ${c.message}`).join('\n')).toEqual(needGpu);
    for (const c of notPassed) {
      expect(c.status).toBe('skipped');
      expect(c.message).toMatch(/needs a runner tagged gpu; this runner has cpu \(points pending\)/);
    }
    expect(r.score + r.pending_score).toBe(r.max_score);
  });

  it('starter scores zero, every check saying why', async () => {
    const r = await grade(pack, path.join(dir, 'starter'));
    expect(r.score).toBe(0);
    for (const c of r.checks) {
      expect(c.status, c.id).not.toBe('passed');
      expect(c.message.length, c.id).toBeGreaterThan(10);
      expect(c.status, `${c.id}: ${c.message}`).not.toBe('timeout');
    }
  });

  const mutants = loadMutants(dir);
  it.each(mutants.map((m) => [m.name, m] as const))('mutant %s fails what it declares', async (_name, m) => {
    const sub = path.join(scratch, pack, m.name);
    deriveSubmission(path.join(dir, 'solution'), sub, m.edits);
    const r = await grade(pack, sub, { only: m.fails });
    expect(r.checks.map((c) => c.id).sort()).toEqual([...m.fails].sort());
    for (const c of r.checks) {
      expect(c.status, `${m.name} should fail ${c.id}`).not.toBe('passed');
      expect(c.message, c.id).not.toMatch(/^$/);
    }
  });
});
