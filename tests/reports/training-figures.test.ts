/**
 * Reports say what passed, not only what failed: a passing training check's held-out accuracy
 * and its bar, as the grader measured them (the accuracy_at_least property on a real judging of
 * returned scores), appear in the terminal, HTML, Markdown and Gradescope outputs.
 */
import { describe, expect, it } from 'vitest';
import { PROPERTIES } from '../../harness/checks/properties.ts';
import { checkFromCases } from '../../harness/checks/verdict.ts';
import type { Comparison, SubmissionResult } from '../../harness/results/types.ts';
import type { CheckSpec } from '../../harness/spec/types.ts';
import { tensor } from '../../harness/tensor/tensor.ts';
import { gradescopeResults } from '../../reports/gradescope.ts';
import { htmlReport } from '../../reports/html.ts';
import { markdownSummary } from '../../reports/markdown.ts';
import { formatSubmission } from '../../reports/terminal.ts';
import { syntheticResult } from '../helpers/results.ts';

const spec: CheckSpec = {
  id: 'tinynet_train', title: 'TinyNet trained on Fashion-MNIST', kind: 'train', points: 4, probe: 'tinynet_train',
  cases: [{ name: 'fashion' }],
  properties: [{ assert: 'accuracy_at_least', args: { scores: 'scores', labels: 'test_labels', bar: 0.7, solution: 0.8, label: 'held-out accuracy' } }],
};

/** 1000 held-out images, 789 of them classified right. */
function measured(): Comparison {
  const labels = tensor([1000], Array.from({ length: 1000 }, (_, i) => i % 10), 'int64');
  const predictions = tensor([1000], labels.data.map((y, i) => (i < 789 ? y : (y + 1) % 10)), 'int64');
  const o = PROPERTIES.accuracy_at_least({ scores: predictions, labels, bar: 0.7, solution: 0.8, label: 'held-out accuracy' });
  expect(o.passed).toBe(true);
  return { output: 'held-out accuracy', metric: 'property', value: o.value ?? null, bar: o.bar ?? 0, passed: true, message: o.message };
}

describe('a passing training check in every report', () => {
  const cmp = measured();
  const check = checkFromCases(spec, [{ name: 'fashion', hidden: false, status: 'passed', message: cmp.message, comparisons: [cmp], seconds: 4 }], 4);
  const base = syntheticResult();
  const r: SubmissionResult = { ...base, checks: [check], score: 4, max_score: 4, pending_score: 0, errors: [] };
  const figure = /held-out accuracy 0\.789 >= bar 0\.7/;

  it('is in the check message the reports share', () => expect(check.message).toMatch(figure));
  it('terminal', () => expect(formatSubmission(r)).toMatch(figure));
  it('HTML', () => expect(htmlReport(r).replace(/&gt;/g, '>').replace(/&#x3D;/g, '=')).toMatch(figure));
  it('Markdown', () => expect(markdownSummary(r).replace(/\\>/g, '>')).toMatch(figure));
  it('Gradescope: the test output and the leaderboard', () => {
    const gs = gradescopeResults(r);
    expect(gs.tests[0].output).toMatch(figure);
    expect(gs.leaderboard).toEqual([{ name: 'tinynet_train accuracy', value: 0.789, order: 'desc' }]);
  });
});
