/**
 * Which reporters exist, and writing a chosen set of them: per submission into its folder, per
 * batch into the output folder. The CLI only names them.
 */
import path from 'node:path';
import type { SubmissionResult } from '../harness/results/types.ts';
import { writeAtomic } from '../harness/results/write.ts';
import { gradebookReporter } from './gradebook.ts';
import { gradescopeReporter } from './gradescope.ts';
import { htmlReporter } from './html.ts';
import { indexReporter } from './index-html.ts';
import { jsonReporter } from './json.ts';
import { junitReporter } from './junit.ts';
import { markdownReporter } from './markdown.ts';
import type { BatchEntry, BatchReporter, ReportOptions, SubmissionReporter } from './reporter.ts';
import { textReporter } from './terminal.ts';

export const SUBMISSION_REPORTERS: SubmissionReporter[] = [jsonReporter, gradescopeReporter, junitReporter, markdownReporter, htmlReporter, textReporter];
export const BATCH_REPORTERS: BatchReporter[] = [indexReporter, gradebookReporter];
/** What `grade` writes unless told otherwise (report.txt only on request). */
export const DEFAULT_REPORTS = ['json', 'gradescope', 'junit', 'markdown', 'html', 'index', 'gradebook'];

export class UnknownReportError extends Error {}

export function parseReports(list: string): string[] {
  const names = list.split(',').map((s) => s.trim()).filter(Boolean);
  const known = [...SUBMISSION_REPORTERS, ...BATCH_REPORTERS].map((r) => r.name);
  const unknown = names.filter((n) => n !== 'all' && !known.includes(n));
  if (unknown.length) throw new UnknownReportError(`unknown report ${unknown.map((u) => `"${u}"`).join(', ')} (known: ${known.join(', ')}, all)`);
  return names.includes('all') ? known : names;
}

/** Writes the chosen outputs of one submission into `dir`; returns reporter name → file name. */
export function writeSubmissionReports(dir: string, r: SubmissionResult, names: string[], opts: ReportOptions = {}): Record<string, string> {
  const files: Record<string, string> = {};
  for (const rep of SUBMISSION_REPORTERS) {
    if (!names.includes(rep.name)) continue;
    // Made again from result.json at will: no need to wait for the disk.
    writeAtomic(path.join(dir, rep.file), rep.render(r, opts), { durable: false });
    files[rep.name] = rep.file;
  }
  return files;
}

export function writeBatchReports(outDir: string, entries: BatchEntry[], names: string[], opts: ReportOptions = {}): string[] {
  const written: string[] = [];
  for (const rep of BATCH_REPORTERS) {
    if (!names.includes(rep.name)) continue;
    writeAtomic(path.join(outDir, rep.file), rep.render(entries, opts), { durable: false });
    written.push(rep.file);
  }
  return written;
}
