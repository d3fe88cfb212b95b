/**
 * The class gradebook: one row per student, one column per check (its points, or "skipped" when
 * this runner could not grade it; partial credit as the points won), then the total, the maximum,
 * the points still pending and the checks with advisory notes. With a roster, the student's name
 * follows the folder; with a due date, the total is after the late penalty and raw_score,
 * days_late and penalty (a percentage of the points won) follow it.
 */
import type { SubmissionResult } from '../harness/results/types.ts';
import type { BatchReporter } from './reporter.ts';

/** A CSV field as RFC 4180 has it: quoted when it holds a comma, a quote or a line break. */
export const csvCell = (v: string | number) => {
  const s = String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};
const cell = csvCell;
export const csvRow = (cells: (string | number)[]) => cells.map(csvCell).join(',');

/** A penalty as the gradebook writes it: a percentage of the points won. */
export const penaltyPct = (p: number) => `${Math.round(p * 10000) / 100}%`;

export function gradebookCsv(results: SubmissionResult[]): string {
  const ids: string[] = [];
  for (const r of results) for (const c of r.checks) if (!ids.includes(c.id)) ids.push(c.id);
  const students = results.some((r) => r.student), late = results.some((r) => r.late);
  const rows = [['submission', ...(students ? ['student'] : []), ...ids, 'score', ...(late ? ['raw_score', 'days_late', 'penalty'] : []), 'max_score', 'pending', 'advisories', 'errors'].map(cell).join(',')];
  for (const r of [...results].sort((a, b) => a.submission.localeCompare(b.submission))) {
    const byId = new Map(r.checks.map((c) => [c.id, c]));
    const checkCells = ids.map((id) => {
      const c = byId.get(id);
      return c ? (c.status === 'skipped' ? 'skipped' : c.score) : '';
    });
    // The checks whose advisory cases told the student something (no points taken).
    const advisories = r.checks.filter((c) => c.advisories?.length).map((c) => c.id).join(' ');
    const who = students ? [r.student?.name ?? r.student?.email ?? r.student?.sis_login_id ?? ''] : [];
    const lateCells = late ? (r.late ? [r.late.raw_score, r.late.days_late, penaltyPct(r.late.penalty)] : [r.score, '', '']) : [];
    rows.push([r.submission, ...who, ...checkCells, r.score, ...lateCells, r.max_score, r.pending_score ?? 0, advisories, r.errors.join(' | ')].map(cell).join(','));
  }
  return rows.join('\n') + '\n';
}

export const gradebookReporter: BatchReporter = {
  name: 'gradebook',
  file: 'gradebook.csv',
  describe: 'the gradebook: one row per submission, one column per check, then the total',
  render: (entries) => gradebookCsv(entries.map((e) => e.result)),
};
