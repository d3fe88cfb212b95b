/**
 * A batch as instructors run it: killed with kill -9 and run again, it grades only what is
 * missing and loses nothing; a broken spec stops it before anyone is graded; without bubblewrap
 * it refuses to run student code unless told --no-sandbox; .zip hand-ins are graded too.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { findBubblewrap } from '../../harness/worker/sandbox.ts';
import { expectValidResult } from '../helpers/grade.ts';
import { workersOf } from '../helpers/workers.ts';

const root = path.resolve(import.meta.dirname, '../..');
const pack = path.join(root, 'assignments/mlp-numpy');
const tmp = () => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'dlgrade-batch-'));
  fs.chmodSync(d, 0o711); // a worker running as a user of its own passes through to its workspace
  return d;
};
const cli = (args: string[], env: Record<string, string> = {}) =>
  execa(process.execPath, [path.join(root, 'bin/dlgrade.mjs'), ...args], { reject: false, cwd: root, env: { NO_COLOR: '1', ...env } });
const sandboxFlag = async () => ((await findBubblewrap()) ? [] : ['--no-sandbox']);

function classOf(n: number): string {
  const dir = tmp();
  for (let i = 0; i < n; i++) fs.cpSync(path.join(pack, 'solution'), path.join(dir, `student-${i}`), { recursive: true });
  return dir;
}


describe('dlgrade grade, killed and run again', () => {
  it('keeps what was written, grades only the rest, with the seed of the first run', async () => {
    const subs = classOf(6);
    const out = path.join(tmp(), 'out');
    const scratch = tmp(); // TMPDIR of the grader: its workspaces, and the workers' command lines, name it
    const args = ['grade', subs, '--assignment', 'mlp-numpy', '--out', out, '--jobs', '1', '--only', 'fc_forward', '--only', 'softmax', ...(await sandboxFlag())];
    const first = cli(args, { TMPDIR: scratch });
    const results = () => (fs.existsSync(out) ? fs.readdirSync(out).filter((d) => fs.existsSync(path.join(out, d, 'result.json'))) : []);
    const deadline = Date.now() + 60_000;
    while (!results().length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(results().length, 'a first result within a minute').toBeGreaterThan(0);
    first.kill('SIGKILL');
    await first;
    const kept = new Map(results().map((d) => [d, fs.readFileSync(path.join(out, d, 'result.json'), 'utf8')]));
    expect(kept.size).toBeLessThan(6);
    const batch = JSON.parse(fs.readFileSync(path.join(out, 'batch.json'), 'utf8'));
    expect(batch.seed).toMatch(/^[0-9a-f]{12}$/);

    // The workers died with the grader: nothing still runs in its scratch folder.
    let left = workersOf(scratch, first.pid!);
    for (let i = 0; i < 30 && left.length; i++) {
      await new Promise((r) => setTimeout(r, 100));
      left = workersOf(scratch, first.pid!);
    }
    expect(left).toEqual([]);

    const again = await cli(args, { TMPDIR: scratch });
    expect(again.exitCode, again.stderr).toBe(0);
    expect(again.stdout).toContain(`Resuming (seed ${batch.seed}): ${kept.size} of 6 already graded`);
    for (const name of kept.keys()) expect(again.stdout).toMatch(new RegExp(`skipped: .*${name}`));
    expect(again.stdout.match(/^\[\s*\d+\/6\]/gm)).toHaveLength(6 - kept.size);
    // What the first run wrote is untouched (not regraded), and everything else is there now.
    for (const [name, text] of kept) expect(fs.readFileSync(path.join(out, name, 'result.json'), 'utf8')).toBe(text);
    expect(results().sort()).toEqual(Array.from({ length: 6 }, (_, i) => `student-${i}`));
    for (const name of results()) {
      const r = JSON.parse(fs.readFileSync(path.join(out, name, 'result.json'), 'utf8'));
      expectValidResult(r);
      expect(r.seed).toBe(batch.seed);
      expect(r.score).toBe(r.max_score);
      expect(fs.readdirSync(path.join(out, name))).toContain('result.json');
    }
    expect(fs.readFileSync(path.join(out, 'gradebook.csv'), 'utf8').trim().split('\n')).toHaveLength(7);

    // --force regrades them all.
    const forced = await cli([...args, '--force'], { TMPDIR: scratch });
    expect(forced.exitCode, forced.stderr).toBe(0);
    expect(forced.stdout).not.toContain('Resuming');
    expect(forced.stdout.match(/^\[\s*\d+\/6\]/gm)).toHaveLength(6);
  }, 120_000);
});

describe('dlgrade grade, before anyone is graded', () => {
  it('stops on a spec error with the check, the case and what is wrong, and writes nothing', async () => {
    const broken = path.join(tmp(), 'mlp-numpy');
    fs.cpSync(pack, broken, { recursive: true });
    const spec = path.join(broken, 'assignment.yaml');
    // Valid YAML and schema, but the weights no longer fit the inputs: the reference op fails.
    fs.writeFileSync(spec, fs.readFileSync(spec, 'utf8').replace('w: { linspace: [-0.2, 0.2], shape: [168, 4] }', 'w: { linspace: [-0.2, 0.2], shape: [167, 4] }'));
    const out = path.join(tmp(), 'out');
    const r = await cli(['grade', classOf(2), '--assignment', broken, '--out', out, ...(await sandboxFlag())]);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/assignment\.yaml: check fc_forward, case published: .*\(nobody was graded\)/);
    expect(r.stdout).not.toMatch(/\[\s*1\/2\]/);
    expect(fs.existsSync(out)).toBe(false);
  }, 60_000);

  it('refuses to run student code unsandboxed unless told to, and says so in every result when told', async () => {
    const subs = classOf(1);
    const out = path.join(tmp(), 'out');
    // A PATH without bwrap; the pack names /usr/bin/python3 itself.
    const env = { PATH: '/nonexistent' };
    const r = await cli(['grade', subs, '--assignment', 'mlp-numpy', '--out', out, '--only', 'softmax'], env);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/bubblewrap \(bwrap\) is not installed.*apt-get install -y bubblewrap.*--no-sandbox/s);
    expect(fs.existsSync(out)).toBe(false);

    const ok = await cli(['grade', subs, '--assignment', 'mlp-numpy', '--out', out, '--only', 'softmax', '--no-sandbox'], env);
    expect(ok.exitCode, ok.stderr).toBe(0);
    expect(ok.stderr).toMatch(/dlgrade: none \(--no-sandbox\)/);
    const result = JSON.parse(fs.readFileSync(path.join(out, 'student-0', 'result.json'), 'utf8'));
    expect(result.environment.sandbox).toMatch(/^none \(--no-sandbox\): .*; limits: 10 s per check, 300 s per submission, memory 2 GiB, 64 processes, files up to 64 MiB/);
    expect(result.score).toBe(1);
  }, 60_000);

  it('refuses two submissions of the same name (a folder and a zip)', async () => {
    const subs = classOf(1);
    fs.writeFileSync(path.join(subs, 'student-0.zip'), zipSync({ 'answers.yaml': new TextEncoder().encode('x: 1') }));
    const r = await cli(['grade', subs, '--assignment', 'mlp-numpy', '--out', path.join(tmp(), 'out'), ...(await sandboxFlag())]);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/two submissions are named "student-0" \(student-0 and student-0\.zip\)/);
  }, 60_000);
});

describe('dlgrade grade, zip hand-ins', () => {
  it('grades a .zip like a folder, with the limits given on the command line', async () => {
    const subs = tmp();
    const files: Record<string, Uint8Array> = {};
    const walk = (d: string, rel: string) => {
      for (const e of fs.readdirSync(d, { withFileTypes: true })) {
        if (e.isDirectory()) walk(path.join(d, e.name), `${rel}${e.name}/`);
        else files[`${rel}${e.name}`] = fs.readFileSync(path.join(d, e.name));
      }
    };
    walk(path.join(pack, 'solution'), 'hw1/');
    fs.writeFileSync(path.join(subs, 'ada.zip'), zipSync(files));
    const out = path.join(tmp(), 'out');
    const r = await cli(['grade', subs, '--assignment', 'mlp-numpy', '--out', out, '--only', 'fc_*', '--check-seconds', '4', '--memory', '1G', ...(await sandboxFlag())]);
    expect(r.exitCode, r.stderr).toBe(0);
    const result = JSON.parse(fs.readFileSync(path.join(out, 'ada', 'result.json'), 'utf8'));
    expect(result.submission).toBe('ada');
    expect(result.score).toBe(result.max_score);
    expect(result.errors).toEqual([]);
    expect(result.environment.sandbox).toMatch(/limits: 4 s per check, 300 s per submission, memory 1 GiB/);
  }, 60_000);
});
