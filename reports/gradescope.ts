/**
 * Gradescope's results.json (its autograder spec): one test per check, scored as the check.
 * Students read this on Gradescope as soon as it is written, so hidden cases are redacted: a
 * test says that a hidden case failed and by how much, not the values or the traceback, since
 * those come from inputs the student should not see. A check whose every case is hidden gets
 * the visibility the instructor chose (default after_published); the others are visible. The
 * student's stdout is kept from students (stdout_visibility hidden): the terminal report there
 * shows hidden cases in full.
 *
 * A check skipped for want of a runner tag (a GPU, say) is pending, not failed: it appears as an
 * informational test worth 0 points that gives the reason. A training check's held-out accuracy
 * is in its test's output and on the leaderboard. How the student's code was isolated is said at
 * the top and kept in extra_data.
 */
import type { CheckResult, SubmissionResult } from '../harness/results/types.ts';
import type { ReportOptions, SubmissionReporter, Visibility } from './reporter.ts';
import { STATUS_WORD, checkDetails, checkMessage, lateLine, passedCount, pts } from './text.ts';

export interface GradescopeTest {
  name: string;
  number: string;
  score: number;
  max_score: number;
  /** Left out for an informational test (a pending check). */
  status?: 'passed' | 'failed';
  output: string;
  output_format: 'text';
  visibility: Visibility;
  tags: string[];
}

export interface GradescopeResults {
  score: number;
  execution_time: number;
  output: string;
  output_format: 'text';
  test_output_format: 'text';
  visibility: Visibility;
  stdout_visibility: Visibility;
  extra_data: Record<string, unknown>;
  tests: GradescopeTest[];
  leaderboard?: { name: string; value: number; order: 'asc' | 'desc' }[];
}

function test(c: CheckResult, i: number, hiddenVisibility: Visibility): GradescopeTest {
  if (c.status === 'skipped') {
    return {
      name: `${c.title} (${c.id})`, number: String(i + 1), score: 0, max_score: 0,
      output: `Pending, not failed: ${c.message}. Its ${pts(c.max_score)} point${c.max_score === 1 ? '' : 's'} are not in this score.`,
      output_format: 'text', visibility: 'visible', tags: [c.kind, 'pending'],
    };
  }
  const allHidden = c.cases.length > 0 && c.cases.every((k) => k.hidden);
  const lines = [`${STATUS_WORD[c.status]}: ${checkMessage(c, { redactHidden: true })}`];
  if (c.status !== 'passed' || c.advisories?.length) lines.push('', ...checkDetails(c, { redactHidden: true }));
  const hidden = c.cases.filter((k) => k.hidden).length;
  if (hidden) lines.push('', `${hidden} of the ${c.cases.length} cases use hidden inputs drawn at grading time.`);
  return {
    name: `${c.title} (${c.id})`,
    number: String(i + 1),
    score: c.score,
    max_score: c.max_score,
    status: c.status === 'passed' ? 'passed' : 'failed',
    output: lines.join('\n'),
    output_format: 'text',
    visibility: allHidden ? hiddenVisibility : 'visible',
    tags: [c.kind, c.status, ...(hidden ? ['hidden-inputs'] : [])],
  };
}

export function gradescopeResults(r: SubmissionResult, opts: ReportOptions = {}): GradescopeResults {
  const hiddenVisibility = opts.gradescopeHiddenVisibility ?? 'after_published';
  const pending = r.checks.filter((c) => c.status === 'skipped');
  const summary = [
    `${r.assignment}: ${pts(r.score)}/${pts(r.max_score)} points, ${passedCount(r)} of ${r.checks.length} checks passed.`,
    ...(pending.length ? [`Pending (not failed, graded on another runner): ${pending.map((c) => c.id).join(', ')}, ${pts(r.pending_score)} points.`] : []),
    // Gradescope takes the top-level score over the tests' sum: the one after the penalty.
    ...(r.late ? [lateLine(r)] : []),
    ...r.errors.map((e) => `Note: ${e}`),
    `Isolation: ${r.environment.sandbox}`,
  ];
  const leaderboard = r.checks.flatMap((c) => {
    const value = trainedAccuracy(c);
    return value === undefined ? [] : [{ name: `${c.id} accuracy`, value, order: 'desc' as const }];
  });
  return {
    score: r.score,
    execution_time: Math.round(r.seconds),
    output: summary.join('\n'),
    output_format: 'text',
    test_output_format: 'text',
    visibility: 'visible',
    stdout_visibility: 'hidden',
    // Stored with the submission for the instructor, not shown to the student.
    extra_data: { assignment: r.assignment, submission: r.submission, seed: r.seed, grader_version: r.environment.grader_version, isolation: r.environment.sandbox, ...(r.late ? { late: r.late } : {}) },
    tests: r.checks.map((c, i) => test(c, i, hiddenVisibility)),
    ...(leaderboard.length ? { leaderboard } : {}),
  };
}

/** The held-out accuracy a passing training check measured, if it did. */
function trainedAccuracy(c: CheckResult): number | undefined {
  if (c.kind !== 'train' || c.status !== 'passed') return undefined;
  const measured = c.cases.flatMap((k) => k.comparisons).filter((x) => x.metric === 'property' && typeof x.value === 'number');
  return (measured.find((x) => /accuracy/i.test(x.output)) ?? measured[0])?.value ?? undefined;
}

/**
 * What Gradescope shows when grading itself failed (a hand-in that cannot be unpacked, a
 * grader that cannot start): a result all the same, with the reason, never a missing file.
 */
export function gradescopeFailure(reason: string, seconds: number, extra: Record<string, unknown> = {}): GradescopeResults {
  return {
    score: 0,
    execution_time: Math.round(seconds),
    output: [`The autograder could not grade this submission: ${reason}`, ...(typeof extra.isolation === 'string' ? [`Isolation: ${extra.isolation}`] : [])].join('\n'),
    output_format: 'text',
    test_output_format: 'text',
    visibility: 'visible',
    stdout_visibility: 'hidden',
    extra_data: { error: reason, ...extra },
    tests: [],
  };
}

export const gradescopeReporter: SubmissionReporter = {
  name: 'gradescope',
  file: 'results.json',
  describe: "Gradescope's results.json (hidden cases redacted)",
  render: (r, opts) => JSON.stringify(gradescopeResults(r, opts), null, 2) + '\n',
};
