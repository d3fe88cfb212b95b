/** The reports as the command line writes them: grade's folder of outputs, check's files and --ci. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Ajv } from 'ajv';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import gradescopeSchema from '../../reports/schemas/gradescope-results.schema.json' with { type: 'json' };
import { expectValidResult } from '../helpers/grade.ts';
import { parseJunit } from '../helpers/junit.ts';

const root = path.resolve(import.meta.dirname, '../..');
const pack = path.join(root, 'assignments/mlp-numpy');
const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'dlgrade-reports-'));
// Without GitHub's variables unless a test sets them: the suite may itself run under Actions.
const baseEnv = () => {
  const env: Record<string, string | undefined> = { ...process.env, NO_COLOR: '1' };
  delete env.GITHUB_ACTIONS;
  delete env.GITHUB_STEP_SUMMARY;
  return env;
};
const cli = (args: string[], opts: { cwd?: string; env?: Record<string, string> } = {}) =>
  execa('node', [path.join(root, 'bin/dlgrade.mjs'), ...args], { reject: false, cwd: opts.cwd ?? root, env: { ...baseEnv(), ...opts.env }, extendEnv: false });
const gradescope = new Ajv({ allErrors: true, strictRequired: false, allowUnionTypes: true }).compile(gradescopeSchema);

describe('dlgrade grade', () => {
  it('writes every report per submission, the index and the gradebook, all valid', async () => {
    const subs = tmp();
    fs.cpSync(path.join(pack, 'solution'), path.join(subs, 'alice'), { recursive: true });
    fs.cpSync(path.join(pack, 'starter'), path.join(subs, 'bob'), { recursive: true });
    const out = tmp();
    const r = await cli(['grade', subs, '--assignment', 'mlp-numpy', '--out', out, '--jobs', '2', '--only', 'softmax', '--only', 'gelu_*', '--seed', 's1']);
    expect(r.exitCode, r.stderr).toBe(0);
    // Not a terminal: a line per submission, no carriage returns.
    expect(r.stdout).not.toContain('\r');
    expect(r.stdout).toMatch(/^\[1\/2\] (alice|bob) /m);
    for (const name of ['alice', 'bob']) {
      const files = fs.readdirSync(path.join(out, name)).sort();
      expect(files).toEqual(['junit.xml', 'report.html', 'result.json', 'results.json', 'summary.md']);
      expectValidResult(JSON.parse(fs.readFileSync(path.join(out, name, 'result.json'), 'utf8')));
      const gs = JSON.parse(fs.readFileSync(path.join(out, name, 'results.json'), 'utf8'));
      expect(gradescope(gs) ? [] : gradescope.errors).toEqual([]);
      const [suite] = parseJunit(fs.readFileSync(path.join(out, name, 'junit.xml'), 'utf8'));
      expect(suite.cases).toHaveLength(3);
      expect(suite.counts.failures + suite.counts.errors).toBe(name === 'bob' ? 3 : 0);
    }
    const index = fs.readFileSync(path.join(out, 'index.html'), 'utf8');
    expect(index).toContain('href="alice/report.html"');
    expect(index).toMatch(/class="rate">50%/);
    expect(fs.readFileSync(path.join(out, 'gradebook.csv'), 'utf8')).toBe('submission,gelu_forward,gelu_backward,softmax,score,max_score,pending,advisories,errors\nalice,1,2,1,4,4,0,,\nbob,0,0,0,0,4,0,,\n');
  });

  it('writes only the chosen reports, and refuses an unknown one', async () => {
    const subs = tmp();
    fs.cpSync(path.join(pack, 'solution'), path.join(subs, 'alice'), { recursive: true });
    const out = tmp();
    const r = await cli(['grade', subs, '--assignment', 'mlp-numpy', '--out', out, '--only', 'softmax', '--reports', 'junit']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(fs.readdirSync(path.join(out, 'alice')).sort()).toEqual(['junit.xml', 'result.json']);
    // .dlgrade-reports.json: what each report was written from, so a re-run rewrites none it need not.
    expect(fs.readdirSync(out).sort()).toEqual(['.dlgrade-reports.json', 'alice', 'batch.json', 'gradebook.csv']);
    const bad = await cli(['grade', subs, '--assignment', 'mlp-numpy', '--out', out, '--reports', 'pdf']);
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toMatch(/unknown report "pdf"/);
  });
});

describe('dlgrade check', () => {
  it('writes each format to the file named', async () => {
    const dir = tmp();
    const f = (n: string) => path.join(dir, n);
    const r = await cli(['check', path.join(pack, 'starter'), '--assignment', 'mlp-numpy', '--only', 'softmax', '--html', f('r.html'), '--junit', f('j.xml'), '--markdown', f('s.md'), '--gradescope', f('g.json'), '--json', f('r.json')]);
    expect(r.exitCode).toBe(1);
    expect(fs.readFileSync(f('r.html'), 'utf8')).toMatch(/^<!DOCTYPE html>/);
    expect(parseJunit(fs.readFileSync(f('j.xml'), 'utf8'))[0].counts.tests).toBe(1);
    expect(fs.readFileSync(f('s.md'), 'utf8')).toMatch(/^## ❌ mlp-numpy: 0\/1 points/);
    expect(gradescope(JSON.parse(fs.readFileSync(f('g.json'), 'utf8')))).toBe(true);
    expectValidResult(JSON.parse(fs.readFileSync(f('r.json'), 'utf8')));
  });

  it('--ci writes the report folder, annotates under GitHub Actions, fills the step summary and exits 1 on failure', async () => {
    const cwd = tmp();
    const summary = path.join(cwd, 'step-summary.md');
    const r = await cli(['check', path.join(pack, 'starter'), '--assignment', 'mlp-numpy', '--only', 'softmax', '--only', 'fc_forward', '--ci'], {
      cwd, env: { GITHUB_ACTIONS: 'true', GITHUB_STEP_SUMMARY: summary },
    });
    expect(r.exitCode).toBe(1);
    expect(fs.readdirSync(path.join(cwd, 'dlgrade-report')).sort()).toEqual(['junit.xml', 'report.html', 'result.json', 'summary.md']);
    const annotations = r.stdout.split('\n').filter((l) => l.startsWith('::error '));
    expect(annotations).toHaveLength(2);
    expect(annotations[0]).toMatch(/^::error title=fc_forward (failed|error) \(0\/2\)::fc forward \(through flatten\): case published: \w+/);
    expect(fs.readFileSync(summary, 'utf8')).toBe(fs.readFileSync(path.join(cwd, 'dlgrade-report', 'summary.md'), 'utf8').replace(/\s+$/, '') + '\n\n');
    expect(r.stdout).toMatch(/GitHub: 2 annotations, step summary/);
  });

  it('--ci puts the reason on the run page when it cannot run at all', async () => {
    const r = await cli(['check', '/no/such/dir', '--assignment', 'mlp-numpy', '--ci'], { env: { GITHUB_ACTIONS: 'true' } });
    expect(r.exitCode).toBe(2);
    expect(r.stdout).toBe('::error title=dlgrade could not run::/no/such/dir: no such submission folder');
  });

  it('--ci prints no annotation outside GitHub Actions and exits 0 when every check passes', async () => {
    const cwd = tmp();
    const r = await cli(['check', path.join(pack, 'solution'), '--assignment', 'mlp-numpy', '--only', 'softmax', '--ci', '--report-dir', 'out/ci'], { cwd });
    expect(r.exitCode, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).not.toContain('::error');
    expect(parseJunit(fs.readFileSync(path.join(cwd, 'out/ci/junit.xml'), 'utf8'))[0].counts).toEqual({ tests: 1, failures: 0, errors: 0, skipped: 0 });
  });
});
