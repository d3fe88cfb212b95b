/**
 * `dlgrade gradescope`: the autograder.zip run the way Gradescope runs it. A root made with
 * bubblewrap holds the system read-only (not this checkout: the zip must bring all it needs),
 * /autograder bound, no network, and user namespaces disabled inside as in Gradescope's
 * container. `bash /autograder/source/setup.sh` runs once (it must install nothing here, so
 * without a network it succeeds), then `/autograder/run_autograder` for each hand-in: a correct
 * one, a buggy one inside a folder, a zip with a top folder, one with a syntax error and a .zip
 * that is no zip. Every results.json must be valid Gradescope output and say how it isolated.
 * Run as root outside any namespace with no bwrap on PATH, as in Gradescope's own container, the
 * engine runs the student's code as a user of its own.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Ajv } from 'ajv';
import { execa } from 'execa';
import { zipSync } from 'fflate';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadMutants, deriveSubmission } from '../../harness/spec/mutants.ts';
import type { GradescopeResults } from '../../reports/gradescope.ts';
import gradescopeSchema from '../../reports/schemas/gradescope-results.schema.json' with { type: 'json' };

const root = path.resolve(import.meta.dirname, '../..');
const pack = path.join(root, 'assignments/mlp-numpy');
const validate = new Ajv({ allErrors: true, strictRequired: false, allowUnionTypes: true }).compile(gradescopeSchema);
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'dlgrade-gradescope-'));
const ag = path.join(work, 'autograder');

/**
 * The container's root: every top-level folder of this machine read-only except this checkout's
 * (/work), the kernel's (/proc, /dev, /sys) and /tmp, which is a fresh tmpfs.
 */
function rootArgs(): string[] {
  const skip = new Set(['proc', 'dev', 'sys', 'tmp', 'lost+found', path.relative('/', root).split('/')[0]]);
  const a: string[] = [];
  for (const name of fs.readdirSync('/')) {
    if (skip.has(name)) continue;
    const p = `/${name}`;
    const st = fs.lstatSync(p);
    if (st.isSymbolicLink()) a.push('--symlink', fs.readlinkSync(p), p);
    else a.push('--ro-bind', p, p);
  }
  return [...a, '--proc', '/proc', '--dev', '/dev', '--tmpfs', '/tmp'];
}

/** Runs `script` inside the container with the submission and results folders bound. */
function inContainer(script: string, submission?: string, results?: string) {
  const binds = ['--bind', ag, '/autograder'];
  if (submission) binds.push('--bind', submission, '/autograder/submission');
  if (results) binds.push('--bind', results, '/autograder/results');
  return execa('bwrap', [...rootArgs(), ...binds, '--unshare-user', '--disable-userns', '--unshare-net', '--unshare-pid', '--die-with-parent', '--chdir', '/autograder', '--', 'bash', '-c', script], { reject: false, timeout: 300_000 });
}

/** Hands `fill` a fresh submission folder, runs run_autograder on it, and returns results.json. */
async function autograde(name: string, fill: (dir: string) => void): Promise<{ results: GradescopeResults; log: string }> {
  const submission = path.join(work, 'submissions', name);
  const results = path.join(work, 'results', name);
  fs.mkdirSync(submission, { recursive: true });
  fs.mkdirSync(results, { recursive: true });
  fill(submission);
  const r = await inContainer('/autograder/run_autograder', submission, results);
  expect(r.exitCode, r.stderr).toBe(0);
  const file = path.join(results, 'results.json');
  expect(fs.existsSync(file), `${name}: no results.json\n${r.stdout}\n${r.stderr}`).toBe(true);
  const parsed = JSON.parse(fs.readFileSync(file, 'utf8'));
  expect(validate(parsed) ? [] : validate.errors).toEqual([]);
  return { results: parsed, log: `${r.stdout}\n${r.stderr}` };
}

/** Where a tool is on this machine's PATH. */
const onPath = (tool: string) => {
  for (const dir of (process.env.PATH ?? '').split(':')) {
    const p = path.join(dir, tool);
    if (fs.existsSync(p)) return fs.realpathSync(p);
  }
  throw new Error(`${tool} is not on PATH`);
};

const zipOf = (dir: string, top: string) => {
  const files: Record<string, Uint8Array> = {};
  for (const e of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (e.isFile()) files[`${top}/${path.relative(dir, path.join(e.parentPath, e.name))}`] = fs.readFileSync(path.join(e.parentPath, e.name));
  }
  return zipSync(files);
};

