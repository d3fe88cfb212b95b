/**
 * The result model every report is written from. result.schema.json describes the same shape;
 * the tests validate every result they produce against it.
 */
import type { CheckKind } from '../spec/types.ts';

/**
 * How an output's error is measured: rel_error elementwise (the courses' own definition),
 * scaled_error as max |diff| / max |expected|, abs_error and sum_abs in the output's units,
 * rel_or_abs as rel_error except where |diff| is within an absolute bar.
 */
export type Metric = 'rel_error' | 'scaled_error' | 'abs_error' | 'sum_abs' | 'rel_or_abs';

export interface Worst {
  index: number[];
  expected: number;
  got: number;
  error: number;
}

/**
 * Where a failed output differs, for reports that draw it: the few worst elements and a small
 * map of the relative error. Only failed comparisons carry one, so results stay small.
 */
export interface Detail {
  shape: number[];
  /** Up to DETAIL_TOP elements, worst first, under the comparison's metric. */
  top: Worst[];
  /**
   * rel_error per cell, row-major, to one significant digit; a non-finite element counts as 1 (the
   * largest rel_error a finite pair can have). Large outputs are reduced by taking each block's
   * maximum, so one bad element still shows.
   */
  heatmap?: { rows: number; cols: number; rel_error: number[]; note: string };
}

export const DETAIL_TOP = 5;
export const HEATMAP_MAX = 32;

export interface Comparison {
  output: string;
  /** 'property' for laws such as dropout statistics, checked without an expected array. */
  metric: Metric | 'property';
  /** The measured error; null when the shapes differ or nothing comparable came back. */
  value: number | null;
  bar: number;
  passed: boolean;
  worst?: Worst;
  detail?: Detail;
  message: string;
}

export type Status = 'passed' | 'failed' | 'error' | 'timeout' | 'skipped';

export interface CaseResult {
  name: string;
  hidden: boolean;
  status: Status;
  message: string;
  comparisons: Comparison[];
  /** The student's traceback (their own frames only) when the case errored. */
  traceback?: string;
  /** Graded and shown, never scored (behaviour the course never asks for). */
  advisory?: boolean;
  /** Points this case won, and its share of the check's (0 for an advisory case). */
  score?: number;
  max_score?: number;
  seconds: number;
}

export interface CheckResult {
  id: string;
  title: string;
  kind: CheckKind;
  status: Status;
  score: number;
  max_score: number;
  message: string;
  hint?: string;
  /** What advisory cases that did not pass say (they score nothing). */
  advisories?: string[];
  cases: CaseResult[];
  /**
   * Series a check recorded (a training run's loss and accuracy per epoch), drawn as plots in
   * the HTML report. Curves that share `plot` are drawn on one; the others get one each.
   */
  curves?: Curve[];
  seconds: number;
}

export interface Curve {
  name: string;
  x: number[];
  y: number[];
  plot?: string;
}

export interface Environment {
  python: string | null;
  executable: string | null;
  platform: string | null;
  modules: Record<string, string>;
  sandbox: string;
  grader_version: string;
  node: string;
  /** The runner's tags (cpu, gpu, cuda, mps) and devices. */
  runner: { tags: string[]; source: 'detected' | 'given'; devices: { name: string; kind: string; model?: string; memory_gib?: number; cores?: number }[]; torch?: string | null };
}

/**
 * Who a submission belongs to, as the class roster says (grade --roster): what the LMS exports
 * match rows by. Only the fields the roster has are present.
 */
export interface Student {
  name?: string;
  /** The LMS's own user id (Canvas's ID). */
  id?: string;
  sis_user_id?: string;
  sis_login_id?: string;
  email?: string;
  section?: string;
  /** What tied the folder to the roster's row. */
  matched_by: 'folder' | 'email' | 'git author';
}

/** Where a submission's time was read from, best first. */
export type SubmittedFrom = 'gradescope' | 'zip' | 'git' | 'mtime';

/**
 * A due date's verdict on a submission (present whenever a due date applied, late or not). The
 * penalty is a share of the points won: score = raw_score × (1 − penalty).
 */
export interface Late {
  submitted_at: string;
  /** gradescope: submission_metadata.json's created_at; zip: the archive's newest entry; git: the last commit; mtime: the newest file. */
  source: SubmittedFrom;
  due: string;
  /** Who set the due date: the command line, Gradescope's metadata, or the pack. */
  due_from: 'option' | 'gradescope' | 'pack';
  grace_seconds: number;
  /** Seconds past the due date and grace (0 when on time). */
  seconds_late: number;
  /** Days late, counted up (a minute late is one day): 0 when on time. */
  days_late: number;
  /** The rule, as given: "10%/day, at most 50%". */
  rule: string;
  /** The share of the points taken, 0 to 1. */
  penalty: number;
  /** The points won before the penalty. */
  raw_score: number;
}

export interface SubmissionResult {
  schema_version: 1;
  submission: string;
  assignment: string;
  /** The points won, after any late penalty (late.raw_score is before it). */
  score: number;
  max_score: number;
  /** Points of checks skipped on this runner (they need tags it lacks): neither won nor lost yet. */
  pending_score: number;
  seed: string;
  environment: Environment;
  checks: CheckResult[];
  /** Whole-submission problems (copy failed, interpreter missing, time limit), if any. */
  errors: string[];
  /** What the grader did that the student should know, e.g. the notebook cells it skipped. */
  notes?: string[];
  stdout: string;
  stderr: string;
  /**
   * The key naming this result in the result cache, and whether this run took it from there
   * rather than grading (started_at and seconds are then those of the run that graded it).
   */
  cache?: { key: string; hit: boolean };
  /** The roster's row for this submission (grade --roster). */
  student?: Student;
  /** The due date's verdict (grade --due, the pack's due, or Gradescope's due_date). */
  late?: Late;
  started_at: string;
  seconds: number;
}
