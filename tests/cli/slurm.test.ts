/**
 * `dlgrade slurm` without a cluster: the scripts it writes, run by bash with a stand-in for node
 * (so their quoting and their use of the array task's id are what runs), and the sbatch, squeue
 * and scancel calls it makes, answered by a stand-in for Slurm. tests/cluster/slurm.test.ts runs
 * the same on a real one.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  type CommandResult, type Exec, type SlurmPlan, SLURM_OPTIONS, arrayScript, followLines, gpuChecksOf, mergeScript, parseJobId,
  parseResubmit, planSlurm, readRecord, resubmitSlurm, sbatchArgs, shellWord, slurmCommand, submitSlurm,
} from '../../harness/cli/slurm.ts';
import { materializeClass } from '../../harness/cli/sample-class.ts';
import { loadPack } from '../../harness/spec/load.ts';
import { packVariant } from '../helpers/pack-variant.ts';

const root = path.resolve(import.meta.dirname, '../..');
const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'dlgrade slurm-'));

/** mlp-numpy with softmax needing a gpu, as a pack with a device check would. */
function gpuPack(dir: string): string {
  return packVariant(path.join(root, 'assignments/mlp-numpy'), dir, [['  - id: softmax\n', '  - id: softmax\n    requires: [gpu]\n']]);
}

/** A stand-in for node that prints each argument on a line of its own. */
function argvPrinter(dir: string): string {
  const file = path.join(dir, 'print-args');
  fs.writeFileSync(file, '#!/bin/sh\nfor a in "$@"; do printf "%s\\n" "$a"; done\n', { mode: 0o755 });
  return file;
}

