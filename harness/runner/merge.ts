/**
 * Combining the outputs of several batch runs (shards of a class, or runners with different
 * tags) into one gradebook. For each submission and check, a graded outcome beats a skipped one.
 * Between two graded outcomes (a regrade, or two runs over the same class) the newer run wins by
 * default (its result's started_at; runs started at the same moment keep the order given), or
 * with prefer: 'first', the first folder given: either way the merge is deterministic, and every
 * submission two runs graded differently is listed with the run that was kept. Shards never grade
 * the same submission twice, so how they merge does not depend on the preference.
 */
import fs from 'node:fs';
import path from 'node:path';
import { totals, withLate } from '../checks/verdict.ts';
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

export type Prefer = 'newer' | 'first';
export const PREFER: readonly Prefer[] = ['newer', 'first'];

/** A submission two or more runs graded differently, and which run's outcome was kept. */
export interface MergeChoice {
  submission: string;
  /** Index of the run kept, into the runs given. */
  kept: number;
  /** The other runs that graded it, by index. */
  others: number[];
  /** The checks whose graded outcomes differ (status or points). */
  checks: string[];
}

const outcome = (c: CheckResult) => `${c.status} ${c.score}`;

export function mergeRuns(runs: SubmissionResult[][], opts: { prefer?: Prefer } = {}): { results: SubmissionResult[]; choices: MergeChoice[] } {
  const prefer = opts.prefer ?? 'newer';
  const bySubmission = new Map<string, { r: SubmissionResult; run: number }[]>();
  runs.forEach((run, i) => {
    for (const r of run) bySubmission.set(r.submission, [...(bySubmission.get(r.submission) ?? []), { r, run: i }]);
  });
  const merged: SubmissionResult[] = [];
  const choices: MergeChoice[] = [];
  for (const [name, given] of bySubmission) {
    const packs = new Set(given.map((g) => g.r.assignment));
    if (packs.size > 1) throw new Error(`${name}: results of different assignments (${[...packs].join(', ')}) cannot be merged`);
    // Preferred first: the newer run (a stable sort keeps the given order on a tie), or the given order.
    const time = (g: { r: SubmissionResult }) => Date.parse(g.r.started_at) || 0;
    const ordered = prefer === 'newer' ? [...given].sort((a, b) => time(b) - time(a)) : given;
    const results = ordered.map((g) => g.r);
    const base = results[0];
    // The checks in the order of the run that graded the most of them (the pack's order), not the
    // preferred one's: a GPU runner's result may hold its few checks alone.
    const ids: string[] = [];
    for (const { r } of [...given].sort((a, b) => b.r.checks.length - a.r.checks.length)) for (const c of r.checks) if (!ids.includes(c.id)) ids.push(c.id);
    const differ: string[] = [];
    const checks: CheckResult[] = ids.map((id) => {
      const candidates = results.map((r) => r.checks.find((c) => c.id === id)).filter((c): c is CheckResult => !!c);
      const graded = candidates.filter((c) => c.status !== 'skipped');
      if (new Set(graded.map(outcome)).size > 1) differ.push(id);
      return graded[0] ?? candidates[0];
    });
    if (differ.length) choices.push({ submission: name, kept: ordered[0].run, others: ordered.slice(1).map((g) => g.run), checks: differ });
    const { late: _late, ...unpenalised } = base;
    const m: SubmissionResult = {
      ...unpenalised,
      checks,
      ...totals(checks),
      errors: [...new Set(results.flatMap((r) => r.errors))],
      seconds: results.reduce((s, r) => s + r.seconds, 0),
    };
    // The kept run's due-date verdict, its penalty applied to the merged checks' points.
    merged.push(base.late ? withLate(m, base.late) : m);
  }
  return { results: merged.sort((a, b) => a.submission.localeCompare(b.submission)), choices: choices.sort((a, b) => a.submission.localeCompare(b.submission)) };
}

export function mergeResults(runs: SubmissionResult[][], opts: { prefer?: Prefer } = {}): SubmissionResult[] {
  return mergeRuns(runs, opts).results;
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
