/**
 * How cases become a check's verdict and score: credit per case, advisory cases that are told
 * and never scored, all-or-nothing checks, and a case whose outputs did not all come back.
 */
import { describe, expect, it } from 'vitest';
import { casePoints, checkFromCases, missingOutputs, outputsRead, totals } from '../../harness/checks/verdict.ts';
import type { CaseResult, Status } from '../../harness/results/types.ts';
import type { CheckSpec } from '../../harness/spec/types.ts';

const spec = (over: Partial<CheckSpec> = {}): CheckSpec => ({
  id: 'maxpool_backward', title: 'max-pool backward', kind: 'gradient', points: 3, probe: 'maxpool',
  cases: [{ name: 'published' }, { name: 'ties', advisory: true, say: 'the course does not ask for ties' }, { name: 'random', hidden: true }],
  compare: [{ output: 'dx', scaled_error: 1e-5 }],
  ...over,
});
const k = (name: string, status: Status, extra: Partial<CaseResult> = {}): CaseResult => ({ name, hidden: name === 'random', status, message: `${name} ${status}`, comparisons: [], seconds: 0, ...extra });

describe('credit per case', () => {
  it('shares the points among the scored cases; an advisory case gets none', () => {
    const cases = [k('published', 'passed'), k('ties', 'failed', { advisory: true }), k('random', 'passed')];
    expect(casePoints(spec(), cases)).toEqual([1.5, 0, 1.5]);
  });

  it('gives a case its own points where the pack says, the rest shared', () => {
    const s = spec({ points: 4, cases: [{ name: 'published', points: 3 }, { name: 'a' }, { name: 'b' }] });
    expect(casePoints(s, [k('published', 'passed'), k('a', 'passed'), k('b', 'passed')])).toEqual([3, 0.5, 0.5]);
  });

  it('keeps the published case\'s points when a hidden case fails, and says how many passed', () => {
    const c = checkFromCases(spec(), [k('published', 'passed'), k('ties', 'passed', { advisory: true }), k('random', 'failed')], 0.1);
    expect(c.status).toBe('failed');
    expect(c.score).toBe(1.5);
    expect(c.max_score).toBe(3);
    expect(c.message).toBe('hidden case random: random failed (1 of 2 cases passed)');
    expect(c.cases.map((x) => [x.score, x.max_score])).toEqual([[1.5, 1.5], [0, 0], [0, 1.5]]);
  });

  it('an all-or-nothing check scores nothing unless every scored case passes', () => {
    const c = checkFromCases(spec({ all_or_nothing: true }), [k('published', 'passed'), k('ties', 'passed', { advisory: true }), k('random', 'failed')], 0);
    expect(c.score).toBe(0);
    expect(c.message).not.toMatch(/cases passed/);
  });

  it('full marks add up to exactly the check\'s points', () => {
    const s = spec({ points: 2, cases: [{ name: 'a' }, { name: 'b' }, { name: 'c' }] });
    expect(checkFromCases(s, [k('a', 'passed'), k('b', 'passed'), k('c', 'passed')], 0).score).toBe(2);
    expect(totals([checkFromCases(s, [k('a', 'passed'), k('b', 'failed'), k('c', 'passed')], 0)]).score).toBeCloseTo(4 / 3, 5);
  });
});

describe('advisory cases', () => {
  it('do not fail a check: it passes with full marks and the note, and the hint', () => {
    const c = checkFromCases({ ...spec(), hint: 'one maximum gets the gradient' }, [k('published', 'passed'), k('ties', 'failed', { advisory: true, message: 'dx differs at the ties' }), k('random', 'passed')], 0);
    expect(c.status).toBe('passed');
    expect(c.score).toBe(3);
    expect(c.advisories).toEqual(['case ties: dx differs at the ties']);
    expect(c.message).toBe('2 cases passed (advisory: case ties: dx differs at the ties)');
    expect(c.hint).toBe('one maximum gets the gradient');
  });
});

describe('outputs that did not come back', () => {
  const check = spec({ id: 'testcnn_forward', compare: [{ output: 'scores', sum_abs: 1e-6 }, { output: 'loss', abs_error: 1e-10 }] });

  it('reads what a check compares and what its steps and properties take from the student', () => {
    const s = spec({ compare: [{ output: 'curve', actual: 'got.series', abs_error: 1 }, { output: 'dx', rel_error: 1 }], expect: [{ op: 'dropout_backward', in: { out: 'got.out' } }], properties: [{ assert: 'identity', args: { out: 'got.test', x: 'x' } }] });
    expect([...outputsRead(s)].sort()).toEqual(['dx', 'out', 'series', 'test']);
  });

  it('judge a forward whose backward step raised: nothing it reads is missing', () => {
    const failed = [{ step: 'backward', error: { message: 'NotImplementedError: TODO', traceback: '  File "lib/cnn/layer_utils.py", line 9' } }];
    expect(missingOutputs(check, { name: 'published' }, ['scores', 'loss'], {}, failed, 0)).toBeUndefined();
  });

  it('name the step that broke when an output the check reads is missing', () => {
    const failed = [{ step: 'forward', error: { message: 'ValueError: shapes do not align', traceback: '  File "lib/cnn/cnn_models.py", line 12' } }];
    const r = missingOutputs(check, { name: 'published' }, [], {}, failed, 0)!;
    expect(r.status).toBe('error');
    expect(r.message).toBe('scores, loss not computed: the forward step raised ValueError: shapes do not align');
    expect(r.traceback).toMatch(/cnn_models\.py/);
  });

  it('say why an output could not be sent (None from a TODO)', () => {
    const r = missingOutputs(check, { name: 'published' }, ['loss'], { scores: 'scores: the code returned None (is this part still a TODO?)' }, [], 0)!;
    expect(r.message).toBe('scores: the code returned None (is this part still a TODO?)');
  });
});
