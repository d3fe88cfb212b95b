/**
 * Combining the outputs of several batch runs (shards of a class, or runners with different
 * tags) into one gradebook. For each submission and check, a graded outcome beats a skipped one;
 * between two graded outcomes the first folder given wins, so the merge is deterministic.
 */
import fs from 'node:fs';
import path from 'node:path';
import { totals } from '../checks/verdict.ts';
import { readResult } from '../results/read.ts';
import type { CheckResult, SubmissionResult } from '../results/types.ts';
import { RESULT_FILE } from '../results/write.ts';

/** Every result a `grade --out` folder holds; a result.json that is not one is an error naming it. */
export function readResults(dir: string): SubmissionResult[] {
  if (!fs.existsSync(dir)) throw new Error(`${dir}: no such results folder`);
  return fs.readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory() && fs.existsSync(path.join(dir, e.name, RESULT_FILE)))
    .map((e) => {
      const file = path.join(dir, e.name, RESULT_FILE);
      const r = readResult(file);
      if (typeof r === 'string') throw new Error(`${file}: ${r} (grade that submission again, or leave its folder out)`);
      return r;
    });
}

export function mergeResults(runs: SubmissionResult[][]): SubmissionResult[] {
  const bySubmission = new Map<string, SubmissionResult[]>();
  for (const run of runs) for (const r of run) bySubmission.set(r.submission, [...(bySubmission.get(r.submission) ?? []), r]);
  const merged: SubmissionResult[] = [];
  for (const [name, results] of bySubmission) {
    const packs = new Set(results.map((r) => r.assignment));
    if (packs.size > 1) throw new Error(`${name}: results of different assignments (${[...packs].join(', ')}) cannot be merged`);
    const base = results[0];
    const ids: string[] = [];
    for (const r of results) for (const c of r.checks) if (!ids.includes(c.id)) ids.push(c.id);
    const checks: CheckResult[] = ids.map((id) => {
      const candidates = results.map((r) => r.checks.find((c) => c.id === id)).filter((c): c is CheckResult => !!c);
      return candidates.find((c) => c.status !== 'skipped') ?? candidates[0];
    });
    merged.push({
      ...base,
      checks,
      ...totals(checks),
      errors: [...new Set(results.flatMap((r) => r.errors))],
      seconds: results.reduce((s, r) => s + r.seconds, 0),
    });
  }
  return merged.sort((a, b) => a.submission.localeCompare(b.submission));
}

/** The i-th of n shares (1-based) of the sorted submission names: deterministic, disjoint, complete. */
export function shardOf(names: string[], shard: { index: number; count: number }): string[] {
  return [...names].sort().filter((_, i) => i % shard.count === shard.index - 1);
}

export function parseShard(text: string): { index: number; count: number } {
  const m = /^(\d+)\/(\d+)$/.exec(text.trim());
  const index = m ? Number(m[1]) : NaN, count = m ? Number(m[2]) : NaN;
  if (!m || count < 1 || index < 1 || index > count) throw new Error(`--shard takes I/N with 1 <= I <= N, got "${text}"`);
  return { index, count };
}
