/**
 * The student-facing terminal report: one line per check, then what went wrong and where, in
 * words a student acts on.
 */
import type { CheckResult, SubmissionResult } from '../harness/results/types.ts';
import type { SubmissionReporter } from './reporter.ts';
import { cacheNote, interpreterLine, lateLine, pts, studentLine } from './text.ts';

/** Colour for a terminal that shows it; never in a file, where escape codes would be noise. */
export const terminalColor = () => !!process.stdout.isTTY && !process.env.NO_COLOR;
type Paint = (code: string, s: string) => string;
const painter = (color: boolean): Paint => (code, s) => (color ? `\x1b[${code}m${s}\x1b[0m` : s);
const MARK: Record<string, string> = { passed: '✓', failed: '✗', error: '!', timeout: '⏱', skipped: '-' };
const COLOR: Record<string, string> = { passed: '32', failed: '31', error: '31', timeout: '33', skipped: '90' };


export function formatCheckLine(c: CheckResult, paint: Paint = painter(false)): string {
  const mark = paint(COLOR[c.status], MARK[c.status]);
  const score = `${pts(c.score)}/${pts(c.max_score)}`.padStart(7);
  return `  ${mark} ${score}  ${c.id.padEnd(24)} ${c.title}`;
}

export function formatDetails(c: CheckResult, paint: Paint = painter(false)): string[] {
  if (c.status === 'passed') {
    // Advisory notes: told, never scored.
    if (!c.advisories?.length) return [];
    return [`  ${paint('90', 'NOTE')} ${c.id}: ${c.title} (advisory, no points taken)`, ...c.advisories.map((a) => `    ${a}`), ...(c.hint ? [`    hint: ${c.hint}`] : [])];
  }
  const lines = [`  ${paint(COLOR[c.status], c.status.toUpperCase())} ${c.id}: ${c.title}`];
  for (const k of c.cases.filter((x) => x.status !== 'passed')) {
    lines.push(`    ${k.hidden ? 'hidden case' : 'case'} ${k.name} [${k.status}]: ${k.message}`);
    if (k.traceback) lines.push(...k.traceback.split('\n').map((l) => `      ${l}`));
  }
  if (c.hint) lines.push(`    hint: ${c.hint}`);
  return lines;
}

export function formatSubmission(r: SubmissionResult, color = false): string {
  const paint = painter(color);
  const out: string[] = [];
  out.push(`${r.assignment} — ${r.submission}${r.student ? ` (${studentLine(r)})` : ''}`);
  const env = r.environment;
  out.push(paint('90', `${interpreterLine(r)} (${env.executable ?? '?'}); seed ${r.seed}; sandbox: ${env.sandbox}`));
  out.push('');
  for (const c of r.checks) {
    out.push(formatCheckLine(c, paint));
    // What a passing training check measured: its accuracy against the bar.
    if (c.status === 'passed' && c.kind === 'train') out.push(paint('90', `             ${c.message}`));
  }
  const details = r.checks.flatMap((c) => formatDetails(c, paint));
  if (details.length) out.push('', ...details);
  if (r.errors.length) out.push('', ...r.errors.map((e) => `  note: ${e}`));
  if (r.notes?.length) out.push('', ...r.notes.map((n) => paint('90', `  ${n}`)));
  if (r.cache?.hit) out.push('', paint('90', `  ${cacheNote(r)}`));
  const passed = r.checks.filter((c) => c.status === 'passed').length;
  if (r.late) out.push('', `  ${lateLine(r)}`);
  out.push('');
  const before = r.late && r.late.penalty > 0 ? ` (${pts(r.late.raw_score)} before the late penalty)` : '';
  out.push(`Score ${pts(r.score)}/${pts(r.max_score)}${before} — ${passed} of ${r.checks.length} checks passed (${r.seconds.toFixed(1)} s)`);
  return out.join('\n');
}

export const textReporter: SubmissionReporter = {
  name: 'text',
  file: 'report.txt',
  describe: 'the terminal report as plain text',
  render: (r) => formatSubmission(r) + '\n',
};