function runScript(text: string, dir: string, env: Record<string, string> = {}): { status: number; stdout: string; stderr: string } {
  const file = path.join(dir, `script-${Math.random().toString(36).slice(2)}.sh`);
  fs.writeFileSync(file, text);
  try {
    const stdout = execFileSync('bash', [file], { env: { PATH: process.env.PATH!, ...env }, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    return { status: 0, stdout, stderr: '' };
  } catch (e) {
    const x = e as { status: number; stdout: string; stderr: string };
    return { status: x.status, stdout: x.stdout, stderr: x.stderr };
  }
}

const sbatchLines = (script: string) => script.split('\n').filter((l) => l.startsWith('#SBATCH '));

/** Slurm's commands answered from a script: sbatch gives the next id; every call is kept. */
function fakeSlurm(o: { first?: number; queued?: string[]; failSbatchAt?: number } = {}) {
  const calls: { command: string; args: string[]; script?: string }[] = [];
  let next = (o.first ?? 101) - 1, sbatches = 0;
  const exec: Exec = async (command, args): Promise<CommandResult> => {
    const script = command === 'sbatch' ? fs.readFileSync(args.at(-1)!, 'utf8') : undefined;
    calls.push({ command, args, script });
    if (command === 'sbatch') {
      if (++sbatches === o.failSbatchAt) return { exitCode: 1, stdout: '', stderr: 'sbatch: error: Batch job submission failed: Invalid partition name specified' };
      return { exitCode: 0, stdout: `${++next}\n`, stderr: '' };
    }
    if (command === 'squeue') return { exitCode: 0, stdout: o.queued?.includes(args[2]) ? `${args[2]}_1\n` : '', stderr: '' };
    if (command === 'scontrol') return { exitCode: 0, stdout: 'AccountingStorageType   = accounting_storage/none\n', stderr: '' };
    return { exitCode: 0, stdout: '', stderr: '' };
  };
  return { exec, calls };
}

describe('dlgrade slurm: the plan', () => {
  const checks = loadPack('mlp-numpy').spec.checks;

  it('draws one seed for every shard unless given, and resolves every path', () => {
    const a = planSlurm({ submissions: 'subs', assignment: 'mlp-numpy', shards: 3, out: 'out' }, checks);
    expect(a.seed).toMatch(/^[0-9a-f]{12}$/);
    expect(a.submissions).toBe(path.resolve('subs'));
    expect(a.out).toBe(path.resolve('out'));
    // A shipped pack stays a name; the CLI in the job finds it in the same repository.
    expect(a.assignment).toBe('mlp-numpy');
    expect(a.cli).toBe(path.join(root, 'bin', 'dlgrade.mjs'));
    const script = arrayScript(a, 'cpu');
    expect(script.match(new RegExp(`--seed ${a.seed}`, 'g'))).toHaveLength(1);
    expect(planSlurm({ submissions: 's', assignment: 'mlp-numpy', shards: 3, out: 'o', seed: 'given' }, checks).seed).toBe('given');
    expect(planSlurm({ submissions: 's', assignment: path.join(root, 'assignments/mlp-numpy'), shards: 3, out: 'o' }, checks).assignment).toBe(path.join(root, 'assignments/mlp-numpy'));
  });

  it('refuses what it cannot submit, saying why', () => {
    const base = { submissions: 's', assignment: 'mlp-numpy', out: 'o' };
    expect(() => planSlurm({ ...base, shards: 0 }, checks)).toThrow(/--shards must be a positive whole number/);
    expect(() => planSlurm({ ...base, shards: 2.5 }, checks)).toThrow(/--shards/);
    expect(() => planSlurm({ ...base, shards: 2, jobs: 0 }, checks)).toThrow(/--jobs/);
    expect(() => planSlurm({ ...base, shards: 2, gradeOptions: ['--no-cache', '--seed=x'] }, checks)).toThrow(/--seed is set by dlgrade slurm itself/);
    expect(() => planSlurm({ ...base, shards: 2, gradeOptions: ['--tags', 'gpu'] }, checks)).toThrow(/--tags is set by dlgrade slurm itself/);
    expect(() => planSlurm({ ...base, shards: 2, out: 'say "out"' }, checks)).toThrow(/cannot go into a batch script/);
    expect(() => planSlurm({ ...base, shards: 2, submissions: 'a\nb' }, checks)).toThrow(/cannot go into a batch script/);
  });

  it('sends to the gpu partition exactly the selected checks that need more than a cpu', () => {
    const dir = tmp();
    const pack = loadPack(gpuPack(path.join(dir, 'pack')));
    expect(gpuChecksOf(pack.spec.checks)).toEqual(['softmax']);
    expect(gpuChecksOf(pack.spec.checks, [], ['soft*'])).toEqual([]);
    expect(gpuChecksOf(pack.spec.checks, ['fc_*'])).toEqual([]);
    expect(planSlurm({ submissions: 's', assignment: pack.dir, shards: 2, out: 'o' }, pack.spec.checks).gpuChecks).toEqual([]);
    expect(planSlurm({ submissions: 's', assignment: pack.dir, shards: 2, out: 'o', gpuPartition: 'gpu' }, pack.spec.checks).gpuChecks).toEqual(['softmax']);
  });
});

describe('dlgrade slurm: the scripts', () => {
  const dir = tmp();
  const checks = loadPack(gpuPack(path.join(dir, 'pack'))).spec.checks;
  // Spaces and a quote in the paths: the scripts must keep each one a single argument.
  const base = planSlurm({ submissions: path.join(dir, "the class's hand-ins"), assignment: path.join(dir, 'pack'), shards: 3, out: path.join(dir, "out put's $HOME"), seed: 's33d', partition: 'cpu', gpuPartition: 'gpu', skip: ['tinynet_*'], gradeOptions: ['--no-cache'], sbatchOptions: ['--time=0:30:00'] }, checks);
  const plan: SlurmPlan = { ...base, node: argvPrinter(dir) };

  it('grade one shard per array task, with N written out and the same seed everywhere', () => {
    const script = arrayScript(plan, 'cpu');
    expect(sbatchLines(script)).toEqual([
      '#SBATCH --job-name=dlgrade-grade', '#SBATCH --array=1-3', '#SBATCH --cpus-per-task=1', '#SBATCH --partition=cpu',
      `#SBATCH --output="${path.join(plan.out, 'slurm', 'logs', 'grade-%A_%a.out')}"`, '#SBATCH --time=0:30:00',
    ]);
    fs.mkdirSync(path.join(plan.out, 'slurm', 'done'), { recursive: true });
    // Task 2 resubmitted alone: its array has one task, and the shard must still be 2/3.
    const r = runScript(script, dir, { SLURM_ARRAY_TASK_ID: '2', SLURM_ARRAY_TASK_COUNT: '1' });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout.split('\n').filter(Boolean)).toEqual([
      plan.cli, 'grade', plan.submissions, '-a', plan.assignment, '-o', path.join(plan.out, 'shard-2'),
      '--shard', '2/3', '--seed', 's33d', '--tags', 'cpu', '--jobs', '1', '--skip', 'tinynet_*', '--no-cache',
    ]);
    expect(fs.existsSync(path.join(plan.out, 'slurm', 'done', 'shard-2'))).toBe(true);
  });

  it('grade the gpu checks on the gpu partition with one gres gpu per task, tagged cpu,gpu', () => {
    const script = arrayScript(plan, 'gpu');
    expect(sbatchLines(script)).toEqual(expect.arrayContaining(['#SBATCH --array=1-3', '#SBATCH --partition=gpu', '#SBATCH --gres=gpu:1']));
    const r = runScript(script, dir, { SLURM_ARRAY_TASK_ID: '3' });
    expect(r.status, r.stderr).toBe(0);
    const argv = r.stdout.split('\n').filter(Boolean);
    expect(argv.slice(argv.indexOf('-o'), argv.indexOf('-o') + 2)).toEqual(['-o', path.join(plan.out, 'gpu-shard-3')]);
    expect(argv.join(' ')).toContain('--shard 3/3 --seed s33d --tags cpu,gpu --jobs 1 --only softmax --no-cache');
    expect(argv).not.toContain('--skip');
    // detect: the task finds its own devices.
    const detected = runScript(arrayScript({ ...plan, gpuTags: 'detect' }, 'gpu'), dir, { SLURM_ARRAY_TASK_ID: '1' });
    expect(detected.stdout.split('\n')).not.toContain('--tags');
  });

  it('refuse to run outside an array job', () => {
    const r = runScript(arrayScript(plan, 'cpu'), dir);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/this is an array job: submit it with sbatch/);
  });

  it('merge only once every shard has graded to the end, the CPU shards first', () => {
    const script = mergeScript(plan, 'afterok:101:102');
    expect(sbatchLines(script)).toEqual(expect.arrayContaining(['#SBATCH --dependency=afterok:101:102', '#SBATCH --partition=cpu']));
    const done = path.join(plan.out, 'slurm', 'done');
    fs.rmSync(done, { recursive: true, force: true });
    fs.mkdirSync(done, { recursive: true });
    for (const f of ['shard-1', 'shard-2', 'gpu-shard-1', 'gpu-shard-2', 'gpu-shard-3']) fs.writeFileSync(path.join(done, f), '');
    const missing = runScript(script, dir);
    expect(missing.status).toBe(1);
    expect(missing.stderr).toContain(`not graded to the end: shard-3 (their logs are in ${path.join(plan.out, 'slurm', 'logs')}; resubmit them with: dlgrade slurm -o ${plan.out} --resubmit TASKS)`);
    fs.writeFileSync(path.join(done, 'shard-3'), '');
    const r = runScript(script, dir);
    expect(r.status, r.stderr).toBe(0);
    const shards = [1, 2, 3].map((k) => path.join(plan.out, `shard-${k}`)).concat([1, 2, 3].map((k) => path.join(plan.out, `gpu-shard-${k}`)));
    expect(r.stdout.split('\n').filter(Boolean)).toEqual([plan.cli, 'merge', ...shards, '-o', plan.out]);
  });

  it('quote only what needs it', () => {
    expect(shellWord('/a/b-c_d.e:f,g=h')).toBe('/a/b-c_d.e:f,g=h');
    expect(shellWord("it's")).toBe(`'it'\\''s'`);
    expect(shellWord('fc_*')).toBe(`'fc_*'`);
  });
});

