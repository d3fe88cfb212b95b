/**
 * `dlgrade slurm`: a class graded on a Slurm cluster. It writes three batch scripts into
 * OUT/slurm/ and submits them with sbatch:
 * - grade.sh, an array job with one task per shard: `dlgrade grade --shard K/N` into
 *   OUT/shard-K, every task with the same seed, tagged `cpu`;
 * - gpu-grade.sh, only when the pack has checks that require a gpu and a gpu partition is given:
 *   the same shards on that partition, one `--gres=gpu:1` each, grading only those checks into
 *   OUT/gpu-shard-K with the tags `cpu,gpu`;
 * - merge.sh, held until every shard has succeeded (`afterok`), then `dlgrade merge` into OUT,
 *   where a check graded on the gpu partition replaces the same check skipped on the CPU one.
 * A task that failed or was cancelled is resubmitted with `--resubmit K`: the same script, with
 * `--array=K`, resumes from the results that task wrote (grade keeps every result whose key is
 * unchanged), and the merge is queued again behind it.
 *
 * What the scripts and the sbatch calls look like is decided by small pure functions, so that a
 * test can read them without a cluster; only submitSlurm and resubmitSlurm run commands.
 */
import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import type { Command } from 'commander';
import { listSubmissions } from '../runner/batch.ts';
import { selectChecks } from '../runner/limits.ts';
import { toJson, writeAtomic } from '../results/write.ts';
import { REPO_ROOT, loadPack } from '../spec/load.ts';
import type { CheckSpec } from '../spec/types.ts';
import { DlgradeError } from '../common/errors.ts';
import { type Cli, UsageError } from './options.ts';

/** sbatch or squeue refused, or is not there: an environment error (exit 2). */
export class SlurmError extends DlgradeError {
  override name = 'SlurmError';
}

export interface SlurmOptions {
  /** The folder of submissions (not needed with resubmit). */
  submissions?: string;
  /** A shipped pack's name or a path to a pack (not needed with resubmit). */
  assignment?: string;
  /** How many shards, one array task each (not needed with resubmit). */
  shards?: number;
  out: string;
  /** The partition of the grading array and the merge (default: the cluster's default). */
  partition?: string;
  /** Where checks that require a gpu are graded; without it they stay pending. */
  gpuPartition?: string;
  /** The gpu array's runner tags (default cpu,gpu; cpu,gpu,cuda on CUDA nodes; detect: found by each task). */
  gpuTags?: string;
  /** The hidden inputs' seed, the same in every shard (default: drawn once, here). */
  seed?: string;
  /** Submissions graded at once in each task, and the CPUs each task asks for (default 1). */
  jobs?: number;
  only?: string[];
  skip?: string[];
  /** More options for every shard's `dlgrade grade` (--no-cache, --data, --memory ...). */
  gradeOptions?: string[];
  /** More sbatch options for every job (--time=1:00:00, --account=course ...). */
  sbatchOptions?: string[];
  /** Resubmit these tasks of an earlier submission into OUT: "2", "2,3", "gpu:1". */
  resubmit?: string;
}

/** Everything the scripts are made from, with absolute paths; kept in OUT/slurm/jobs.json. */
export interface SlurmPlan {
  node: string;
  cli: string;
  submissions: string;
  /** The shipped pack's name, or the absolute path of the pack's folder. */
  assignment: string;
  out: string;
  shards: number;
  seed: string;
  jobs: number;
  partition?: string;
  gpuPartition?: string;
  gpuTags: string;
  only: string[];
  skip: string[];
  /** The checks the gpu array grades; empty: there is no gpu array. */
  gpuChecks: string[];
  gradeOptions: string[];
  sbatchOptions: string[];
}

export type ArrayKind = 'cpu' | 'gpu';

/** What was submitted: the plan, and the job ids. */
export interface SlurmRecord {
  plan: SlurmPlan;
  grade: string;
  gpu?: string;
  merge: string;
  resubmitted: { job: string; kind: ArrayKind; tasks: number[] }[];
}

export interface CommandResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}
/** Runs a command; resolves with its exit code even when it fails, rejects only when it cannot start. */
export type Exec = (command: string, args: string[]) => Promise<CommandResult>;

