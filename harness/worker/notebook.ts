/**
 * The grader's account of how a notebook submission was read (the driver's NotebookReport), in
 * the words the result's notes give the student: one line for the notebook, one per skipped cell.
 */
import type { NotebookReport } from './protocol.ts';

/** What the student should know of how their notebook was read: one line per skipped cell. */
export function notebookNotes(nb: NotebookReport | undefined): string[] {
  if (!nb) return [];
  if (nb.error) return [`notebook: ${nb.error}`];
  if (!nb.file) return [];
  const quote = (t: string) => `\`${t.length > 60 ? `${t.slice(0, 57)}...` : t}\``;
  const byCell = new Map<number, NotebookReport['skipped']>();
  for (const s of nb.skipped) byCell.set(s.cell, [...(byCell.get(s.cell) ?? []), s]);
  const kept = nb.kept_cells.length ? `cells ${nb.kept_cells.join(', ')}` : 'no cell';
  const out = [`notebook ${nb.file}: graded its imports, functions, classes and constant assignments (from ${kept}); cells that train, plot, download or use the shell are skipped, never run`];
  for (const [cell, items] of byCell) {
    const whole = !nb.kept_cells.includes(cell);
    const listed = items.slice(0, 2).map((s) => `line ${s.line} ${quote(s.text)} (${s.why})`).join('; ');
    const more = items.length > 2 ? `; and ${items.length - 2} more line${items.length > 3 ? 's' : ''}` : '';
    out.push(`notebook cell ${cell}: ${whole ? 'skipped' : 'partly skipped'}: ${listed}${more}`);
  }
  return out;
}
