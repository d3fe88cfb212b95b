/** Words and numbers every text-like report shares, so they all say the same thing. */
import { fmt } from '../harness/results/format.ts';
import type { CaseResult, CheckResult, Status, SubmissionResult } from '../harness/results/types.ts';

/** Points as a person writes them: 3, 1.5, 1.33 (partial credit is a share of a check's points). */
export const pts = (x: number) => String(Number(x.toFixed(2)));

export const STATUS_WORD: Record<Status, string> = {
  passed: 'passed', failed: 'failed', error: 'error', timeout: 'timed out', skipped: 'skipped',
};

export const isBad = (s: Status) => s === 'failed' || s === 'error' || s === 'timeout';

export const passedCount = (r: SubmissionResult) => r.checks.filter((c) => c.status === 'passed').length;

/** What the hand-in ran in: "Python 3.11.2, numpy 1.24.2" or, for a MATLAB pack, "Octave 7.3.0". */
export function interpreterLine(r: SubmissionResult): string {
  const env = r.environment;
  if (env.python === null && env.modules.octave) return `Octave ${env.modules.octave}`;
  const mods = Object.entries(env.modules).map(([k, v]) => `${k} ${v}`).join(', ');
  return `Python ${env.python ?? '?'}${mods ? `, ${mods}` : ''}`;
}

export function environmentLine(r: SubmissionResult): string {
  const env = r.environment;
  return `${interpreterLine(r)}; sandbox: ${env.sandbox}; dlgrade ${env.grader_version}`;
}

const when = (iso: string) => iso.replace('T', ' ').replace(/(:\d\d)(\.\d+)?Z$/, '$1 UTC');
const SOURCE_WORD: Record<string, string> = { gradescope: "Gradescope's submission time", zip: "the zip's newest entry", git: 'the last git commit', mtime: 'the newest file' };
const DUE_WORD: Record<string, string> = { option: '', gradescope: ' (Gradescope)', pack: ' (the pack)' };

/**
 * The due date's verdict in one line, said the same in every report: "Late: submitted … (the
 * last git commit), 2 days after the due date …: 20% off (10%/day), 8.5 → 6.8 points", or
 * "On time: …". Empty when no due date applied.
 */
export function lateLine(r: SubmissionResult): string {
  const l = r.late;
  if (!l) return '';
  const grace = l.grace_seconds ? ` + ${l.grace_seconds % 3600 === 0 ? `${l.grace_seconds / 3600} h` : l.grace_seconds % 60 === 0 ? `${l.grace_seconds / 60} min` : `${l.grace_seconds} s`} grace` : '';
  const at = `submitted ${when(l.submitted_at)} (${SOURCE_WORD[l.source]}), due ${when(l.due)}${DUE_WORD[l.due_from]}${grace}`;
  if (l.seconds_late <= 0) return `On time: ${at}`;
  const off = Math.round(l.penalty * 10000) / 100;
  return `Late: ${at}; ${l.days_late} day${l.days_late === 1 ? '' : 's'} late: ${off}% off (${l.rule}), ${pts(l.raw_score)} → ${pts(r.score)} points`;
}

/** The roster's student, in one line ("Ada Lovelace, ada@uni.edu, section L01"); empty without a roster. */
export function studentLine(r: SubmissionResult): string {
  const s = r.student;
  if (!s) return '';
  return [s.name, s.email ?? s.sis_login_id, s.section ? `section ${s.section}` : undefined].filter(Boolean).join(', ');
}

/** Said wherever a result appears when this run took it from the result cache instead of grading. */
export const cacheNote = (r: SubmissionResult): string =>
  r.cache?.hit ? `taken from the result cache: nothing it depends on changed since it was graded (${r.started_at.replace('T', ' ').replace(/\.\d+Z$/, ' UTC')})` : '';

export const caseLabel = (k: CaseResult) => `${k.hidden ? 'hidden case' : 'case'} ${k.name}${k.advisory ? ' (advisory: no points)' : ''}`;

/**
 * What a hidden case may say where students read it before the deadline: which output is off
 * and by how much, never the values, the index or the traceback, all of which come from inputs
 * the student should not be able to reconstruct.
 */
export function redactedMessage(k: CaseResult): string {
  if (k.status === 'timeout') return 'timed out on these inputs';
  if (k.status === 'skipped') return k.message;
  if (k.status === 'error') return 'raised an error on these inputs (details are withheld for hidden cases)';
  const failed = k.comparisons.filter((c) => !c.passed);
  if (!failed.length) return 'failed (details are withheld for hidden cases)';
  return failed.map((c) => {
    if (c.metric === 'property') return `${c.output}: does not hold`;
    if (c.value === null) return `${c.output}: wrong shape, or nothing returned`;
    return `${c.output}: ${c.metric} ${fmt(c.value)} > ${fmt(c.bar)}`;
  }).join('; ');
}

/**
 * The lines explaining a check that did not pass: each case that did not pass, its traceback,
 * the hint. With `redactHidden`, hidden cases say only what redactedMessage allows.
 */
export function checkDetails(c: CheckResult, opts: { redactHidden?: boolean; tracebacks?: boolean } = {}): string[] {
  const lines: string[] = [];
  for (const k of c.cases) {
    if (k.status === 'passed') continue;
    const hide = k.hidden && opts.redactHidden;
    lines.push(`${caseLabel(k)} [${STATUS_WORD[k.status]}]: ${hide ? redactedMessage(k) : k.message}`);
    if (k.traceback && !hide && opts.tracebacks !== false) lines.push(...k.traceback.replace(/\s+$/, '').split('\n').map((l) => `    ${l}`));
  }
  if (c.hint) lines.push(`hint: ${c.hint}`);
  return lines;
}

/** The check's one-line message, redacted when it comes from a hidden case. */
export function checkMessage(c: CheckResult, opts: { redactHidden?: boolean } = {}): string {
  if (!opts.redactHidden || c.status === 'passed') return c.message;
  const bad = c.cases.find((k) => k.status === c.status);
  return bad?.hidden ? `${caseLabel(bad)}: ${redactedMessage(bad)}` : c.message;
}

/** The end of a long text, marked as cut, so reports stay readable. */
export function tail(text: string, maxLines: number, maxChars = 8000): string {
  let lines = text.replace(/\s+$/, '').split('\n');
  let cut = false;
  if (lines.length > maxLines) {
    lines = lines.slice(-maxLines);
    cut = true;
  }
  let s = lines.join('\n');
  if (s.length > maxChars) {
    s = s.slice(-maxChars);
    cut = true;
  }
  return cut ? `[… earlier output cut …]\n${s}` : s;
}

/**
 * Control characters (a student's ANSI colours, a stray NUL or bell) written as visible \xNN:
 * they mean nothing in a report and some renderers choke on them. Tabs and newlines stay.
 */
export const visibleControls = (s: string) =>
  s.replace(/[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]/g, (ch) => `\\x${ch.charCodeAt(0).toString(16).padStart(2, '0')}`);