/** Options that `dlgrade slurm` sets in every shard itself: given again, they would contradict it. */
const OWN_GRADE_OPTIONS = ['-a', '--assignment', '-o', '--out', '--shard', '--seed', '--tags', '-j', '--jobs', '--only', '--skip'];
const DEFAULT_GPU_TAGS = 'cpu,gpu';

/** A word for bash, quoted only when it needs to be. */
export function shellWord(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/** The checks a gpu partition grades: those that need a tag beyond cpu. */
export function gpuChecksOf(checks: CheckSpec[], only: string[] = [], skip: string[] = []): string[] {
  return selectChecks(checks, only, skip).filter((c) => (c.requires ?? []).some((t) => t !== 'cpu')).map((c) => c.id);
}

export function planSlurm(o: SlurmOptions, checks: CheckSpec[], seed = o.seed ?? randomBytes(6).toString('hex')): SlurmPlan {
  if (!o.submissions) throw new UsageError('give the folder of submissions');
  if (!o.assignment) throw new UsageError('give the pack: -a, --assignment <pack>');
  const shards = o.shards ?? NaN, jobs = o.jobs ?? 1;
  if (!Number.isInteger(shards) || shards < 1) throw new UsageError('--shards must be a positive whole number');
  if (!Number.isInteger(jobs) || jobs < 1) throw new UsageError('--jobs must be a positive whole number');
  const clash = (o.gradeOptions ?? []).map((a) => a.split('=')[0]).find((a) => OWN_GRADE_OPTIONS.includes(a));
  if (clash) throw new UsageError(`${clash} is set by dlgrade slurm itself in every shard: give it to dlgrade slurm, not after --`);
  const assignment = fs.existsSync(o.assignment) ? path.resolve(o.assignment) : o.assignment;
  // A line break would end a script's line, and a double quote an #SBATCH option's value.
  const odd = [o.submissions, assignment, o.out].find((x) => /[\n\r]/.test(x)) ?? (/"/.test(o.out) ? o.out : undefined);
  if (odd !== undefined) throw new UsageError(`${JSON.stringify(odd)}: a path that cannot go into a batch script (line breaks anywhere, double quotes in the results folder)`);
  const only = o.only ?? [], skip = o.skip ?? [];
  return {
    node: process.execPath,
    cli: path.join(REPO_ROOT, 'bin', 'dlgrade.mjs'),
    submissions: path.resolve(o.submissions),
    assignment,
    out: path.resolve(o.out),
    shards,
    seed,
    jobs,
    ...(o.partition ? { partition: o.partition } : {}),
    ...(o.gpuPartition ? { gpuPartition: o.gpuPartition } : {}),
    gpuTags: o.gpuTags ?? DEFAULT_GPU_TAGS,
    only,
    skip,
    gpuChecks: o.gpuPartition ? gpuChecksOf(checks, only, skip) : [],
    gradeOptions: o.gradeOptions ?? [],
    sbatchOptions: o.sbatchOptions ?? [],
  };
}

const slurmDir = (p: SlurmPlan) => path.join(p.out, 'slurm');
export const scriptFile = (p: SlurmPlan, kind: ArrayKind | 'merge') => path.join(slurmDir(p), kind === 'cpu' ? 'grade.sh' : kind === 'gpu' ? 'gpu-grade.sh' : 'merge.sh');
const shardName = (kind: ArrayKind, task: number | string) => `${kind === 'gpu' ? 'gpu-shard' : 'shard'}-${task}`;
/** A task's mark that it graded its shard to the end; the merge checks them all. */
const doneFile = (p: SlurmPlan, kind: ArrayKind, task: number | string) => path.join(slurmDir(p), 'done', shardName(kind, task));
const logPattern = (kind: ArrayKind | 'merge') => (kind === 'merge' ? 'merge-%j.out' : `${kind === 'gpu' ? 'gpu-grade' : 'grade'}-%A_%a.out`);

/** Every shard folder the merge reads: the CPU shards first, so their order of checks is kept. */
export function shardFolders(p: SlurmPlan): { kind: ArrayKind; task: number; dir: string }[] {
  const kinds: ArrayKind[] = p.gpuChecks.length ? ['cpu', 'gpu'] : ['cpu'];
  return kinds.flatMap((kind) => Array.from({ length: p.shards }, (_, i) => ({ kind, task: i + 1, dir: path.join(p.out, shardName(kind, i + 1)) })));
}

/** An #SBATCH option's value: sbatch splits them at blanks, and reads double quotes. */
const sbatchValue = (v: string) => (/\s/.test(v) ? `"${v}"` : v);

function header(p: SlurmPlan, lines: string[]): string[] {
  return ['#!/bin/bash', ...lines.map((l) => `#SBATCH ${l}`), ...p.sbatchOptions.map((l) => `#SBATCH ${l}`)];
}

/** `detect`: no --tags, so each task finds its own devices (a node without a working GPU leaves the checks pending). */
const tagArgs = (tags: string) => (tags === 'detect' ? [] : ['--tags', shellWord(tags)]);

/** One array task per shard. */
export function arrayScript(p: SlurmPlan, kind: ArrayKind): string {
  const gpu = kind === 'gpu';
  const partition = gpu ? p.gpuPartition : p.partition;
  const q = shellWord;
  const outDir = `${q(path.join(p.out, shardName(kind, '')))}"$task"`;
  const done = `${q(doneFile(p, kind, ''))}"$task"`;
  const grade = [
    q(p.node), q(p.cli), 'grade', q(p.submissions), '-a', q(p.assignment), '-o', outDir,
    // N is written out: a task resubmitted alone runs in an array of one, whose
    // SLURM_ARRAY_TASK_COUNT is 1.
    '--shard', `"$task/${p.shards}"`, '--seed', q(p.seed), ...tagArgs(gpu ? p.gpuTags : 'cpu'), '--jobs', String(p.jobs),
    ...(gpu ? p.gpuChecks.flatMap((id) => ['--only', q(id)]) : [...p.only.flatMap((g) => ['--only', q(g)]), ...p.skip.flatMap((g) => ['--skip', q(g)])]),
    ...p.gradeOptions.map(q),
  ];
  return [
    ...header(p, [
      `--job-name=dlgrade-${gpu ? 'gpu-grade' : 'grade'}`,
      `--array=1-${p.shards}`,
      `--cpus-per-task=${p.jobs}`,
      ...(partition ? [`--partition=${partition}`] : []),
      ...(gpu ? ['--gres=gpu:1'] : []),
      `--output=${sbatchValue(path.join(slurmDir(p), 'logs', logPattern(kind)))}`,
    ]),
    `# Written by dlgrade slurm: shard K of ${p.shards} of ${p.submissions}${gpu ? `, only the checks that need a gpu (${p.gpuChecks.join(', ')})` : ''}, seed ${p.seed}.`,
    `# A task that failed or was cancelled: sbatch --array=K this script (dlgrade slurm -o ${p.out} --resubmit ${gpu ? 'gpu:' : ''}K also queues the merge again).`,
    'set -euo pipefail',
    'task=${SLURM_ARRAY_TASK_ID:?this is an array job: submit it with sbatch}',
    `rm -f ${done}`,
    grade.join(' '),
    `touch ${done}`,
    '',
  ].join('\n');
}

/** afterok: the merge runs only when every one of these jobs (every task of an array) succeeded. */
export const afterOk = (jobs: string[]) => `afterok:${jobs.join(':')}`;

/**
 * After a resubmission: the new jobs must succeed, and the earlier arrays still queued must end
 * (their cancelled or failed task is what was resubmitted); the merge's own check of every
 * shard's mark catches any other task that failed.
 */
export const resubmitDependency = (resubmitted: string[], stillQueued: string[]) =>
  [afterOk(resubmitted), ...(stillQueued.length ? [`afterany:${stillQueued.join(':')}`] : [])].join(',');

export function mergeScript(p: SlurmPlan, dependency: string): string {
  const q = shellWord;
  const shards = shardFolders(p);
  return [
    ...header(p, [
      '--job-name=dlgrade-merge',
      `--dependency=${dependency}`,
      ...(p.partition ? [`--partition=${p.partition}`] : []),
      `--output=${sbatchValue(path.join(slurmDir(p), 'logs', logPattern('merge')))}`,
    ]),
    `# Written by dlgrade slurm: merges the ${shards.length} shard folders into ${p.out}.`,
    'set -euo pipefail',
    'missing=()',
    `for shard in ${shards.map((s) => shardName(s.kind, s.task)).join(' ')}; do`,
    `  [ -e ${q(path.join(slurmDir(p), 'done'))}/"$shard" ] || missing+=("$shard")`,
    'done',
    'if [ ${#missing[@]} -gt 0 ]; then',
    `  echo "dlgrade slurm: not graded to the end: \${missing[*]} (their logs are in "${q(path.join(slurmDir(p), 'logs'))}"; resubmit them with: dlgrade slurm -o "${q(p.out)}" --resubmit TASKS)" >&2`,
    '  exit 1',
    'fi',
    [q(p.node), q(p.cli), 'merge', ...shards.map((s) => q(s.dir)), '-o', q(p.out)].join(' '),
    '',
  ].join('\n');
}

/** The arguments of one sbatch call: --parsable prints just the job id. */
export function sbatchArgs(script: string, o: { array?: number[]; dependency?: string } = {}): string[] {
  return ['--parsable', ...(o.array ? [`--array=${o.array.join(',')}`] : []), ...(o.dependency ? [`--dependency=${o.dependency}`] : []), script];
}

/** sbatch --parsable prints "id" or "id;cluster". */
export function parseJobId(stdout: string): string {
  const m = /^\s*(\d+)(?:;\S+)?\s*$/.exec(stdout);
  if (!m) throw new SlurmError(`sbatch printed no job id: ${JSON.stringify(stdout.trim())}`);
  return m[1];
}

/** "2,3,gpu:1" → the tasks of each array to resubmit. */
export function parseResubmit(text: string, p: SlurmPlan): { cpu: number[]; gpu: number[] } {
  const tasks = { cpu: [] as number[], gpu: [] as number[] };
  for (const item of text.split(',').map((s) => s.trim()).filter(Boolean)) {
    const m = /^(gpu:)?(\d+)$/.exec(item);
    const task = m ? Number(m[2]) : NaN;
    if (!m || task < 1 || task > p.shards) throw new UsageError(`--resubmit takes tasks 1 to ${p.shards} (gpu:K for the gpu array), separated by commas; got "${item}"`);
    if (m[1] && !p.gpuChecks.length) throw new UsageError(`--resubmit ${item}: this submission has no gpu array`);
    const list = m[1] ? tasks.gpu : tasks.cpu;
    if (!list.includes(task)) list.push(task);
  }
  if (!tasks.cpu.length && !tasks.gpu.length) throw new UsageError('--resubmit: name the tasks, e.g. --resubmit 2 or --resubmit 2,gpu:3');
  return tasks;
}

/**
 * What to tell the user once the jobs are queued: the ids, how to follow them, the logs.
 * `latest`: the resubmissions just made (none: the first submission).
 */
export function followLines(r: SlurmRecord, o: { accounting: boolean; latest?: SlurmRecord['resubmitted'] }): string[] {
  const p = r.plan, logs = path.join(slurmDir(p), 'logs');
  const latest = o.latest ?? [];
  const arrays = latest.length ? latest : [{ job: r.grade, kind: 'cpu' as const }, ...(r.gpu ? [{ job: r.gpu, kind: 'gpu' as const }] : [])];
  const jobs = [...arrays.map((x) => x.job), r.merge];
  const lines = [`Submitted to Slurm (seed ${p.seed}, the same in every shard):`];
  for (const x of latest) {
    lines.push(`  resubmitted: job ${x.job}, task${x.tasks.length > 1 ? 's' : ''} ${x.tasks.join(',')} of ${path.basename(scriptFile(p, x.kind))}: each resumes from the results it wrote`);
  }
  if (!latest.length) {
    lines.push(`  grading: job ${r.grade}, array 1-${p.shards} (${p.partition ? `partition ${p.partition}` : 'the default partition'}), task K -> ${path.join(p.out, 'shard-K')}`);
    if (r.gpu) lines.push(`  gpu:     job ${r.gpu}, array 1-${p.shards} (partition ${p.gpuPartition}, --gres=gpu:1, tags ${p.gpuTags}): ${p.gpuChecks.join(', ')} -> ${path.join(p.out, 'gpu-shard-K')}`);
  }
  lines.push(`  merge:   job ${r.merge}, once every shard has succeeded -> ${path.join(p.out, 'gradebook.csv')}`);
  lines.push(`Follow:  squeue -j ${jobs.join(',')}`);
  lines.push(`         scontrol show job ${r.merge}   (Reason=DependencyNeverSatisfied: a shard failed; resubmit it)`);
  if (o.accounting) lines.push(`         sacct -j ${jobs.join(',')}`);
  const logFiles = arrays.flatMap((x) => ('tasks' in x ? x.tasks : ['K']).map((t) => path.join(logs, `${x.kind === 'gpu' ? 'gpu-grade' : 'grade'}-${x.job}_${t}.out`)));
  lines.push(`Logs:    ${[...logFiles, path.join(logs, `merge-${r.merge}.out`)].join(', ')}`);
  lines.push(`A task that failed or was cancelled: dlgrade slurm -o ${p.out} --resubmit K${p.gpuChecks.length ? ' (gpu:K for the gpu array)' : ''}`);
  return lines;
}

/** The notes about gpu checks that will not be graded as asked. */
export function gpuNotes(p: SlurmPlan, checks: CheckSpec[]): string[] {
  const needing = gpuChecksOf(checks, p.only, p.skip);
  if (!p.gpuPartition && needing.length) return [`Note: ${needing.join(', ')} need${needing.length === 1 ? 's' : ''} a gpu: skipped, points pending (give --gpu-partition to grade ${needing.length === 1 ? 'it' : 'them'} there)`];
  if (p.gpuPartition && !needing.length) return [`Note: no selected check needs a gpu: nothing is sent to partition ${p.gpuPartition}`];
  return [];
}

const recordFile = (out: string) => path.join(path.resolve(out), 'slurm', 'jobs.json');

export function readRecord(out: string): SlurmRecord {
  const file = recordFile(out);
  if (!fs.existsSync(file)) throw new UsageError(`${file}: not found: nothing was submitted into ${out} by dlgrade slurm`);
  return JSON.parse(fs.readFileSync(file, 'utf8')) as SlurmRecord;
}

const defaultExec: Exec = async (command, args) => {
  const { execa } = await import('execa');
  const r = await execa(command, args, { reject: false });
  if (r.exitCode === undefined) {
    const missing = (r as { code?: string }).code === 'ENOENT';
    throw new SlurmError(missing ? `${command} not found: run this where Slurm's commands are (a login node; to try it on this machine: scripts/slurm-cluster.sh start)` : `${command} could not run: ${r.message}`);
  }
  return { exitCode: r.exitCode, stdout: String(r.stdout), stderr: String(r.stderr) };
};

async function sbatch(exec: Exec, args: string[]): Promise<string> {
  const r = await exec('sbatch', args);
  if (r.exitCode !== 0) throw new SlurmError(`sbatch ${args.join(' ')} failed: ${r.stderr.trim() || r.stdout.trim() || `exit code ${r.exitCode}`}`);
  return parseJobId(r.stdout);
}

function writeScript(file: string, text: string) {
  writeAtomic(file, text, { durable: false });
  fs.chmodSync(file, 0o755);
}

/** Writes the scripts and submits them: the grading array(s), then the merge behind them. */
export async function submitSlurm(o: SlurmOptions, exec: Exec = defaultExec): Promise<{ record: SlurmRecord; notes: string[] }> {
  if (!o.assignment) throw new UsageError('give the pack: -a, --assignment <pack>');
  const pack = loadPack(o.assignment);
  const plan = planSlurm(o, pack.spec.checks);
  const count = listSubmissions(plan.submissions, plan.out).length;
  if (!count) throw new UsageError(`${plan.submissions}: no submissions in it`);
  const notes = gpuNotes(plan, pack.spec.checks);
  if (plan.shards > count) notes.push(`Note: ${plan.shards} shards for ${count} submissions: ${plan.shards - count} shard${plan.shards - count === 1 ? ' has' : 's have'} nobody to grade`);
  fs.mkdirSync(path.join(slurmDir(plan), 'logs'), { recursive: true });
  // Marks of an earlier submission into OUT must not stand for this one's shards.
  fs.rmSync(path.join(slurmDir(plan), 'done'), { recursive: true, force: true });
  fs.mkdirSync(path.join(slurmDir(plan), 'done'));
  const submitted: string[] = [];
  try {
    writeScript(scriptFile(plan, 'cpu'), arrayScript(plan, 'cpu'));
    const grade = await sbatch(exec, sbatchArgs(scriptFile(plan, 'cpu')));
    submitted.push(grade);
    let gpu: string | undefined;
    if (plan.gpuChecks.length) {
      writeScript(scriptFile(plan, 'gpu'), arrayScript(plan, 'gpu'));
      gpu = await sbatch(exec, sbatchArgs(scriptFile(plan, 'gpu')));
      submitted.push(gpu);
    }
    writeScript(scriptFile(plan, 'merge'), mergeScript(plan, afterOk(submitted)));
    const merge = await sbatch(exec, sbatchArgs(scriptFile(plan, 'merge')));
    const record: SlurmRecord = { plan, grade, ...(gpu ? { gpu } : {}), merge, resubmitted: [] };
    writeAtomic(recordFile(plan.out), toJson(record));
    return { record, notes };
  } catch (e) {
    // Shards with no merge behind them would grade for nothing: take back what was queued.
    if (submitted.length) {
      await exec('scancel', submitted).catch(() => undefined);
      if (e instanceof SlurmError) e.message += ` (jobs ${submitted.join(', ')}, already submitted, were cancelled)`;
    }
    throw e;
  }
}

/** Jobs that squeue still lists as pending or running (a finished or forgotten id is not). */
async function stillQueued(exec: Exec, jobs: string[]): Promise<string[]> {
  const queued: string[] = [];
  for (const job of jobs) {
    const r = await exec('squeue', ['-h', '-j', job, '-o', '%i']);
    if (r.exitCode === 0 && r.stdout.trim()) queued.push(job);
  }
  return queued;
}

/** Resubmits tasks of the arrays recorded in OUT/slurm/jobs.json, and queues the merge again behind them. */
export async function resubmitSlurm(out: string, tasks: string, exec: Exec = defaultExec): Promise<{ record: SlurmRecord; latest: SlurmRecord['resubmitted'] }> {
  const record = readRecord(out);
  const plan = record.plan;
  const wanted = parseResubmit(tasks, plan);
  const earlier = [record.grade, ...(record.gpu ? [record.gpu] : []), ...record.resubmitted.map((x) => x.job)];
  const queued = await stillQueued(exec, earlier);
  const fresh: SlurmRecord['resubmitted'] = [];
  for (const kind of ['cpu', 'gpu'] as const) {
    if (!wanted[kind].length) continue;
    const job = await sbatch(exec, sbatchArgs(scriptFile(plan, kind), { array: wanted[kind] }));
    fresh.push({ job, kind, tasks: wanted[kind] });
  }
  // The merge queued before waits on an array that can no longer succeed as a whole.
  await exec('scancel', [record.merge]);
  const dependency = resubmitDependency(fresh.map((x) => x.job), queued);
  writeScript(scriptFile(plan, 'merge'), mergeScript(plan, dependency));
  const merge = await sbatch(exec, sbatchArgs(scriptFile(plan, 'merge')));
  const next: SlurmRecord = { ...record, merge, resubmitted: [...record.resubmitted, ...fresh] };
  writeAtomic(recordFile(plan.out), toJson(next));
  return { record: next, latest: fresh };
}

/** Whether sacct has anything to show: not on a cluster without accounting storage. */
async function keepsAccounting(exec: Exec): Promise<boolean> {
  try {
    const r = await exec('scontrol', ['show', 'config']);
    return r.exitCode === 0 && !/AccountingStorageType\s*=\s*accounting_storage\/none/.test(r.stdout);
  } catch {
    return false;
  }
}

/** `dlgrade slurm`: submits (or resubmits) and prints the job ids and how to follow them; the exit code. */
export async function slurmCommand(o: SlurmOptions, exec: Exec = defaultExec): Promise<number> {
  try {
    const done = o.resubmit !== undefined ? { ...(await resubmitSlurm(o.out, o.resubmit, exec)), notes: [] } : { ...(await submitSlurm(o, exec)), latest: [] };
    const accounting = await keepsAccounting(exec);
    for (const line of [...followLines(done.record, { accounting, latest: done.latest }), ...done.notes]) console.log(line);
    return 0;
  } catch (e) {
    if (!(e instanceof DlgradeError)) throw e;
    console.error(`dlgrade: ${e.message}`);
    return e.exitCode;
  }
}

/** The command's options, as commander declares them. */
export const SLURM_OPTIONS: { flags: string; description: string; default?: string; repeatable?: boolean }[] = [
  { flags: '-a, --assignment <pack>', description: "a shipped pack's name or a path to a pack" },
  { flags: '-o, --out <dir>', description: 'where the shards, the merged results and gradebook, and the scripts and logs (OUT/slurm/) go; on a file system every node shares' },
  { flags: '--shards <n>', description: 'how many shards: one array task each' },
  { flags: '--partition <p>', description: "the partition of the grading array and the merge (default: the cluster's default)" },
  { flags: '--gpu-partition <p>', description: 'grade the checks that require a gpu in a second array on this partition, one --gres=gpu:1 per task (without it they stay pending)' },
  { flags: '--gpu-tags <list>', description: "runner tags of the gpu array: cpu,gpu,cuda on CUDA nodes (a CUDA context needs no address-space limit), or detect (each task finds its devices; without a working GPU the checks stay pending)", default: DEFAULT_GPU_TAGS },
  { flags: '--seed <seed>', description: 'seed for the hidden inputs, the same in every shard (default: random, drawn once)' },
  { flags: '-j, --jobs <n>', description: 'submissions graded at once in each task, and the CPUs each task asks for', default: '1' },
  { flags: '--only <glob>', description: 'grade only checks whose id matches (repeatable)', repeatable: true },
  { flags: '--skip <glob>', description: 'skip checks whose id matches (repeatable)', repeatable: true },
  { flags: '--sbatch <option>', description: 'one more sbatch option for every job, e.g. --sbatch=--time=1:00:00 (repeatable)', repeatable: true },
  { flags: '--resubmit <tasks>', description: 'resubmit tasks of the submission into OUT that failed or were cancelled (e.g. 2,3 or gpu:1); they resume from what they wrote, and the merge is queued again' },
];

const collect = (v: string, prev: string[]) => [...prev, v];

/** Declares `dlgrade slurm` on a commander program, like the other commands. */
export function slurmCli(program: Command, cli: Cli) {
  const command = program
    .command('slurm')
    .description('grade a class on a Slurm cluster: an array job of shards (the same seed everywhere), then a job that merges them')
    .argument('[submissions]', 'folder holding one folder per submission (not needed with --resubmit)')
    .argument('[gradeOptions...]', "after --: more options for every shard's dlgrade grade, e.g. -- --no-cache --data system");
  for (const opt of SLURM_OPTIONS) {
    if (opt.repeatable) command.option(opt.flags, opt.description, collect, []);
    else if (opt.default !== undefined) command.option(opt.flags, opt.description, opt.default);
    else command.option(opt.flags, opt.description);
  }
  command.action(async (submissions: string | undefined, gradeOptions: string[], o) => {
    if (!o.out) {
      console.error('dlgrade: give the results folder: -o, --out <dir>');
      return cli.setExit(2);
    }
    cli.setExit(await slurmCommand({
      submissions, assignment: o.assignment, shards: o.shards === undefined ? undefined : Number(o.shards), out: o.out,
      partition: o.partition, gpuPartition: o.gpuPartition, gpuTags: o.gpuTags, seed: o.seed, jobs: Number(o.jobs),
      only: o.only, skip: o.skip, gradeOptions, sbatchOptions: o.sbatch, resubmit: o.resubmit,
    }));
  });
}
