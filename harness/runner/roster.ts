/**
 * The class roster: who each submission folder belongs to, so that LMS exports carry the
 * identifiers the LMS matches rows by. A roster is a CSV file with a header row; Canvas's own
 * gradebook export (Student, ID, SIS User ID, SIS Login ID, Section) reads as one as it is, and so
 * does a list with columns such as name, email, folder. A folder is matched to a row, in order:
 * 1. by the row's folder (or submission) column,
 * 2. by the folder's name being the row's SIS login, email, SIS user id or id,
 * 3. by an email the submission carries (Gradescope's users, the last commit's author),
 * 4. by the last commit's author name being the row's name.
 * Nothing is dropped: folders the roster does not know and rows with no folder are listed, and
 * the gradebook keeps every submission whatever the roster says.
 */
import fs from 'node:fs';
import type { Student } from '../results/types.ts';

export class RosterError extends Error {}

export type RosterField = 'name' | 'id' | 'sis_user_id' | 'sis_login_id' | 'email' | 'section' | 'folder';

/** Header words (lower case, runs of non-letters as one space) and the field each names. */
const HEADERS: Record<string, RosterField> = {
  student: 'name', name: 'name', 'student name': 'name', 'full name': 'name',
  id: 'id', 'canvas id': 'id', 'user id': 'id', 'canvas user id': 'id',
  'sis user id': 'sis_user_id', 'sis id': 'sis_user_id', 'student id': 'sis_user_id', 'id number': 'sis_user_id', idnumber: 'sis_user_id',
  'sis login id': 'sis_login_id', login: 'sis_login_id', 'login id': 'sis_login_id', username: 'sis_login_id',
  email: 'email', 'e mail': 'email', 'email address': 'email',
  section: 'section', sections: 'section',
  folder: 'folder', submission: 'folder', directory: 'folder',
};

/** The fields a folder can be matched by: a roster needs one of them. */
export const MATCH_FIELDS: RosterField[] = ['folder', 'sis_login_id', 'email', 'sis_user_id', 'id'];

export interface RosterRow {
  /** The line in the file (1-based), for messages. */
  line: number;
  fields: Partial<Record<RosterField, string>>;
}

export interface Roster {
  file: string;
  columns: RosterField[];
  rows: RosterRow[];
}

/** RFC 4180 CSV: quoted fields may hold commas, quotes ("") and newlines; CRLF or LF; a BOM is skipped. */
export function parseCsv(text: string): { line: number; cells: string[] }[] {
  const rows: { line: number; cells: string[] }[] = [];
  let cells: string[] = [], cell = '', quoted = false, line = 1, start = 1, i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  const endRow = () => {
    cells.push(cell);
    if (cells.length > 1 || cells[0] !== '') rows.push({ line: start, cells });
    cells = [];
    cell = '';
  };
  for (; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') { cell += '"'; i++; }
      else if (ch === '"') quoted = false;
      else { if (ch === '\n') line++; cell += ch; }
    } else if (ch === '"' && cell === '') quoted = true;
    else if (ch === ',') { cells.push(cell); cell = ''; }
    else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      endRow();
      start = ++line;
    } else cell += ch;
  }
  if (quoted) throw new RosterError(`a quoted field opened on line ${start} never closes`);
  if (cell !== '' || cells.length) endRow();
  return rows;
}

const headerWord = (h: string) => h.toLowerCase().replace(/[^a-z0-9]+/g, ' ').trim();

