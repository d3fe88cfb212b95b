/**
 * Grading on a real Slurm: scripts/slurm-cluster.sh starts a one-node cluster (slurmctld,
 * slurmd and munged, all under a temporary folder), `dlgrade slurm` submits the sample class
 * through sbatch, and the merged gradebook must be the one a single `dlgrade grade` of the same
 * class and seed writes. A shard task cancelled mid-run and resubmitted must resume from the
 * results it wrote, and the checks that need a gpu must go to the gpu partition with a gres.
 *
 * Skipped only where Slurm is not installed and this is not CI; under CI the cluster script's
 * own error (install slurm-wlm and munge) fails the test.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { materializeClass } from '../../harness/cli/sample-class.ts';
import { type SlurmRecord, readRecord, slurmCli } from '../../harness/cli/slurm.ts';
import { packVariant } from '../helpers/pack-variant.ts';

const root = path.resolve(import.meta.dirname, '../..');
const clusterScript = path.join(root, 'scripts', 'slurm-cluster.sh');
const installed = ['slurmctld', 'slurmd', 'munged', 'sbatch'].every((c) => ['/usr/sbin', '/usr/bin', '/sbin', '/bin'].some((d) => fs.existsSync(path.join(d, c))));
const skip = !installed && !process.env.CI;
if (skip) console.warn('tests/cluster/slurm.test.ts: skipped: Slurm is not installed (apt-get install -y slurm-wlm munge; under CI this fails instead)');

const cli = (...args: string[]) => execa('node', [path.join(root, 'bin/dlgrade.mjs'), ...args], { reject: false, cwd: root });
/** The checks graded: all but the ten seconds per student of tinynet_train. */
const SELECT = ['--skip', 'tinynet_train'];

/** `dlgrade slurm ARGS`, parsed as the command line parses it. */
async function dlgradeSlurm(...args: string[]): Promise<number> {
  const program = new Command('dlgrade').exitOverride();
  let code = -1;
  slurmCli(program, { setExit: (c) => { code = c; }, startedAt: performance.now() });
  await program.parseAsync(['slurm', ...args], { from: 'user' });
  return code;
}

async function slurm(command: string, ...args: string[]): Promise<string> {
  const r = await execa(command, args, { reject: false });
  if (r.exitCode !== 0) throw new Error(`${command} ${args.join(' ')}: ${r.stderr}`);
  return String(r.stdout);
}

const jobField = (text: string, field: string) => new RegExp(`\\b${field}=(\\S*)`).exec(text)?.[1];

/** Waits until the job has ended (squeue no longer lists it) and gives what scontrol says of it. */
async function waitForJob(job: string, seconds: number, logs?: string): Promise<string> {
  const until = Date.now() + seconds * 1000;
  while (Date.now() < until) {
    if (!(await slurm('squeue', '-h', '-j', job, '-o', '%i')).trim()) return slurm('scontrol', 'show', 'job', job);
    await new Promise((r) => setTimeout(r, 500));
  }
  const logText = logs && fs.existsSync(logs) ? fs.readdirSync(logs).map((f) => `--- ${f}\n${fs.readFileSync(path.join(logs, f), 'utf8')}`).join('\n') : '';
  throw new Error(`job ${job} still queued after ${seconds} s:\n${await slurm('squeue')}\n${logText}`);
}

/** Waits for the merge; it must have completed. */
async function mergeDone(record: SlurmRecord): Promise<void> {
  const logs = path.join(record.plan.out, 'slurm', 'logs');
  const info = await waitForJob(record.merge, 150, logs);
  expect(jobField(info, 'JobState'), info).toBe('COMPLETED');
}

const log = (record: SlurmRecord, file: string) => fs.readFileSync(path.join(record.plan.out, 'slurm', 'logs', file), 'utf8');
const gradebook = (dir: string) => fs.readFileSync(path.join(dir, 'gradebook.csv'), 'utf8');

