/** `pack starter`, `fixtures --assignment PATH` and `reference --assignment` as people run them. */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '../..');
const cli = (...args: string[]) => execa('node', [path.join(root, 'bin/dlgrade.mjs'), ...args], { reject: false, cwd: root, env: { NO_COLOR: '1' } });
const copy = () => {
  const dir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'dlgrade-pack-cli-')), 'cs231n-layers');
  fs.cpSync(path.join(root, 'assignments', 'cs231n-layers'), dir, { recursive: true });
  return dir;
};

describe('dlgrade pack starter', () => {
  it('finds the shipped starter current, names one that is not, and rewrites it', async () => {
    expect((await cli('pack', 'starter', 'cs231n-layers', '--check')).exitCode).toBe(0);
    const dir = copy();
    const starter = path.join(dir, 'starter', 'layers.py');
    const good = fs.readFileSync(starter, 'utf8');
    fs.writeFileSync(starter, good.replace('def svm_loss', 'def svm_loss_renamed'));
    const stale = await cli('pack', 'starter', dir, '--check');
    expect(stale.exitCode).toBe(1);
    expect(stale.stdout).toBe("starter/layers.py: not what the solution's markers give");
    const wrote = await cli('pack', 'starter', dir);
    expect(wrote.stdout).toBe('wrote starter/layers.py');
    expect(fs.readFileSync(starter, 'utf8')).toBe(good);
  }, 60_000);
});

describe('dlgrade fixtures --assignment', () => {
  it("writes a pack's fixtures given by path into its folder, then finds them current", async () => {
    const dir = copy();
    expect((await cli('fixtures', '--assignment', dir, '--check')).exitCode).toBe(1);
    const w = await cli('fixtures', '--assignment', dir);
    expect(w.exitCode).toBe(0);
    expect(w.stdout).toBe(`cs231n-layers: wrote ${path.join(dir, 'fixtures')}`);
    expect((await cli('fixtures', '--assignment', dir, '--check')).exitCode).toBe(0);
    expect(fs.existsSync(path.join(dir, 'fixtures', 'svm_loss', 'published.expected.npz'))).toBe(true);
  }, 60_000);
});

describe('dlgrade reference --assignment', () => {
  it("lists a pack's Python ops and evaluates one on numpy-written inputs", async () => {
    const list = await cli('reference', '--list', '--assignment', 'cs231n-layers');
    expect(list.stdout).toMatch(/svm_loss\s+\(x, y\) -> \(loss, dx\)\n\s+Python: layers\.svm_loss\(x, y\) -> loss, dx \(reference\/layers\.py\)/);
    expect(list.stdout).toMatch(/\nfc_forward /);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dlgrade-pack-cli-'));
    execFileSync('python3', ['-c', 'import numpy as np; np.savez("in.npz", x=np.array([[1.0, 2.0, 0.5], [0.1, 0.2, 3.0]]), y=np.array([0, 2]))'], { cwd: dir });
    const r = await cli('reference', 'svm_loss', '--assignment', 'cs231n-layers', '--in', path.join(dir, 'in.npz'), '--out', path.join(dir, 'out.npz'));
    expect(r.exitCode).toBe(0);
    const out = execFileSync('python3', ['-c', 'import numpy as np; o = np.load("out.npz"); print(float(o["loss"]), o["dx"].tolist())'], { cwd: dir }).toString().trim();
    expect(out).toBe('1.25 [[-1.0, 0.5, 0.5], [0.0, 0.0, 0.0]]');
  }, 60_000);
});
