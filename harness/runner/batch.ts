/**
 * Grades a folder of submissions, several at a time. Each result is written atomically as soon
 * as it is known, so an interrupted batch keeps everything it finished.
 */
import fs from 'node:fs';
import path from 'node:path';
import { buildInputs } from '../checks/inputs.ts';
import type { PythonEnvironment } from '../python/environment.ts';
import type { SubmissionResult } from '../results/types.ts';
import { toJson, writeAtomic } from '../results/write.ts';
import type { Pack } from '../spec/types.ts';
import { gradebookCsv } from '../../reports/gradebook.ts';
import { gradeSubmission } from './submission.ts';

export interface BatchOptions {
  seed: string;
  python: PythonEnvironment;
  jobs: number;
  only?: string[];
  skip?: string[];
  /** Where train checks read their data set (see GradeOptions.data). */
  data?: string;
  onResult?: (r: SubmissionResult, done: number, total: number) => void;
}

export function listSubmissions(dir: string): string[] {
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) throw new Error(`${dir}: not a folder of submissions`);
  return fs.readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory() && !e.name.startsWith('.'))
    .map((e) => e.name)
    .sort();
}

/** Fails fast on a broken spec: every case's inputs are built before any student runs. */
export function preflight(pack: Pack, seed: string) {
  for (const check of pack.spec.checks) for (const c of check.cases) buildInputs(check, c, seed);
}

export async function gradeBatch(pack: Pack, submissionsDir: string, outDir: string, opts: BatchOptions): Promise<SubmissionResult[]> {
  preflight(pack, opts.seed);
  const names = listSubmissions(submissionsDir);
  fs.mkdirSync(outDir, { recursive: true });
  const results: SubmissionResult[] = new Array(names.length);
  let next = 0, done = 0;
  const worker = async () => {
    while (next < names.length) {
      const i = next++;
      const r = await gradeSubmission(pack, path.join(submissionsDir, names[i]), opts);
      writeAtomic(path.join(outDir, names[i], 'result.json'), toJson(r));
      results[i] = r;
      opts.onResult?.(r, ++done, names.length);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(opts.jobs, names.length)) }, worker));
  writeAtomic(path.join(outDir, 'gradebook.csv'), gradebookCsv(results));
  return results;
}
