/**
 * Merging a CPU runner's results with a GPU runner's, which graded only the checks that need a
 * GPU and ran later: the kept outcome of each check follows --prefer, but the checks keep the
 * order of the fuller run (the pack's), so the gradebook's columns are the one-machine ones.
 */
import { describe, expect, it } from 'vitest';
import { mergeResults } from '../../harness/runner/merge.ts';
import type { SubmissionResult } from '../../harness/results/types.ts';
import { syntheticResult } from '../helpers/results.ts';

describe('merge', () => {
  it('keeps the pack\'s order of checks when the newer run holds only a few', () => {
    const cpu: SubmissionResult = { ...syntheticResult(), started_at: '2026-12-01T10:00:00.000Z' };
    const skipped = cpu.checks.find((c) => c.status === 'skipped')!;
    const graded = { ...skipped, status: 'passed' as const, score: skipped.max_score, message: 'graded on the gpu runner' };
    const gpu: SubmissionResult = { ...syntheticResult(), started_at: '2026-12-01T11:00:00.000Z', checks: [graded] };
    for (const runs of [[[cpu], [gpu]], [[gpu], [cpu]]]) {
      const [m] = mergeResults(runs);
      expect(m.checks.map((c) => c.id)).toEqual(cpu.checks.map((c) => c.id));
      expect(m.checks.find((c) => c.id === skipped.id)!.message).toBe('graded on the gpu runner');
    }
  });
});