/** Reads a roster file; a file with none of the columns a folder is matched by is refused, saying which would do. */
export function readRoster(file: string): Roster {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new RosterError(`${file}: cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  let table;
  try {
    table = parseCsv(text);
  } catch (e) {
    throw new RosterError(`${file}: ${(e as Error).message}`);
  }
  if (!table.length) throw new RosterError(`${file}: empty (a roster is a CSV file with a header row, see docs/gradebook.md)`);
  const header = table[0].cells.map((h) => HEADERS[headerWord(h)]);
  if (!MATCH_FIELDS.some((f) => header.includes(f))) {
    throw new RosterError(`${file}: no column to match submission folders by (its header: ${table[0].cells.join(', ')}); add one named folder, email, SIS Login ID, SIS User ID or ID (Canvas's gradebook export has them)`);
  }
  const rows: RosterRow[] = [];
  for (const { line, cells } of table.slice(1)) {
    const fields: Partial<Record<RosterField, string>> = {};
    header.forEach((f, i) => {
      const v = (cells[i] ?? '').trim();
      if (f && v && fields[f] === undefined) fields[f] = v;
    });
    // Canvas's export: a "Points Possible" row under the header, and a test student.
    if (/^points possible$/i.test(fields.name ?? '') && !MATCH_FIELDS.some((f) => f !== 'folder' && fields[f])) continue;
    if (Object.keys(fields).length) rows.push({ line, fields });
  }
  return { file, columns: [...new Set(header.filter((f): f is RosterField => !!f))], rows };
}

/** What a submission says about its author, beyond its folder's name (late.ts finds them). */
export interface Identity {
  folder: string;
  emails: string[];
  names: string[];
}

export interface RosterMatch {
  /** Folder → its student. */
  students: Map<string, Student>;
  /** Folders the roster does not know (or matches more than one row of, said why). */
  unknown: { folder: string; why: string }[];
  /** Rows no folder matched. */
  missing: RosterRow[];
  /** Rows two or more folders matched (each folder keeps the row; the LMS would get two grades). */
  shared: { row: RosterRow; folders: string[] }[];
}

const same = (a: string | undefined, b: string) => !!a && a.trim().toLowerCase() === b.trim().toLowerCase();
/** "Lovelace, Ada" (Canvas's order) and "Ada Lovelace" (git's) as one name. */
const personName = (s: string) => {
  const t = s.trim().replace(/\s+/g, ' ').toLowerCase();
  const m = /^([^,]+),\s*(.+)$/.exec(t);
  return m ? `${m[2]} ${m[1]}` : t;
};

export const describeRow = (r: RosterRow) => {
  const f = r.fields;
  const who = f.name ?? f.email ?? f.sis_login_id ?? f.sis_user_id ?? f.id ?? f.folder ?? '?';
  const also = [f.email, f.sis_login_id, f.folder].filter((x) => x && x !== who);
  return `${who}${also.length ? ` (${also.join(', ')})` : ''} (line ${r.line})`;
};

/** Matches every submission to at most one row, by the first rule that finds exactly one. */
export function matchRoster(roster: Roster, identities: Identity[]): RosterMatch {
  type Rule = [Student['matched_by'], (r: RosterRow, id: Identity) => boolean];
  const rules: Rule[] = [
    ['folder', (r, id) => same(r.fields.folder, id.folder)],
    ['folder', (r, id) => (['sis_login_id', 'email', 'sis_user_id', 'id'] as const).some((f) => same(r.fields[f], id.folder))],
    ['email', (r, id) => id.emails.some((e) => same(r.fields.email, e))],
    ['git author', (r, id) => !!r.fields.name && id.names.some((n) => n.trim() !== '' && personName(n) === personName(r.fields.name!))],
  ];
  const students = new Map<string, Student>();
  const unknown: RosterMatch['unknown'] = [];
  const byRow = new Map<RosterRow, string[]>();
  for (const id of identities) {
    let found: [RosterRow, Student['matched_by']] | undefined;
    let ambiguous: RosterRow[] | undefined;
    for (const [how, test] of rules) {
      const rows = roster.rows.filter((r) => test(r, id));
      if (rows.length === 1) {
        found = [rows[0], how];
        break;
      }
      if (rows.length > 1) {
        ambiguous = rows;
        break;
      }
    }
    if (!found) {
      unknown.push({ folder: id.folder, why: ambiguous ? `matches ${ambiguous.length} rows: ${ambiguous.map(describeRow).join('; ')}` : 'no row matches it' });
      continue;
    }
    const [row, how] = found;
    const { folder: _f, ...fields } = row.fields;
    students.set(id.folder, { ...fields, matched_by: how });
    byRow.set(row, [...(byRow.get(row) ?? []), id.folder]);
  }
  const missing = roster.rows.filter((r) => !byRow.has(r));
  const shared = [...byRow].filter(([, f]) => f.length > 1).map(([row, folders]) => ({ row, folders }));
  return { students, unknown, missing, shared };
}

const list = (xs: string[], n = 10) => (xs.length > n ? `${xs.slice(0, n).join(', ')} and ${xs.length - n} more` : xs.join(', '));

/** The warnings a match deserves, one line each: what the LMS export will lack, and why. */
export function rosterWarnings(m: RosterMatch, file: string): string[] {
  const out: string[] = [];
  if (m.unknown.length) out.push(`${m.unknown.length} submission${m.unknown.length === 1 ? '' : 's'} not in ${file} (graded and in the gradebook, but in no LMS export until the roster has a row for them, e.g. a folder column): ${list(m.unknown.map((u) => `${u.folder} (${u.why})`))}`);
  if (m.missing.length) out.push(`${m.missing.length} student${m.missing.length === 1 ? '' : 's'} in ${file} with no submission: ${list(m.missing.map(describeRow))}`);
  for (const s of m.shared) out.push(`${describeRow(s.row)} is matched by ${s.folders.length} submissions (${s.folders.join(', ')}): an LMS import would take one of them; give the roster a folder column to say which`);
  return out;
}
