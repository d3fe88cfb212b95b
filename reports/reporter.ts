/**
 * Every output is written from the one result model by a reporter: one file per format, one
 * interface, so the CLI can write any subset and a new format touches nothing else.
 */
import type { SubmissionResult } from '../harness/results/types.ts';

/** Gradescope's visibility levels (its results.json spec). */
export const VISIBILITIES = ['visible', 'hidden', 'after_due_date', 'after_published'] as const;
export type Visibility = (typeof VISIBILITIES)[number];

export interface ReportOptions {
  /** Gradescope visibility of a check whose every case is hidden (default after_published). */
  gradescopeHiddenVisibility?: Visibility;
  /** Batch outputs written beside the index (a regrade's diff.txt, diff.csv): the index links them. */
  besides?: { diff?: { text: string; csv?: string } };
}

/** One output for one submission. */
export interface SubmissionReporter {
  name: string;
  /** The file's name inside the submission's output folder. */
  file: string;
  describe: string;
  render(result: SubmissionResult, opts?: ReportOptions): string;
}

/** A graded submission as a batch output sees it: the result and the folder its files are in. */
export interface BatchEntry {
  result: SubmissionResult;
  /** The submission's folder, relative to the batch's output folder. */
  dir: string;
  /** Submission outputs written there, by reporter name, so links point at what exists. */
  files: Record<string, string>;
}

/** One output for a whole batch. */
export interface BatchReporter {
  name: string;
  file: string;
  describe: string;
  render(entries: BatchEntry[], opts?: ReportOptions): string;
}
