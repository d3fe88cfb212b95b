/**
 * The class gradebook: one row per student, one column per check (its points, or "skipped" when
 * this runner could not grade it; partial credit as the points won), then the total, the maximum,
 * the points still pending and the checks with advisory notes.
 */
import type { SubmissionResult } from '../harness/results/types.ts';
import type { BatchReporter } from './reporter.ts';

const cell = (v: string | number) => {
  const s = String(v);
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};

export function gradebookCsv(results: SubmissionResult[]): string {
  const ids: string[] = [];
  for (const r of results) for (const c of r.checks) if (!ids.includes(c.id)) ids.push(c.id);
  const rows = [['submission', ...ids, 'score', 'max_score', 'pending', 'advisories', 'errors'].map(cell).join(',')];
  for (const r of [...results].sort((a, b) => a.submission.localeCompare(b.submission))) {
    const byId = new Map(r.checks.map((c) => [c.id, c]));
    const checkCells = ids.map((id) => {
      const c = byId.get(id);
      return c ? (c.status === 'skipped' ? 'skipped' : c.score) : '';
    });
    // The checks whose advisory cases told the student something (no points taken).
    const advisories = r.checks.filter((c) => c.advisories?.length).map((c) => c.id).join(' ');
    rows.push([r.submission, ...checkCells, r.score, r.max_score, r.pending_score ?? 0, advisories, r.errors.join(' | ')].map(cell).join(','));
  }
  return rows.join('\n') + '\n';
}

export const gradebookReporter: BatchReporter = {
  name: 'gradebook',
  file: 'gradebook.csv',
  describe: 'the gradebook: one row per submission, one column per check, then the total',
  render: (entries) => gradebookCsv(entries.map((e) => e.result)),
};
