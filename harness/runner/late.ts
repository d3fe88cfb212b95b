/**
 * Due dates: when a submission was handed in, and what the due date's rule makes of it. The time
 * is read from the best witness there is, in this order, and the result says which it was:
 * 1. Gradescope's submission_metadata.json (`created_at`: Gradescope's own clock), which also
 *    carries the assignment's due date (`assignment.due_date`, with any extension Gradescope
 *    gave the student already in it);
 * 2. for a .zip hand-in, the newest entry in the archive (the student's clock when they zipped);
 * 3. for a git repository, the last commit's committer date (`git log -1 --format=%cI`);
 * 4. the newest file's modification time (what a copy kept; the weakest witness).
 * The arithmetic (days late, the penalty, the score after it) is checks/verdict.ts's.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { DAY_SECONDS, type PenaltyRule, latePenalty } from '../checks/verdict.ts';
import type { Late, SubmittedFrom } from '../results/types.ts';
import type { DueSpec } from '../spec/types.ts';
import { ZipError, newestEntryTime } from './zip.ts';

/** A due date and its rule, as grade's options or the pack's `due` give them. */
export interface DuePolicy {
  /** Undefined: only Gradescope's metadata can give one. */
  due?: Date;
  dueFrom: 'option' | 'pack';
  graceSeconds: number;
  rule: PenaltyRule;
  /** The rule in words: "10%/day, at most 50%". */
  ruleText: string;
}

/** What a submission says about itself: when, from where, and Gradescope's due date and users if it has them. */
export interface SubmissionTime {
  at: Date;
  source: SubmittedFrom;
  gradescopeDue?: Date;
  /** Gradescope's users (email, name): a roster can match them. */
  users: { email?: string; name?: string }[];
  /** The last commit's author, for a git repository. */
  gitAuthor?: { email: string; name: string };
}

/** Thrown with the words to show: which value, what was wrong, what would do. */
export class DueError extends Error {}

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/;

/** An ISO 8601 date and time with its zone; a date without a zone is refused (whose midnight?). */
export function parseDue(text: string, what = '--due'): Date {
  const t = text.trim();
  const d = new Date(t);
  if (!ISO.test(t) || Number.isNaN(d.getTime())) {
    throw new DueError(`${what} takes a date and time with its time zone, such as 2026-10-01T23:59:00Z or 2026-10-01T23:59:00-07:00 (got "${text}")`);
  }
  return d;
}

const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, min: 60, h: 3600, d: DAY_SECONDS };

/** "15m" → 900. Units: s, m (or min), h, d; "0" is no grace. */
export function parseDuration(text: string, what = '--grace'): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(s|m|min|h|d)?\s*$/.exec(text);
  if (!m || (m[2] === undefined && Number(m[1]) !== 0)) throw new DueError(`${what} takes a length of time such as 30s, 15m, 2h or 1d, or 0 (got "${text}")`);
  return Number(m[1]) * (m[2] ? UNIT_SECONDS[m[2]] : 0);
}

/** "10%/day" → { rate: 0.1, per: 'day' }. */
export function parsePenalty(text: string, what = '--penalty'): { rate: number; per: 'day' | 'hour' } {
  const m = /^\s*(\d+(?:\.\d+)?)\s*%\s*\/\s*(day|hour)\s*$/.exec(text);
  if (!m || Number(m[1]) > 100) throw new DueError(`${what} takes a share of the points per day or hour late, such as 10%/day or 2%/hour (got "${text}")`);
  return { rate: Number(m[1]) / 100, per: m[2] as 'day' | 'hour' };
}

/** "50%" → 0.5. */
export function parsePercent(text: string, what = '--penalty-cap'): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*%\s*$/.exec(text);
  if (!m || Number(m[1]) > 100) throw new DueError(`${what} takes a percentage from 0% to 100%, such as 50% (got "${text}")`);
  return Number(m[1]) / 100;
}

const pctText = (x: number) => `${Math.round(x * 10000) / 100}%`;

/**
 * The policy from grade's options over the pack's `due`, each part on its own; undefined when
 * neither gives a due date nor a penalty (then only Gradescope's metadata could, and with no
 * rule there is nothing to apply). `packFile` names assignment.yaml in the pack's errors.
 */
export function duePolicy(options: DueSpec, pack: DueSpec | undefined, packFile: string): DuePolicy | undefined {
  const given = (k: keyof DueSpec) => (options[k] !== undefined ? { text: options[k]!, what: OPTION[k] } : pack?.[k] !== undefined ? { text: pack[k]!, what: `${packFile}: due.${k}` } : undefined);
  const date = given('date'), grace = given('grace'), penalty = given('penalty'), cap = given('cap');
  if (!date && !penalty && !grace && !cap) return undefined;
  const per = penalty ? parsePenalty(penalty.text, penalty.what) : { rate: 0, per: 'day' as const };
  const capShare = cap ? parsePercent(cap.text, cap.what) : 1;
  const ruleText = per.rate === 0 ? 'no penalty' : `${pctText(per.rate)}/${per.per}${capShare < 1 ? `, at most ${pctText(capShare)}` : ''}`;
  return {
    ...(date ? { due: parseDue(date.text, date.what) } : {}),
    dueFrom: options.date !== undefined ? 'option' : 'pack',
    graceSeconds: grace ? parseDuration(grace.text, grace.what) : 0,
    rule: { ...per, cap: capShare },
    ruleText,
  };
}

