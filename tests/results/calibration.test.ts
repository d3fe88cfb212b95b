/**
 * Calibration from results alone: the worst correct figure, the weakest caught mutant, the
 * margins, the middle of the gap, and what is flagged for an instructor to look at.
 */
import { describe, expect, it } from 'vitest';
import { type Graded, calibrate } from '../../harness/results/calibration.ts';
import type { CheckResult, Comparison, SubmissionResult } from '../../harness/results/types.ts';

const cmp = (value: number | null, bar = 1e-5): Comparison => ({ output: 'dx', metric: 'scaled_error', value, bar, passed: value !== null && value <= bar, message: '' });
const check = (values: (number | null)[], advisory: boolean[] = []): CheckResult => ({
  id: 'conv_backward', title: 't', kind: 'gradient', status: 'passed', score: 1, max_score: 1, message: '', seconds: 0,
  cases: values.map((v, i) => ({ name: `c${i}`, hidden: false, status: 'passed', message: '', comparisons: [cmp(v)], seconds: 0, ...(advisory[i] ? { advisory: true } : {}) })),
});
const result = (c: CheckResult): SubmissionResult => ({ checks: [c] } as unknown as SubmissionResult);
const g = (role: Graded['role'], name: string, seed: string, values: (number | null)[], advisory?: boolean[]): Graded => ({ role, name, seed, result: result(check(values, advisory)) });

describe('calibrate', () => {
  const graded = [
    g('solution', 'solution', 's1', [1e-15, 1e-14]),
    g('variant', 'float32', 's1', [1e-8, 9e-8]),
    g('variant', 'float32', 's2', [2e-8, 1e-7]),
    g('mutant', 'wrong-stride', 's1', [0.5, 2]),
    g('mutant', 'wrong-stride', 's2', [0.2, 0.3]),
    g('mutant', 'shape', 's1', [null, null]),
  ];
  const [o] = calibrate(graded);

  it('takes the worst case of each grading, the worst valid and the weakest seed of each caught mutant', () => {
    expect(o.points).toHaveLength(6);
    expect(o.worstValid).toBe(1e-7);
    expect(o.bestCaught).toBe(0.3);
    expect(o.marginBelow).toBeCloseTo(100, 9);
    expect(o.marginAbove).toBeCloseTo(30000, 6);
    expect(o.proposed).toBeCloseTo(Math.sqrt(1e-7 * 0.3), 12);
  });

  it('counts a wrong shape (no value) as caught as far as it can be', () => {
    expect(o.points.find((p) => p.name === 'shape')!.value).toBe(Infinity);
  });

  it('flags correct code within 10x of the bar, a mutant within 10x, and a mutant that escapes a seed', () => {
    const [near] = calibrate([g('variant', 'close', 's1', [2e-6]), g('mutant', 'weak', 's1', [5e-5]), g('mutant', 'weak', 's2', [5e-6])]);
    expect(near.flags).toEqual([
      'variant close at 2.0e-6 (seed s1) is within 10x below the bar',
      'mutant weak at 5.0e-6 is within 10x above the bar (and passes under some seed)',
    ]);
  });

  it('leaves a variant\'s advisory cases out, and says when no mutant reaches an output', () => {
    const [x] = calibrate([{ ...g('variant', 'cs231n-mask', 's1', [1e-9, 0.4], [false, true]), advisory: ['conv_backward'] }]);
    expect(x.worstValid).toBe(1e-9);
    expect(x.flags).toEqual(['no mutant is caught on this output: nothing shows the bar is tight enough']);
  });

  it('places real hand-ins and flags the ones near the bar on either side', () => {
    const [x] = calibrate([g('real', 'alice', 's1', [3e-6]), g('real', 'bob', 's1', [4e-5]), g('real', 'carol', 's1', [1e-12])]);
    expect(x.flags).toEqual([
      'real hand-in alice passes at 3.0e-6, within 10x below the bar: look at it',
      'real hand-in bob fails at 4.0e-5, within 10x above the bar: look at it',
      'no mutant is caught on this output: nothing shows the bar is tight enough',
    ]);
  });
});
