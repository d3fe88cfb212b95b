/** The command line as people run it: exit codes, what it prints, what it writes. */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { expectValidResult } from '../helpers/grade.ts';

const root = path.resolve(import.meta.dirname, '../..');
const cli = (...args: string[]) => execa('node', [path.join(root, 'bin/dlgrade.mjs'), ...args], { reject: false, cwd: root, env: { NO_COLOR: '1' } });
const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'dlgrade-cli-'));
const pack = path.join(root, 'assignments/mlp-numpy');

describe('dlgrade check', () => {
  it('gives the solution full marks and exits 0', async () => {
    const json = path.join(tmp(), 'r.json');
    const r = await cli('check', path.join(pack, 'solution'), '--assignment', 'mlp-numpy', '--json', json);
    expect(r.stdout).toMatch(/Score 40\/40/);
    expect(r.exitCode).toBe(0);
    const result = JSON.parse(fs.readFileSync(json, 'utf8'));
    expectValidResult(result);
    expect(result.environment.modules.numpy).toMatch(/^1\./);
  });

  it('fails the starter politely and exits 1', async () => {
    const r = await cli('check', path.join(pack, 'starter'), '--assignment', pack, '--only', 'fc_*', '--only', 'softmax');
    expect(r.exitCode).toBe(1);
    expect(r.stdout).toMatch(/fc_forward.*\n/);
    expect(r.stdout).toMatch(/returned None \(is this part still a TODO\?\)/);
    expect(r.stdout).not.toMatch(/gelu_forward/);
    expect(r.stderr).toBe('');
  });

  it('exits 2 with a clear message for an unknown pack or a missing folder', async () => {
    const a = await cli('check', '.', '--assignment', 'no-such-pack');
    expect(a.exitCode).toBe(2);
    expect(a.stderr).toMatch(/no such assignment pack/);
    const b = await cli('check', '/no/such/dir', '--assignment', 'mlp-numpy');
    expect(b.exitCode).toBe(2);
    expect(b.stderr).toMatch(/no such submission folder/);
  });

  it('exits 2 naming what is missing when the interpreter does not fit the pack', async () => {
    const a = await cli('check', path.join(pack, 'solution'), '--assignment', 'mlp-numpy', '--python', '/no/such/python');
    expect(a.exitCode).toBe(2);
    expect(a.stderr).toMatch(/\/no\/such\/python: not found/);
    expect(a.stderr).toMatch(/--python PATH/);
    // A Python whose numpy is 2.x does not meet the pack's pin on numpy 1.x.
    const numpy2 = execFileSync('python3', ['-c', 'import numpy, sys; print(numpy.__version__ + " " + sys.executable)']).toString().trim().split(' ');
    if (numpy2[0].startsWith('2.')) {
      const b = await cli('check', path.join(pack, 'solution'), '--assignment', 'mlp-numpy', '--python', numpy2[1]);
      expect(b.exitCode).toBe(2);
      expect(b.stderr).toMatch(new RegExp(`numpy ${numpy2[0].replace(/\./g, '\\.')} does not satisfy >=1\\.20,<2`));
      expect(b.stderr).toMatch(/apt-get install python3-numpy/);
    }
  });
});

describe('dlgrade grade', () => {
  it('writes a result per submission and a gradebook', async () => {
    const subs = tmp();
    fs.cpSync(path.join(pack, 'solution'), path.join(subs, 'alice'), { recursive: true });
    fs.cpSync(path.join(pack, 'starter'), path.join(subs, 'bob'), { recursive: true });
    const out = tmp();
    const r = await cli('grade', subs, '--assignment', 'mlp-numpy', '--out', out, '--jobs', '2', '--only', 'softmax', '--seed', 's1');
    expect(r.exitCode, r.stderr).toBe(0);
    expect(fs.readFileSync(path.join(out, 'gradebook.csv'), 'utf8')).toBe('submission,softmax,score,max_score,pending,advisories,errors\nalice,1,1,1,0,,\nbob,0,0,1,0,,\n');
    const alice = JSON.parse(fs.readFileSync(path.join(out, 'alice', 'result.json'), 'utf8'));
    expectValidResult(alice);
    expect(alice.seed).toBe('s1');
  });
});

describe('dlgrade reference', () => {
  it('lists the ops with their inputs and outputs', async () => {
    const r = await cli('reference', '--list');
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(/fc_backward\s+\(x, w, b, dout\) -> \(dx, dw, db\)/);
    expect(r.stdout).toMatch(/adam_step .*beta1=0\.9/);
  });

  it('evaluates an op on numpy-written inputs, and numpy reads the outputs', async () => {
    const dir = tmp();
    const py = (code: string) => execFileSync('python3', ['-c', code], { cwd: dir }).toString();
    py(`import numpy as np
x = np.linspace(-0.1, 0.4, num=3*7*6*4).reshape(3, 7, 6, 4)
w = np.linspace(-0.2, 0.2, num=168*4).reshape(168, 4)
b = np.linspace(-0.3, 0.3, num=4)
np.savez("in.npz", x=x, w=w, b=b)`);
    const r = await cli('reference', 'fc_forward', '--in', path.join(dir, 'in.npz'), '--out', path.join(dir, 'out.npz'));
    expect(r.exitCode, r.stderr).toBe(0);
    const err = py(`import numpy as np
d = np.load("in.npz"); o = np.load("out.npz")["out"]
ref = d["x"].reshape(3, -1) @ d["w"] + d["b"]
print(np.max(np.abs(o - ref) / np.maximum(1e-8, np.abs(o) + np.abs(ref))))`);
    expect(Number(err)).toBeLessThan(1e-14);
  });

  it('refuses an unknown op or input name', async () => {
    expect((await cli('reference', 'nope', '--in', 'a', '--out', 'b')).stderr).toMatch(/unknown reference op "nope"/);
    const dir = tmp();
    execFileSync('python3', ['-c', 'import numpy as np; np.savez("in.npz", q=np.zeros(3))'], { cwd: dir });
    const r = await cli('reference', 'softmax', '--in', path.join(dir, 'in.npz'), '--out', path.join(dir, 'o.npz'));
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/softmax has no input "q" \(inputs: x\)/);
  });
});

describe('dlgrade class', () => {
  it('holds every student of a class file to its verdict and exits 1 when one does not get it', async () => {
    const dir = tmp();
    const file = path.join(dir, 'two.yaml');
    // The starter is declared full marks on purpose: the command must say it is not.
    fs.writeFileSync(file, [
      'pack: optimization', 'only: [grad_f]', 'students:',
      '  - { name: ada, from: solution, expect: full }',
      '  - { name: ben, from: starter, expect: full }', '',
    ].join('\n'));
    const r = await cli('class', file, '-o', path.join(dir, 'out'), '--no-sandbox');
    expect(r.stdout).toMatch(/✓ ada: as the class file says/);
    expect(r.stdout).toMatch(/✗ ben: should pass everything, but grad_f did not/);
    expect(r.stdout).toMatch(/1 of 2 students got the verdict two\.yaml gives them/);
    expect(r.exitCode).toBe(1);
    expect(fs.existsSync(path.join(dir, 'out', 'results', 'ada', 'result.json'))).toBe(true);
  });
});