describe.skipIf(skip)('dlgrade slurm on a one-node cluster', () => {
  let tmp = '';
  let cluster = '';
  let cls = '';
  const savedConf = process.env.SLURM_CONF;

  beforeAll(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'dlgrade-slurm-test-'));
    cluster = path.join(tmp, 'cluster');
    const started = await execa('bash', [clusterScript, 'start', cluster], { reject: false });
    expect(started.exitCode, started.stderr).toBe(0);
    const conf = /^export SLURM_CONF=(.+)$/m.exec(String(started.stdout))?.[1];
    expect(conf, String(started.stdout)).toBeTruthy();
    // sbatch, squeue and the jobs they start (sbatch passes its environment on) find this cluster.
    process.env.SLURM_CONF = conf;
    cls = materializeClass('mlp-numpy', path.join(tmp, 'class'))!;
  });

  afterAll(async () => {
    if (cluster) {
      const stopped = await execa('bash', [clusterScript, 'stop', cluster], { reject: false });
      if (stopped.exitCode !== 0) console.error(stopped.stderr);
    }
    if (savedConf === undefined) delete process.env.SLURM_CONF;
    else process.env.SLURM_CONF = savedConf;
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('grades the class in 3 shards through sbatch into the gradebook one machine writes', async () => {
    const out = path.join(tmp, 'slurm-out');
    // No --seed: dlgrade slurm draws one, and every shard must use it. No cache: every shard
    // grades for itself rather than reading what the one-machine run stored.
    expect(await dlgradeSlurm(cls, '-a', 'mlp-numpy', '--shards', '3', '-o', out, '--partition', 'cpu', ...SELECT, '--', '--no-cache')).toBe(0);
    const record = readRecord(out);
    const seed = record.plan.seed;
    expect(seed).toMatch(/^[0-9a-f]{12}$/);
    // The merge waits on the array: it cannot have started before the shards.
    expect(jobField(await slurm('scontrol', 'show', 'job', record.merge), 'Dependency')).toMatch(new RegExp(`^afterok:${record.grade}_\\*`));
    const one = await cli('grade', cls, '-a', 'mlp-numpy', '-o', path.join(tmp, 'one'), '--seed', seed, ...SELECT, '--no-cache');
    expect(one.exitCode, one.stderr).toBe(0);
    await mergeDone(record);
    for (const k of [1, 2, 3]) {
      const text = log(record, `grade-${record.grade}_${k}.out`);
      expect(text).toMatch(new RegExp(`Graded \\d+ submissions in .* \\(seed ${seed}\\)`));
      expect(text).not.toMatch(/From the cache|Resuming/);
    }
    expect(log(record, `merge-${record.merge}.out`)).toMatch(/Merged 3 runs: 11 submissions/);
    const merged = gradebook(out);
    expect(merged.trim().split('\n')).toHaveLength(12);
    expect(merged).toBe(gradebook(path.join(tmp, 'one')));
  }, 240_000);

  it('resumes a shard task cancelled mid-run from the results it wrote, once resubmitted', async () => {
    const out = path.join(tmp, 'resume-out');
    // The first test's seed, so that its one-machine gradebook (tmp/one) is the one to reach.
    const seed = readRecord(path.join(tmp, 'slurm-out')).plan.seed;
    expect(await dlgradeSlurm(cls, '-a', 'mlp-numpy', '--shards', '3', '-o', out, '--seed', seed, ...SELECT, '--', '--no-cache')).toBe(0);
    const first = readRecord(out);
    // Shard 3 is chloe, farid and ivy, graded in that order; ivy's endless loop holds it for
    // the ten seconds of a check's time limit, so the task is cancelled before its end.
    const shard = path.join(out, 'shard-3');
    const written = () => (fs.existsSync(shard) ? fs.readdirSync(shard).filter((n) => fs.existsSync(path.join(shard, n, 'result.json'))) : []);
    const until = Date.now() + 120_000;
    while (!written().length && Date.now() < until) await new Promise((r) => setTimeout(r, 100));
    expect(written().length, 'shard 3 wrote no result').toBeGreaterThan(0);
    await slurm('scancel', `${first.grade}_3`);
    const cancelled = await waitForJob(`${first.grade}_3`, 60);
    expect(jobField(cancelled, 'JobState')).toBe('CANCELLED');
    const kept = written().sort();
    expect(kept.length).toBeGreaterThan(0);
    expect(kept.length, 'the task had finished before it was cancelled').toBeLessThan(3);
    const before = new Map(kept.map((n) => {
      const file = path.join(shard, n, 'result.json');
      const st = fs.statSync(file);
      return [n, { ino: st.ino, mtimeMs: st.mtimeMs, text: fs.readFileSync(file, 'utf8') }];
    }));

    expect(await dlgradeSlurm('-o', out, '--resubmit', '3')).toBe(0);
    const second = readRecord(out);
    const again = second.resubmitted[0];
    expect(again).toMatchObject({ kind: 'cpu', tasks: [3] });
    expect(second.merge).not.toBe(first.merge);
    await mergeDone(second);
    // The first merge, behind a cancelled task, never ran: it was cancelled for the new one.
    expect(jobField(await slurm('scontrol', 'show', 'job', first.merge), 'JobState')).toBe('CANCELLED');
    expect(fs.existsSync(path.join(out, 'slurm', 'logs', `merge-${first.merge}.out`))).toBe(false);

    expect(log(second, `grade-${again.job}_3.out`)).toContain(`Resuming (seed ${seed}): ${kept.length} of 3 already graded in ${shard}, skipped: ${kept.join(', ')}`);
    for (const [n, was] of before) {
      const file = path.join(shard, n, 'result.json');
      const st = fs.statSync(file);
      expect({ ino: st.ino, mtimeMs: st.mtimeMs, text: fs.readFileSync(file, 'utf8') }, `${n}'s result was written again`).toEqual(was);
    }
    expect(written()).toHaveLength(3);
    expect(gradebook(out)).toBe(gradebook(path.join(tmp, 'one')));
  }, 240_000);

  it('grades the checks that need a gpu on the gpu partition, one gres gpu per task, and merges them in', async () => {
    const pack = packVariant(path.join(root, 'assignments/mlp-numpy'), path.join(tmp, 'gpu-pack'), [['  - id: softmax\n', '  - id: softmax\n    requires: [gpu]\n']]);
    const out = path.join(tmp, 'gpu-out');
    const only = ['--only', 'softmax', '--only', 'fc_*', '--only', 'answer_*'];
    expect(await dlgradeSlurm(cls, '-a', pack, '--shards', '2', '-o', out, '--seed', 'g', '--partition', 'cpu', '--gpu-partition', 'gpu', ...only, '--', '--no-cache')).toBe(0);
    const record = readRecord(out);
    // Read first, while the shards (a second or two each) are still queued or running.
    expect(jobField(await slurm('scontrol', 'show', 'job', record.merge), 'Dependency')).toMatch(new RegExp(`^afterok:${record.grade}_\\*.*afterok:${record.gpu}_\\*`));
    expect(record.gpu).toBeDefined();
    expect(record.plan.gpuChecks).toEqual(['softmax']);
    const gpuJob = await slurm('scontrol', 'show', 'job', record.gpu!);
    expect(jobField(gpuJob, 'Partition')).toBe('gpu');
    expect(jobField(gpuJob, 'TresPerNode')).toBe('gres:gpu:1');
    expect(jobField(await slurm('scontrol', 'show', 'job', record.grade), 'Partition')).toBe('cpu');
    const one = await cli('grade', cls, '-a', pack, '-o', path.join(tmp, 'gpu-one'), '--seed', 'g', '--tags', 'cpu,gpu', ...only, '--no-cache');
    expect(one.exitCode, one.stderr).toBe(0);
    await mergeDone(record);

    // On the CPU partition softmax was skipped, its point pending; the gpu shards graded it.
    const cpuSide = JSON.parse(fs.readFileSync(path.join(out, 'shard-1', 'ada', 'result.json'), 'utf8'));
    expect(cpuSide.checks.find((c: { id: string }) => c.id === 'softmax')).toMatchObject({ status: 'skipped' });
    expect(cpuSide.pending_score).toBe(1);
    const merged = gradebook(out);
    // The solution: full marks, nothing pending.
    expect(merged).toMatch(/^ada,(?:\d+,){5}(\d+),\1,0,$/m);
    expect(merged).not.toMatch(/skipped/);
    expect(merged).toBe(gradebook(path.join(tmp, 'gpu-one')));
  }, 240_000);
});