describe('dlgrade slurm: submitting', () => {
  it('queues the arrays, then the merge behind them, and records the ids', async () => {
    const dir = tmp();
    const pack = gpuPack(path.join(dir, 'pack'));
    const cls = materializeClass('mlp-numpy', path.join(dir, 'class'))!;
    const out = path.join(dir, 'out');
    const slurm = fakeSlurm();
    const { record, notes } = await submitSlurm({ submissions: cls, assignment: pack, shards: 4, out, gpuPartition: 'gpu', seed: 's' }, slurm.exec);
    expect(notes).toEqual([]);
    expect(slurm.calls.map((c) => [c.command, ...c.args.map((a) => path.basename(a))])).toEqual([
      ['sbatch', '--parsable', 'grade.sh'], ['sbatch', '--parsable', 'gpu-grade.sh'], ['sbatch', '--parsable', 'merge.sh'],
    ]);
    expect(slurm.calls[2].script).toContain('#SBATCH --dependency=afterok:101:102\n');
    expect(record).toMatchObject({ grade: '101', gpu: '102', merge: '103', resubmitted: [] });
    expect(readRecord(out)).toEqual(record);
    const lines = followLines(record, { accounting: false }).join('\n');
    expect(lines).toContain('squeue -j 101,102,103');
    expect(lines).toContain(path.join(out, 'slurm', 'logs', 'grade-101_K.out'));
    expect(lines).not.toContain('sacct');
    expect(followLines(record, { accounting: true }).join('\n')).toContain('sacct -j 101,102,103');
  });

  it('says when gpu checks stay pending, and takes back the arrays when the merge cannot be queued', async () => {
    const dir = tmp();
    const pack = gpuPack(path.join(dir, 'pack'));
    const cls = materializeClass('mlp-numpy', path.join(dir, 'class'))!;
    const { notes } = await submitSlurm({ submissions: cls, assignment: pack, shards: 2, out: path.join(dir, 'a') }, fakeSlurm().exec);
    expect(notes).toEqual(['Note: softmax needs a gpu: skipped, points pending (give --gpu-partition to grade it there)']);
    const slurm = fakeSlurm({ failSbatchAt: 2 });
    await expect(submitSlurm({ submissions: cls, assignment: 'mlp-numpy', shards: 2, out: path.join(dir, 'b') }, slurm.exec)).rejects.toThrow(/Invalid partition name.*jobs 101, already submitted, were cancelled/);
    expect(slurm.calls.at(-1)).toMatchObject({ command: 'scancel', args: ['101'] });
    expect(fs.existsSync(path.join(dir, 'b', 'slurm', 'jobs.json'))).toBe(false);
  });

  it('resubmits a task with the same script and queues the merge behind it and the arrays still running', async () => {
    const dir = tmp();
    const cls = materializeClass('mlp-numpy', path.join(dir, 'class'))!;
    const out = path.join(dir, 'out');
    await submitSlurm({ submissions: cls, assignment: 'mlp-numpy', shards: 3, out, seed: 's' }, fakeSlurm().exec);
    const slurm = fakeSlurm({ first: 201, queued: ['101'] });
    const { record, latest } = await resubmitSlurm(out, '3', slurm.exec);
    expect(slurm.calls.map((c) => [c.command, ...c.args.map((a) => (a.startsWith('/') ? path.basename(a) : a))])).toEqual([
      ['squeue', '-h', '-j', '101', '-o', '%i'],
      ['sbatch', '--parsable', '--array=3', 'grade.sh'],
      ['scancel', '102'],
      ['sbatch', '--parsable', 'merge.sh'],
    ]);
    // The new task must succeed; the rest of the first array must end (the merge checks how).
    expect(slurm.calls[3].script).toContain('#SBATCH --dependency=afterok:201,afterany:101\n');
    expect(latest).toEqual([{ job: '201', kind: 'cpu', tasks: [3] }]);
    expect(record).toMatchObject({ grade: '101', merge: '202', resubmitted: [{ job: '201', kind: 'cpu', tasks: [3] }] });
    expect(followLines(record, { accounting: false, latest }).join('\n')).toContain(path.join(out, 'slurm', 'logs', 'grade-201_3.out'));
    expect(() => parseResubmit('4', record.plan)).toThrow(/tasks 1 to 3/);
    expect(() => parseResubmit('gpu:1', record.plan)).toThrow(/no gpu array/);
    expect(parseResubmit('2, 3,2', record.plan)).toEqual({ cpu: [2, 3], gpu: [] });
  });

  it('reads job ids, and builds the sbatch calls', () => {
    expect(parseJobId('42\n')).toBe('42');
    expect(parseJobId('42;cluster\n')).toBe('42');
    expect(() => parseJobId('Submitted batch job 42')).toThrow(/no job id/);
    expect(sbatchArgs('/x/grade.sh', { array: [2, 3] })).toEqual(['--parsable', '--array=2,3', '/x/grade.sh']);
    expect(SLURM_OPTIONS.map((o) => o.flags.split(' ')[0].replace(',', ''))).toEqual(expect.arrayContaining(['-a', '-o', '--shards', '--partition', '--gpu-partition', '--resubmit']));
  });

  it('exits 2 and says where Slurm is missing', async () => {
    const dir = tmp();
    const cls = materializeClass('mlp-numpy', path.join(dir, 'class'))!;
    const saved = process.env.PATH;
    const errors: string[] = [];
    const error = console.error;
    console.error = (s: string) => errors.push(s);
    process.env.PATH = dir;
    try {
      expect(await slurmCommand({ submissions: cls, assignment: 'mlp-numpy', shards: 2, out: path.join(dir, 'out') })).toBe(2);
      expect(await slurmCommand({ out: path.join(dir, 'nothing'), resubmit: '1' })).toBe(2);
    } finally {
      process.env.PATH = saved;
      console.error = error;
    }
    expect(errors[0]).toMatch(/sbatch not found: run this where Slurm's commands are .*scripts\/slurm-cluster.sh start/);
    expect(errors[1]).toMatch(/jobs.json: not found: nothing was submitted/);
  });
});
