/** `dlgrade data` and `--data`: where training checks read their data set, said plainly. */
import path from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '../..');
const cli = (...args: string[]) => execa('node', [path.join(root, 'bin/dlgrade.mjs'), ...args], { reject: false, cwd: root, env: { NO_COLOR: '1' } });

describe('dlgrade data', () => {
  it('info says where the data set is read from and what it holds', async () => {
    const r = await cli('data', 'info');
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(/fashion-mnist: bundled subset \(fixtures\/data\/fashion-mnist\/fashion-mnist-subset\.npz\)/);
    expect(r.stdout).toMatch(/training: 6000 images of 28x28 \(per class 600\/600/);
  });

  it('a --data that does not exist is a usage error, before any student is graded', async () => {
    const r = await cli('check', path.join(root, 'assignments/mlp-numpy/solution'), '-a', 'mlp-numpy', '--only', 'tinynet_train', '--data', '/nowhere/fashion');
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/--data \/nowhere\/fashion: no such file or folder/);
  });
});
