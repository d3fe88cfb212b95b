/**
 * summary.md: fit for a CI step summary or a pull-request comment, and still readable as plain
 * text. What the student controls (messages, tracebacks, output) is escaped or fenced so that
 * it shows as text and cannot turn into markup.
 */
import type { CheckResult, Status, SubmissionResult } from '../harness/results/types.ts';
import type { SubmissionReporter } from './reporter.ts';
import { STATUS_WORD, cacheNote, caseLabel, environmentLine, isBad, lateLine, passedCount, pts, studentLine, tail, visibleControls } from './text.ts';

export const MARK: Record<Status, string> = { passed: '✅', failed: '❌', error: '💥', timeout: '⏱️', skipped: '⏭️' };

/**
 * Inline text on one line, with what could become markup escaped: HTML, code spans, emphasis,
 * table cells, links, entities. Brackets are escaped only where they would make a link, so
 * an index like [5,7] still reads as itself in plain text.
 */
export function mdInline(s: string): string {
  return visibleControls(s)
    .replace(/\r?\n/g, ' ')
    .replace(/([\\`*<>|~])/g, '\\$1')
    .replace(/\](?=\()/g, '\\]')
    .replace(/&(?=#?\w+;)/g, '\\&')
    // rel_error stays as it is; __init__ would otherwise turn bold.
    .replace(/_/g, (u, i: number, all: string) => (/[A-Za-z0-9]/.test(all[i - 1] ?? '') && /[A-Za-z0-9]/.test(all[i + 1] ?? '') ? u : '\\_'));
}

/** A fenced block that no backtick run inside can close early. */
export function mdFence(raw: string, lang = 'text'): string {
  const s = visibleControls(raw);
  const longest = Math.max(2, ...[...s.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = '`'.repeat(longest + 1);
  return `${fence}${lang}\n${s.replace(/\s+$/, '')}\n${fence}`;
}

const clip = (s: string, n: number) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);

function details(c: CheckResult, shown: Map<string, string>): string[] {
  const out = [`### ${MARK[c.status]} \`${c.id}\` ${mdInline(c.title)} (${pts(c.score)}/${pts(c.max_score)}, ${STATUS_WORD[c.status]})`, ''];
  // One bullet per case, one sub-bullet per output that differs; tracebacks in fences.
  const noted = new Set<string>();
  for (const k of c.cases) {
    if (k.status === 'passed') continue;
    const failed = k.comparisons.filter((x) => !x.passed);
    if (failed.length > 1) {
      out.push(`- ${mdInline(caseLabel(k))} (${STATUS_WORD[k.status]}):`);
      for (const x of failed) out.push(`  - ${mdInline(x.message)}`);
    } else out.push(`- ${mdInline(caseLabel(k))} (${STATUS_WORD[k.status]}): ${mdInline(k.message)}`);
    if (!k.traceback) continue;
    // A broken import fails every check with the same traceback: show it once.
    const seen = shown.get(k.traceback);
    if (!seen) {
      shown.set(k.traceback, c.id);
      out.push('', mdFence(k.traceback, 'pytb'), '');
    } else if (seen !== c.id && !noted.has(seen)) {
      noted.add(seen);
      out.push(`  (the same traceback as \`${seen}\`)`);
    }
  }
  if (c.hint) out.push('', `Hint: ${mdInline(c.hint)}`);
  out.push('');
  return out;
}

export function markdownSummary(r: SubmissionResult): string {
  const ok = r.checks.every((c) => !isBad(c.status));
  const out: string[] = [];
  out.push(`## ${ok ? '✅' : '❌'} ${mdInline(r.assignment)}: ${pts(r.score)}/${pts(r.max_score)} points`, '');
  if (r.late) out.push(`**${mdInline(lateLine(r))}**`, '');
  out.push(`${passedCount(r)} of ${r.checks.length} checks passed.${r.student ? ` Student: ${mdInline(studentLine(r))}.` : ''} Submission \`${r.submission.replace(/`/g, "'")}\`, seed \`${r.seed}\`; ${mdInline(environmentLine(r))}.`, '');
  out.push('| | Check | Points | Result |', '|---|---|---:|---|');
  for (const c of r.checks) {
    out.push(`| ${MARK[c.status]} | \`${c.id}\` ${mdInline(c.title)} | ${pts(c.score)}/${pts(c.max_score)} | ${mdInline(clip(c.message, 160))} |`);
  }
  out.push('');
  const bad = r.checks.filter((c) => c.status !== 'passed' || c.advisories?.length);
  const shown = new Map<string, string>();
  if (bad.length) out.push(...bad.flatMap((c) => details(c, shown)));
  if (r.errors.length) out.push('### Notes', '', ...r.errors.map((e) => `- ${mdInline(e)}`), '');
  if (r.cache?.hit) out.push(`_${mdInline(cacheNote(r))}._`, '');
  if (r.stdout.trim()) out.push('### What the code printed', '', mdFence(tail(r.stdout, 40, 4000)), '');
  if (r.stderr.trim()) out.push('### What the code wrote to stderr', '', mdFence(tail(r.stderr, 40, 4000)), '');
  return out.join('\n');
}

export const markdownReporter: SubmissionReporter = {
  name: 'markdown',
  file: 'summary.md',
  describe: 'a Markdown summary (CI step summary, pull-request comment)',
  render: (r) => markdownSummary(r),
};
