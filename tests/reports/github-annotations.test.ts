/** GitHub annotations point at the student's line, and a step never gets more than GitHub shows. */
import { describe, expect, it } from 'vitest';
import type { CheckResult } from '../../harness/results/types.ts';
import { MAX_ANNOTATIONS, annotations, failureLocation } from '../../reports/github.ts';
import { syntheticResult } from '../helpers/results.ts';

describe('GitHub annotations', () => {
  const r = syntheticResult();

  it("name the file and line of the innermost frame of the student's traceback", () => {
    const withTraceback = r.checks.find((c) => c.cases.some((k) => k.traceback))!;
    expect(failureLocation(withTraceback)).toEqual({ file: 'lib/layers.py', line: 3 });
    expect(annotations(r).find((a) => a.includes(`title=${withTraceback.id} `))).toMatch(/^::error file=lib\/layers\.py,line=3,title=/);
  });

  it("take a SyntaxError's file and line from its message, and never a path outside the hand-in", () => {
    const c = (message: string, traceback?: string): CheckResult => ({ ...r.checks[0], cases: [{ name: 'published', hidden: false, status: 'error', message, comparisons: [], seconds: 0, ...(traceback ? { traceback } : {}) }] });
    expect(failureLocation(c('SyntaxError: invalid syntax (lib/mlp/layer_utils.py, line 333)'))).toEqual({ file: 'lib/mlp/layer_utils.py', line: 333 });
    expect(failureLocation(c('x', '  File "/usr/lib/python3/numpy/core.py", line 9, in f'))).toBeUndefined();
    expect(failureLocation(c('x', '  File "../grader/driver.py", line 9, in f'))).toBeUndefined();
    expect(failureLocation(c('dx: worst rel_error 0.5'))).toBeUndefined();
  });

  it(`are at most ${MAX_ANNOTATIONS} per step, the last one summing up the rest`, () => {
    const failing = Array.from({ length: 15 }, (_, i) => ({ ...r.checks[0], id: `check_${i}`, status: 'failed' as const }));
    const a = annotations({ ...r, checks: failing });
    expect(a).toHaveLength(MAX_ANNOTATIONS);
    expect(a[MAX_ANNOTATIONS - 1]).toMatch(/^::error title=6 more checks did not pass::check_9, check_10, check_11, check_12, check_13, check_14: /);
  });
});
