/**
 * A regrade's diff: which submissions two runs scored differently (a bar moved, a check was
 * fixed, a due date changed), by how much, and on which checks. A submission counts as changed
 * when its score, or any check's status or points, differs; messages alone (a different hidden
 * input's numbers) do not count. Written as text for a person and as CSV for a spreadsheet.
 */
import type { CheckResult, SubmissionResult } from '../harness/results/types.ts';
import { csvRow } from './gradebook.ts';
import { STATUS_WORD, pts } from './text.ts';

export interface CheckChange {
  id: string;
  /** "failed 1/2", or null where the run has no such check. */
  old: string | null;
  new: string | null;
  /** Points gained (negative: lost). */
  change: number;
}

export interface DiffRow {
  submission: string;
  student?: string;
  /** null: only in the other run. */
  old: number | null;
  new: number | null;
  change: number;
  max_score: number;
  checks: CheckChange[];
  /** The late penalty's part in the change, when it differs between the runs. */
  late?: string;
}

export interface RunDiff {
  changed: DiffRow[];
  unchanged: number;
  onlyOld: string[];
  onlyNew: string[];
  /** Said when the runs drew their hidden inputs from different seeds, or graded different packs. */
  caveats: string[];
}

const round = (x: number) => Math.round(x * 1e6) / 1e6;
const outcome = (c: CheckResult | undefined) => (c ? `${STATUS_WORD[c.status]} ${pts(c.score)}/${pts(c.max_score)}` : null);
const penaltyOf = (r: SubmissionResult) => (r.late ? r.late.penalty : 0);

export function diffRuns(oldRun: SubmissionResult[], newRun: SubmissionResult[]): RunDiff {
  const before = new Map(oldRun.map((r) => [r.submission, r]));
  const after = new Map(newRun.map((r) => [r.submission, r]));
  const names = [...new Set([...before.keys(), ...after.keys()])].sort();
  const changed: DiffRow[] = [];
  let unchanged = 0;
  for (const name of names) {
    const a = before.get(name), b = after.get(name);
    if (!a || !b) continue;
    const ids = [...new Set([...a.checks.map((c) => c.id), ...b.checks.map((c) => c.id)])];
    const checks: CheckChange[] = [];
    for (const id of ids) {
      const x = a.checks.find((c) => c.id === id), y = b.checks.find((c) => c.id === id);
      if (x && y && x.status === y.status && x.score === y.score && x.max_score === y.max_score) continue;
      checks.push({ id, old: outcome(x), new: outcome(y), change: round((y?.score ?? 0) - (x?.score ?? 0)) });
    }
    const late = penaltyOf(a) !== penaltyOf(b) ? `late penalty ${Math.round(penaltyOf(a) * 1000) / 10}% → ${Math.round(penaltyOf(b) * 1000) / 10}%` : undefined;
    if (!checks.length && a.score === b.score && !late) {
      unchanged++;
      continue;
    }
    const student = b.student?.name ?? a.student?.name;
    changed.push({
      submission: name, ...(student ? { student } : {}), old: a.score, new: b.score, change: round(b.score - a.score), max_score: b.max_score, checks, ...(late ? { late } : {}),
    });
  }
  const caveats: string[] = [];
  const seeds = (rs: SubmissionResult[]) => [...new Set(rs.map((r) => r.seed))].join(', ');
  if (oldRun.length && newRun.length && seeds(oldRun) !== seeds(newRun)) caveats.push(`the runs drew their hidden inputs from different seeds (${seeds(oldRun)}; ${seeds(newRun)}): some changes may come from the inputs, not the grading`);
  const packs = (rs: SubmissionResult[]) => [...new Set(rs.map((r) => r.assignment))].join(', ');
  if (oldRun.length && newRun.length && packs(oldRun) !== packs(newRun)) caveats.push(`the runs graded different assignments (${packs(oldRun)}; ${packs(newRun)})`);
  return {
    changed, unchanged, caveats,
    onlyOld: names.filter((n) => before.has(n) && !after.has(n)),
    onlyNew: names.filter((n) => after.has(n) && !before.has(n)),
  };
}

const signed = (x: number) => (x > 0 ? `+${pts(x)}` : x < 0 ? `−${pts(-x)}` : '±0');

/** The diff for a person: one line per submission that changed, one indented line per check. */
export function diffText(d: RunDiff, labels: { old: string; new: string }): string {
  const up = d.changed.filter((r) => r.change > 0).length, down = d.changed.filter((r) => r.change < 0).length;
  const total = d.changed.length + d.unchanged;
  const out = [`Changes from ${labels.old} to ${labels.new}: ${d.changed.length} of ${total} submission${total === 1 ? '' : 's'} changed (${up} up, ${down} down, ${d.changed.length - up - down} level), ${d.unchanged} unchanged`];
  for (const c of d.caveats) out.push(`Note: ${c}`);
  if (d.changed.length) out.push('');
  const width = Math.max(10, ...d.changed.map((r) => r.submission.length));
  for (const r of d.changed) {
    out.push(`${r.submission.padEnd(width)}  ${signed(r.change).padStart(6)}  ${pts(r.old ?? 0)} → ${pts(r.new ?? 0)} of ${pts(r.max_score)}${r.student ? `  (${r.student})` : ''}`);
    for (const c of r.checks) out.push(`${' '.repeat(width + 2)}  ${c.id}: ${c.old ?? 'absent'} → ${c.new ?? 'absent'} (${signed(c.change)})`);
    if (r.late) out.push(`${' '.repeat(width + 2)}  ${r.late}`);
  }
  if (d.onlyOld.length) out.push('', `Only in ${labels.old} (not graded in ${labels.new}): ${d.onlyOld.join(', ')}`);
  if (d.onlyNew.length) out.push('', `Only in ${labels.new} (new since ${labels.old}): ${d.onlyNew.join(', ')}`);
  return out.join('\n') + '\n';
}

/** The diff for a spreadsheet: a header row, then one row per submission that changed or is in one run only. */
export function diffCsv(d: RunDiff): string {
  const rows = [csvRow(['submission', 'student', 'old_score', 'new_score', 'change', 'max_score', 'checks'])];
  for (const r of d.changed) {
    const checks = [...r.checks.map((c) => `${c.id}: ${c.old ?? 'absent'} -> ${c.new ?? 'absent'}`), ...(r.late ? [r.late] : [])].join('; ');
    rows.push(csvRow([r.submission, r.student ?? '', r.old ?? '', r.new ?? '', r.change, r.max_score, checks]));
  }
  for (const n of d.onlyOld) rows.push(csvRow([n, '', '', '', '', '', 'only in the old run']));
  for (const n of d.onlyNew) rows.push(csvRow([n, '', '', '', '', '', 'only in the new run']));
  return rows.join('\n') + '\n';
}
