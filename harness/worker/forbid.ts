/**
 * The library policy in the words a student reads (the driver's side is dlgrade_forbid.py): a
 * use while a check ran fails that check with the place it happened; what was only imported, or
 * found by reading the hand-in, goes into the result's notes.
 */
import type { ForbiddenNote, ForbiddenUse } from './protocol.ts';

/** file:line as a student reads it: a notebook's compiled cell (`hw.ipynb#cell3:2`) as its cell and line. */
const place = (where: string) => where.replace(/#cell(\d+):(\d+)$/, ' cell $1, line $2');

/** Why a case failed: the first use, where it happened, and how many more there were. */
export function forbiddenMessage(uses: readonly ForbiddenUse[]): string {
  const [first, ...rest] = uses;
  const who = first.caller ?? 'the code';
  // Without a caller a probe called what the student bound to a name: the place is where they bound it.
  const where = first.caller ? `at ${place(first.where)}` : `bound at ${place(first.where)}`;
  const more = rest.length ? ` (and ${rest.length} more use${rest.length > 1 ? 's' : ''}: ${rest.slice(0, 3).map((u) => `${u.name} at ${place(u.where)}`).join(', ')})` : '';
  return `${who} ${first.verb} ${first.name}, which this assignment does not allow, ${where}${more}`;
}

/**
 * One line per use that fails nothing by itself. The runtime guard and the scan word an import
 * the same way, so the result's notes (a set) list it once.
 */
export function forbiddenNoteLines(notes: readonly ForbiddenNote[] | undefined): string[] {
  return (notes ?? []).map((n) => `${place(n.where)}: ${n.verb} ${n.name}, which this assignment does not allow (a check fails only where its code uses it)`);
}