/** The isolation Gradescope's container allows, as the result must record it. */
const recordsIsolation = (r: GradescopeResults) => {
  expect(r.extra_data.isolation).toMatch(/^none \(bubblewrap cannot run here: .*\): the student's code ran as root: this container allows no other user .*, with no network/);
  expect(r.output).toContain(`Isolation: ${r.extra_data.isolation}`);
};

describe('the autograder.zip in a simulated Gradescope container', () => {
  beforeAll(async () => {
    const zip = path.join(work, 'autograder.zip');
    const built = await execa('node', [path.join(root, 'bin/dlgrade.mjs'), 'gradescope', 'mlp-numpy', '-o', zip], { reject: false, cwd: root });
    expect(built.exitCode, built.stderr).toBe(0);
    fs.mkdirSync(ag);
    // Unpacked as Gradescope does, keeping the modes the zip gives (setup.sh, run_autograder).
    const unzip = await execa('unzip', ['-q', zip, '-d', path.join(ag, 'source')], { reject: false });
    expect(unzip.exitCode, unzip.stderr).toBe(0);
  });

  it('holds setup.sh, run_autograder, the autograder edition and the engine, and no solution', () => {
    const list = fs.readdirSync(path.join(ag, 'source'), { recursive: true }).map(String);
    for (const f of ['setup.sh', 'run_autograder', 'pack/assignment.yaml', 'engine/dlgrade.mjs', 'engine/.dlgrade-cache/build/cli.mjs', 'engine/harness/worker/driver.py']) expect(list).toContain(f);
    expect(list.filter((f) => /^pack\/(solution|mutants|variants)/.test(f))).toEqual([]);
    expect(fs.statSync(path.join(ag, 'source/run_autograder')).mode & 0o111).not.toBe(0);
  });

  it('runs setup.sh without a network: everything it would install is already there', async () => {
    const r = await inContainer('bash /autograder/source/setup.sh && cp /autograder/source/run_autograder /autograder/run_autograder');
    expect(r.exitCode, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/setup\.sh: Node v2\d/);
    expect(r.stdout).toContain('setup.sh: nothing to install');
    expect(fs.existsSync(path.join(ag, 'node'))).toBe(false);
  });

  it('gives a correct hand-in full marks, with its accuracy on the leaderboard', async () => {
    const { results } = await autograde('correct', (dir) => fs.cpSync(path.join(pack, 'solution'), dir, { recursive: true }));
    expect(results.score).toBe(40);
    expect(results.tests.every((t) => t.status === 'passed')).toBe(true);
    expect(results.tests.find((t) => t.name.includes('tinynet_train'))!.output).toMatch(/held-out accuracy 0\.\d+ >= bar 0\.7/);
    expect(results.leaderboard?.[0]).toMatchObject({ name: 'tinynet_train accuracy', order: 'desc' });
    expect(results.leaderboard![0].value).toBeGreaterThan(0.7);
    recordsIsolation(results);
  });

  it('fails the checks a planted bug breaks, handed in as a folder inside a folder', async () => {
    const mutant = loadMutants(pack)[0];
    const { results } = await autograde('buggy', (dir) => deriveSubmission(path.join(pack, 'solution'), path.join(dir, 'hw3'), mutant.edits));
    expect(results.output).toContain('graded the folder hw3/ inside the hand-in');
    for (const id of mutant.fails) expect(results.tests.find((t) => t.name.endsWith(`(${id})`))!.status).toBe('failed');
    expect(results.score).toBeLessThan(40);
    expect(results.score).toBeGreaterThan(30);
    recordsIsolation(results);
  });

  it('unwraps a zip with a top folder', async () => {
    const { results } = await autograde('zipped', (dir) => fs.writeFileSync(path.join(dir, 'submission.zip'), zipOf(path.join(pack, 'solution'), 'alice-hw3')));
    expect(results.output).toContain('graded the folder alice-hw3/ inside submission.zip');
    expect(results.score).toBe(40);
    recordsIsolation(results);
  });

  it('grades a hand-in with a syntax error: every check says so, and the result is valid', async () => {
    const { results } = await autograde('syntax-error', (dir) => {
      fs.cpSync(path.join(pack, 'solution'), dir, { recursive: true });
      fs.appendFileSync(path.join(dir, 'lib/mlp/layer_utils.py'), '\ndef broken(:\n');
    });
    expect(results.score).toBeLessThan(10);
    expect(results.tests.find((t) => t.name.endsWith('(fc_forward)'))!.output).toMatch(/SyntaxError/);
    recordsIsolation(results);
  });

  it.runIf(process.getuid?.() === 0)('as root where setuid works and bubblewrap is absent (Gradescope itself), runs the code as a user of its own', async () => {
    // A PATH with node and python3 and no bwrap, outside any namespace: the container Gradescope
    // gives, less its missing user namespaces, which only matter to bubblewrap.
    const bin = path.join(work, 'bin');
    fs.mkdirSync(bin, { recursive: true });
    for (const tool of ['node', 'python3']) fs.symlinkSync(onPath(tool), path.join(bin, tool));
    const submission = path.join(work, 'submissions', 'as-root');
    fs.cpSync(path.join(pack, 'solution'), submission, { recursive: true });
    const file = path.join(work, 'results', 'as-root', 'results.json');
    const r = await execa(path.join(bin, 'node'), [path.join(ag, 'source/engine/dlgrade.mjs'), 'autograde', '--pack', path.join(ag, 'source/pack'), '--submission', submission, '--results', file], { reject: false, env: { PATH: bin, HOME: work }, extendEnv: false });
    expect(r.exitCode, r.stderr).toBe(0);
    const results = JSON.parse(fs.readFileSync(file, 'utf8')) as GradescopeResults;
    expect(validate(results) ? [] : validate.errors).toEqual([]);
    expect(results.score).toBe(40);
    expect(results.extra_data.isolation).toMatch(/^none \(bubblewrap is not installed\): the student's code ran as an unprivileged user of its own .*, with the network \(this container allows no network namespace\)/);
  });

  it('writes a result with the reason for a .zip that is no zip', async () => {
    const { results } = await autograde('not-a-zip', (dir) => fs.writeFileSync(path.join(dir, 'submission.zip'), 'this is a Word document, honestly'));
    expect(results.score).toBe(0);
    expect(results.tests).toEqual([]);
    expect(results.output).toMatch(/^The autograder could not grade this submission: submission\.zip could not be unpacked: /);
    expect(results.extra_data.error).toMatch(/could not be unpacked/);
    recordsIsolation(results);
  });
});
