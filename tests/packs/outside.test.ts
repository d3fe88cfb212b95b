/**
 * A pack copied outside the repository works with no change to the grader: its Python reference
 * runs from the copy's reference/ folder, its call: probes need no probe folder, its fixtures go
 * into the copy, and its solution and starter get what they get in place. (The whole proof of a
 * copied pack is `dlgrade pack test PATH`; tests/packs/packs.test.ts proves the shipped one.)
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { syncFixtures } from '../../harness/checks/fixtures.ts';
import { REPO_ROOT, loadPack } from '../../harness/spec/load.ts';
import { closeReferenceProcesses } from '../../reference/python/worker.ts';
import { grade } from '../helpers/grade.ts';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'dlgrade-outside-'));
const copy = path.join(root, 'cs231n-layers');
fs.cpSync(path.join(REPO_ROOT, 'assignments', 'cs231n-layers'), copy, { recursive: true });
const only = ['svm_loss', 'batchnorm_forward_train', 'batchnorm_backward', 'conv_forward_naive'];

afterAll(() => {
  closeReferenceProcesses();
  fs.rmSync(root, { recursive: true, force: true });
});

describe('cs231n-layers copied outside the repository', () => {
  it('resolves its Python reference to the copy', () => {
    const pack = loadPack(copy);
    expect(Object.values(pack.pythonOps!).every((op) => op.folder === path.join(copy, 'reference'))).toBe(true);
    expect(fs.existsSync(path.join(copy, 'probes'))).toBe(false);
  });

  it('grades the solution full and the starter zero', async () => {
    const full = await grade(copy, path.join(copy, 'solution'), { only });
    expect(full.score).toBe(full.max_score);
    const zero = await grade(copy, path.join(copy, 'starter'), { only });
    expect(zero.score).toBe(0);
  }, 120_000);

  it('writes its fixtures into the copy, the same as the shipped ones', () => {
    const into = path.join(copy, 'fixtures');
    expect(syncFixtures(loadPack(copy), into, false).length).toBeGreaterThan(0);
    const shipped = path.join(REPO_ROOT, 'fixtures', 'cs231n-layers', 'svm_loss', 'published.expected.npz');
    expect(fs.readFileSync(path.join(into, 'svm_loss', 'published.expected.npz'))).toEqual(fs.readFileSync(shipped));
  }, 60_000);
});
