/**
 * Grading what calibration and a pack's proof need: the solution, each valid variant on the
 * checks it must pass, each mutant on the checks it must fail (every one under several seeds,
 * since hidden cases differ by seed), and optionally a folder of real hand-ins. Derived
 * submissions are the solution with edits applied (spec/mutants.ts), made in a scratch folder.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Graded } from '../results/calibration.ts';
import type { Timer } from '../results/profile.ts';
import type { SubmissionResult } from '../results/types.ts';
import { deriveSubmission, loadMutants, loadVariants } from '../spec/mutants.ts';
import type { Pack } from '../spec/types.ts';
import { type BatchOptions, gradeBatch } from './batch.ts';
import { type GradeOptions, gradeSubmission } from './submission.ts';

export interface CalibrationRun {
  /** Seeds for the hidden cases: every derived submission is graded under each. */
  seeds: string[];
  /** A folder of real hand-ins, graded under the first seed. */
  submissions?: string;
  jobs: number;
  /** Grading options shared by every submission (interpreter, isolation, data, limits). */
  grading: Omit<GradeOptions, 'seed' | 'only' | 'skip' | 'name' | 'onCheck' | 'profile'>;
  /** Options for the batch of real hand-ins (the cache, the grader's fingerprint). */
  batch?: Pick<BatchOptions, 'cache' | 'grader' | 'runner'>;
  profile?: Timer;
  /** Called as each grading finishes (done, total). */
  onProgress?: (done: number, total: number) => void;
}

interface Job {
  role: Graded['role'];
  name: string;
  dir: string;
  checks?: string[];
  advisory?: string[];
  seed: string;
}

/**
 * Checks that train a model measure an accuracy, not a bar on an array, and cost seconds each:
 * the solution is graded on them by the pack's proof, and a variant or mutant that declares one
 * is graded on it under the first seed only.
 */
const trains = (pack: Pack) => new Set(pack.spec.checks.filter((c) => c.kind === 'train').map((c) => c.id));

export async function gradeForCalibration(pack: Pack, run: CalibrationRun): Promise<Graded[]> {
  const scratch = fs.mkdtempSync(path.join(run.grading.scratch ?? os.tmpdir(), 'dlgrade-calibrate-'));
  try {
    const solution = path.join(pack.dir, 'solution');
    const jobs: Job[] = [];
    const derive = (name: string, edits: Parameters<typeof deriveSubmission>[2]) => {
      const dir = path.join(scratch, name);
      deriveSubmission(solution, dir, edits);
      return dir;
    };
    const variants = loadVariants(pack.dir).map((v) => ({ ...v, dir: derive(`variant-${v.name}`, v.edits) }));
    const mutants = loadMutants(pack.dir).map((m) => ({ ...m, dir: derive(`mutant-${m.name}`, m.edits) }));
    const training = trains(pack);
    // Only hidden cases differ by seed: a check without any is graded under the first alone.
    const seeded = new Set(pack.spec.checks.filter((c) => c.cases.some((k) => k.hidden)).map((c) => c.id));
    run.seeds.forEach((seed, i) => {
      const kept = (ids: string[]) => ids.filter((id) => i === 0 || (!training.has(id) && seeded.has(id)));
      jobs.push({ role: 'solution', name: 'solution', dir: solution, checks: kept(pack.spec.checks.map((c) => c.id).filter((id) => !training.has(id))), seed });
      for (const v of variants) jobs.push({ role: 'variant', name: v.name, dir: v.dir, checks: kept([...v.passes, ...(v.advisory ?? [])]), advisory: v.advisory, seed });
      for (const m of mutants) jobs.push({ role: 'mutant', name: m.name, dir: m.dir, checks: kept(m.fails), seed });
    });
    const graded: Graded[] = [];
    let next = 0, done = 0;
    const total = jobs.length + (run.submissions ? 1 : 0);
    const worker = async () => {
      while (next < jobs.length) {
        const j = jobs[next++];
        if (j.checks && !j.checks.length) continue;
        const result = await gradeSubmission(pack, j.dir, { ...run.grading, seed: j.seed, only: j.checks, name: j.name, profile: run.profile });
        graded.push({ role: j.role, name: j.name, seed: j.seed, result, ...(j.checks ? { checks: j.checks } : {}), ...(j.advisory ? { advisory: j.advisory } : {}) });
        run.onProgress?.(++done, total);
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, run.jobs) }, worker));
    if (run.submissions) {
      const results: SubmissionResult[] = await gradeBatch(pack, run.submissions, path.join(scratch, 'class'), {
        ...run.grading, ...run.batch, seed: run.seeds[0], jobs: run.jobs, scratch,
      });
      for (const result of results) graded.push({ role: 'real', name: result.submission, seed: run.seeds[0], result });
      run.onProgress?.(++done, total);
    }
    // In the order the jobs were listed, whatever order they finished in.
    const order = new Map(jobs.map((j, i) => [`${j.role}/${j.name}/${j.seed}`, i]));
    return graded.sort((a, b) => (order.get(`${a.role}/${a.name}/${a.seed}`) ?? 1e9) - (order.get(`${b.role}/${b.name}/${b.seed}`) ?? 1e9));
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}
