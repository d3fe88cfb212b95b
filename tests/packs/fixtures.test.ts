/** The committed fixtures are what the reference computes today, and numpy reads them. */
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { syncFixtures } from '../../harness/checks/fixtures.ts';
import { REPO_ROOT, listPacks, loadPack } from '../../harness/spec/load.ts';

describe.each(listPacks())('fixtures of %s', (name) => {
  it('are up to date (else: npm run -s dlgrade -- fixtures)', () => {
    expect(syncFixtures(loadPack(name), path.join(REPO_ROOT, 'fixtures', name), true)).toEqual([]);
  });
});

it('numpy loads a fixture and agrees with its own computation of it', () => {
  const dir = path.join(REPO_ROOT, 'fixtures', 'mlp-numpy', 'fc_forward');
  const out = execFileSync('python3', ['-c', `import numpy as np
i = np.load("published.inputs.npz"); e = np.load("published.expected.npz")
x = np.linspace(-0.1, 0.4, num=3*7*6*4).reshape(3, 7, 6, 4)
assert np.array_equal(i["x"], x)
print(np.max(np.abs(e["out"] - (x.reshape(3, -1) @ i["w"] + i["b"]))))`], { cwd: dir }).toString();
  expect(Number(out)).toBeLessThan(1e-14);
});
