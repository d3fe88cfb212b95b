/**
 * Which reporters exist, and the one way every output is written: per submission into its
 * folder (or, for `check --json FILE` and the like, to a file the user names), per batch into the
 * output folder. `check`, `grade` and `merge` all write through here; the names are the type of
 * the `--reports` option.
 */
import fs from 'node:fs';
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

export const SUBMISSION_REPORTERS = {
  json: jsonReporter,
  gradescope: gradescopeReporter,
  junit: junitReporter,
  markdown: markdownReporter,
  html: htmlReporter,
  text: textReporter,
} as const satisfies Record<string, SubmissionReporter>;

export const BATCH_REPORTERS = {
  index: indexReporter,
  gradebook: gradebookReporter,
} as const satisfies Record<string, BatchReporter>;

export type SubmissionReportName = keyof typeof SUBMISSION_REPORTERS;
export type BatchReportName = keyof typeof BATCH_REPORTERS;
export type ReportName = SubmissionReportName | BatchReportName;

export const REPORT_NAMES = [...Object.keys(SUBMISSION_REPORTERS), ...Object.keys(BATCH_REPORTERS)] as ReportName[];
/** What `grade` writes unless told otherwise (report.txt only on request). */
export const DEFAULT_REPORTS: ReportName[] = ['json', 'gradescope', 'junit', 'markdown', 'html', 'index', 'gradebook'];

/** What `dlgrade diff --into DIR` writes there. */
export const DIFF_FILES = { text: 'diff.txt', csv: 'diff.csv' } as const;

export const isReportName = (s: string): s is ReportName => (REPORT_NAMES as string[]).includes(s);
export const isSubmissionReport = (s: ReportName): s is SubmissionReportName => s in SUBMISSION_REPORTERS;
export const isBatchReport = (s: ReportName): s is BatchReportName => s in BATCH_REPORTERS;

/** The file a submission reporter writes in the submission's output folder. */
export const submissionFile = (name: SubmissionReportName) => SUBMISSION_REPORTERS[name].file;
export const batchFile = (name: BatchReportName) => BATCH_REPORTERS[name].file;

/** One submission output, to a file of the caller's choosing. */
export function writeSubmissionReport(name: SubmissionReportName, file: string, r: SubmissionResult, opts: ReportOptions = {}) {
  // Made again from result.json at will: no need to wait for the disk.
  writeAtomic(file, SUBMISSION_REPORTERS[name].render(r, opts), { durable: false });
}

/** Writes the chosen outputs of one submission into `dir`; returns reporter name → file name. */
export function writeSubmissionReports(dir: string, r: SubmissionResult, names: readonly ReportName[], opts: ReportOptions = {}): Partial<Record<SubmissionReportName, string>> {
  const files: Partial<Record<SubmissionReportName, string>> = {};
  for (const name of names.filter(isSubmissionReport)) {
    writeSubmissionReport(name, path.join(dir, submissionFile(name)), r, opts);
    files[name] = submissionFile(name);
  }
  return files;
}

/** Writes the chosen outputs of a batch into `outDir`; returns the files written. */
export function writeBatchReports(outDir: string, entries: BatchEntry[], names: readonly ReportName[], opts: ReportOptions = {}): string[] {
  const here = (f: string) => fs.existsSync(path.join(outDir, f));
  // A regrade's diff written into this folder (dlgrade diff --into): the index links it.
  const withBesides: ReportOptions = here(DIFF_FILES.text) ? { ...opts, besides: { ...opts.besides, diff: { text: DIFF_FILES.text, ...(here(DIFF_FILES.csv) ? { csv: DIFF_FILES.csv } : {}) } } } : opts;
  return names.filter(isBatchReport).map((name) => {
    writeAtomic(path.join(outDir, batchFile(name)), BATCH_REPORTERS[name].render(entries, withBesides), { durable: false });
    return batchFile(name);
  });
}
