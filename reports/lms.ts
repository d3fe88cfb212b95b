/**
 * Gradebook files an LMS imports, written from results that carry their student (grade --roster,
 * or export --roster). Every score is the one after any late penalty.
 * - canvas: Canvas's gradebook import: the columns Student, ID, SIS User ID, SIS Login ID and
 *   Section, then one column per assignment (a header that names no existing assignment creates
 *   one; "Name (12345)", as Canvas's own export writes it, updates assignment 12345), and under
 *   the header a "Points Possible" row. Canvas matches rows by ID, else SIS User ID or SIS Login ID.
 * - moodle: Moodle's "Import grades from CSV": a header row, columns to map users from (Email
 *   address, ID number, Username) and one grade column, mapped to a grade item on import.
 * - csv: every submission with every identifier the roster gave, the score, the score before the
 *   late penalty and the penalty.
 * Quoting is RFC 4180's (gradebook.ts's csvCell), both LMSs read it.
 */
import type { SubmissionResult } from '../harness/results/types.ts';
import { csvRow, penaltyPct } from './gradebook.ts';
import { pts } from './text.ts';

export const EXPORT_FORMATS = ['canvas', 'moodle', 'csv'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];
export const isExportFormat = (s: string): s is ExportFormat => (EXPORT_FORMATS as readonly string[]).includes(s);

/** An export that cannot be made from these results: the message says what to give it. */
export class ExportError extends Error {}

export interface Exported {
  text: string;
  /** Rows written (students, not counting the header or Points Possible). */
  rows: number;
  /** What the LMS will not get, and why: one line each. */
  warnings: string[];
}

export const CANVAS_COLUMNS = ['Student', 'ID', 'SIS User ID', 'SIS Login ID', 'Section'] as const;
export const MOODLE_COLUMNS = ['Full name', 'Email address', 'ID number', 'Username'] as const;
export const CSV_COLUMNS = ['submission', 'name', 'id', 'sis_user_id', 'sis_login_id', 'email', 'section', 'score', 'raw_score', 'days_late', 'penalty', 'max_score', 'pending'] as const;

const byStudent = (a: SubmissionResult, b: SubmissionResult) =>
  (a.student?.name ?? a.submission).localeCompare(b.student?.name ?? b.submission) || a.submission.localeCompare(b.submission);

const list = (xs: string[]) => (xs.length > 10 ? `${xs.slice(0, 10).join(', ')} and ${xs.length - 10} more` : xs.join(', '));

export function exportGradebook(format: ExportFormat, results: SubmissionResult[], opts: { column?: string } = {}): Exported {
  const assignments = [...new Set(results.map((r) => r.assignment))];
  if (assignments.length > 1) throw new ExportError(`the results are of ${assignments.length} assignments (${assignments.join(', ')}): export one results folder per assignment`);
  const column = opts.column ?? assignments[0] ?? 'score';
  const warnings: string[] = [];
  const pending = results.filter((r) => r.pending_score > 0).map((r) => r.submission);
  if (pending.length) warnings.push(`${pending.length} submission${pending.length === 1 ? ' has' : 's have'} checks still pending (skipped on this runner), exported without their points: ${list(pending)} (dlgrade merge the runs that graded them first)`);
  const sorted = [...results].sort(byStudent);
  if (format === 'csv') {
    const rows = [...results].sort((a, b) => a.submission.localeCompare(b.submission)).map((r) => {
      const s = r.student;
      return csvRow([r.submission, s?.name ?? '', s?.id ?? '', s?.sis_user_id ?? '', s?.sis_login_id ?? '', s?.email ?? '', s?.section ?? '',
        pts(r.score), pts(r.late?.raw_score ?? r.score), r.late ? r.late.days_late : '', r.late ? penaltyPct(r.late.penalty) : '', pts(r.max_score), pts(r.pending_score)]);
    });
    return { text: [csvRow([...CSV_COLUMNS]), ...rows].join('\n') + '\n', rows: rows.length, warnings };
  }

  const known = sorted.filter((r) => r.student);
  const unknown = sorted.filter((r) => !r.student).map((r) => r.submission);
  if (!known.length) throw new ExportError(`no result has a student: give the roster (dlgrade grade --roster FILE, or dlgrade export --roster FILE) so that each row carries the identifiers ${format === 'canvas' ? 'Canvas' : 'Moodle'} matches students by`);
  if (unknown.length) warnings.push(`${unknown.length} submission${unknown.length === 1 ? '' : 's'} not in the roster, left out of the ${format} file: ${list(unknown)} (add them to the roster, e.g. with a folder column)`);
  const max = Math.max(0, ...known.map((r) => r.max_score));

  if (format === 'canvas') {
    if (!known.some((r) => r.student!.id || r.student!.sis_user_id || r.student!.sis_login_id)) {
      throw new ExportError('Canvas matches students by ID, SIS User ID or SIS Login ID, and the roster has none of them: use Canvas\'s own gradebook export (Grades → Export) as the roster');
    }
    const noId = known.filter((r) => !(r.student!.id || r.student!.sis_user_id || r.student!.sis_login_id)).map((r) => r.submission);
    if (noId.length) warnings.push(`${noId.length} row${noId.length === 1 ? ' has' : 's have'} no ID, SIS User ID or SIS Login ID (Canvas then matches by name only): ${list(noId)}`);
    const rows = known.map((r) => {
      const s = r.student!;
      return csvRow([s.name ?? '', s.id ?? '', s.sis_user_id ?? '', s.sis_login_id ?? '', s.section ?? '', pts(r.score)]);
    });
    const header = csvRow([...CANVAS_COLUMNS, column]);
    const possible = csvRow(['Points Possible', '', '', '', '', pts(max)]);
    return { text: [header, possible, ...rows].join('\n') + '\n', rows: rows.length, warnings };
  }

  // moodle
  if (!known.some((r) => r.student!.email || r.student!.sis_user_id || r.student!.sis_login_id)) {
    throw new ExportError("Moodle's grade import matches users by email address, ID number or username, and the roster has none of them: add an email (or SIS User ID, or SIS Login ID) column to the roster");
  }
  const noId = known.filter((r) => !(r.student!.email || r.student!.sis_user_id || r.student!.sis_login_id)).map((r) => r.submission);
  if (noId.length) warnings.push(`${noId.length} row${noId.length === 1 ? ' has' : 's have'} no email, ID number or username for Moodle to match: ${list(noId)}`);
  const rows = known.map((r) => {
    const s = r.student!;
    return csvRow([s.name ?? '', s.email ?? '', s.sis_user_id ?? '', s.sis_login_id ?? '', pts(r.score)]);
  });
  return { text: [csvRow([...MOODLE_COLUMNS, column]), ...rows].join('\n') + '\n', rows: rows.length, warnings };
}