const OPTION: Record<keyof DueSpec, string> = { date: '--due', grace: '--grace', penalty: '--penalty', cap: '--penalty-cap' };

/** Gradescope's metadata, if the submission has a readable one. */
function gradescopeMetadata(dir: string): { at?: Date; due?: Date; users: { email?: string; name?: string }[] } | undefined {
  const file = path.join(dir, 'submission_metadata.json');
  let doc: any;
  try {
    doc = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch {
    return undefined;
  }
  const date = (v: unknown) => {
    if (typeof v !== 'string') return undefined;
    const d = new Date(v);
    return Number.isNaN(d.getTime()) ? undefined : d;
  };
  const users = Array.isArray(doc?.users) ? doc.users.filter((u: any) => u && typeof u === 'object').map((u: any) => ({
    ...(typeof u.email === 'string' ? { email: u.email } : {}), ...(typeof u.name === 'string' ? { name: u.name } : {}),
  })) : [];
  return { at: date(doc?.created_at), due: date(doc?.assignment?.due_date), users };
}

/** The last commit of a repository (its committer date and author), if `dir` is one git can read. */
function lastCommit(dir: string): { at: Date; email: string; name: string } | undefined {
  if (!fs.existsSync(path.join(dir, '.git'))) return undefined;
  try {
    // safe.directory: hand-ins belong to whoever copied them, not to the grader.
    const out = execFileSync('git', ['-c', 'safe.directory=*', '-C', dir, 'log', '-1', '--format=%cI%n%ae%n%an'], { encoding: 'utf8', timeout: 10_000, stdio: ['ignore', 'pipe', 'ignore'] });
    const [iso, email, name] = out.split('\n');
    const at = new Date(iso);
    return Number.isNaN(at.getTime()) ? undefined : { at, email: email ?? '', name: name ?? '' };
  } catch {
    return undefined; // not a repository after all, no commits, or no git
  }
}

/** The newest modification time of the files under `dir` (links not followed, .git left out). */
function newestFile(dir: string): Date {
  let newest = fs.statSync(dir).mtimeMs;
  let seen = 0;
  let found = false;
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      if (++seen > 20_000) return;
      const p = path.join(d, e.name);
      if (e.isDirectory() && e.name !== '.git') walk(p);
      else if (e.isFile()) {
        const t = fs.lstatSync(p).mtimeMs;
        newest = found ? Math.max(newest, t) : t;
        found = true;
      }
    }
  };
  walk(dir);
  return new Date(newest);
}

/** When the submission at `source` (a folder, or a .zip when `zip`) was handed in, and who says so. */
export function submissionTime(source: string, zip: boolean): SubmissionTime {
  if (zip) {
    let at: Date | undefined;
    try {
      at = newestEntryTime(source);
    } catch (e) {
      if (!(e instanceof ZipError)) throw e;
    }
    return at ? { at, source: 'zip', users: [] } : { at: fs.statSync(source).mtime, source: 'mtime', users: [] };
  }
  const gs = gradescopeMetadata(source);
  const git = lastCommit(source);
  const extra = { users: gs?.users ?? [], ...(gs?.due ? { gradescopeDue: gs.due } : {}), ...(git ? { gitAuthor: { email: git.email, name: git.name } } : {}) };
  if (gs?.at) return { at: gs.at, source: 'gradescope', ...extra };
  if (git) return { at: git.at, source: 'git', ...extra };
  return { at: newestFile(source), source: 'mtime', ...extra };
}

/** The due date's verdict on a submission; undefined when no due date applies to it. */
export function lateVerdict(policy: DuePolicy | undefined, time: SubmissionTime): Omit<Late, 'raw_score'> | undefined {
  if (!policy) return undefined;
  // Gradescope's due date is the one the student was given (extensions included); --due overrides it.
  const [due, dueFrom] = policy.dueFrom === 'option' && policy.due ? [policy.due, 'option' as const]
    : time.gradescopeDue ? [time.gradescopeDue, 'gradescope' as const]
    : policy.due ? [policy.due, policy.dueFrom] : [undefined, undefined];
  if (!due || !dueFrom) return undefined;
  const secondsLate = Math.max(0, (time.at.getTime() - due.getTime()) / 1000 - policy.graceSeconds);
  return {
    submitted_at: time.at.toISOString(),
    source: time.source,
    due: due.toISOString(),
    due_from: dueFrom,
    grace_seconds: policy.graceSeconds,
    seconds_late: Math.round(secondsLate * 1000) / 1000,
    days_late: secondsLate > 0 ? Math.ceil(secondsLate / DAY_SECONDS) : 0,
    rule: policy.ruleText,
    penalty: latePenalty(policy.rule, secondsLate),
  };
}
