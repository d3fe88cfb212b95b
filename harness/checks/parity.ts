/**
 * Device parity: the same seeded training run on two devices (a GPU's case and a CPU's). The
 * grader's own clock times each case's training request (after an untimed warm-up, so CUDA's
 * start-up is not counted), and the grader's own scoring gives each case's held-out accuracy:
 * nothing the student's process reports enters the verdict.
 */
import { fmt } from '../results/format.ts';
import type { CaseResult, Comparison } from '../results/types.ts';
import type { ParitySpec } from '../spec/types.ts';
import type { GatheredCase } from './verdict.ts';

/** The comparison of the two devices, as one more case of the check. */
export function parityCase(spec: ParitySpec, cases: GatheredCase[]): CaseResult {
  const fast = cases.find((c) => c.name === spec.fast), slow = cases.find((c) => c.name === spec.slow);
  const base = { name: 'parity', hidden: false, comparisons: [] as Comparison[], seconds: 0 };
  const unusable = [fast, slow].find((c) => !c || c.status !== 'passed' || c.timed === undefined || c.accuracy === undefined);
  if (unusable !== undefined) {
    const which = unusable ? unusable.name : !fast ? spec.fast : spec.slow;
    return { ...base, status: 'skipped', message: `devices not compared: case ${which} did not pass` };
  }
  const speedup = slow!.timed! / Math.max(fast!.timed!, 1e-3);
  const gap = Math.abs(fast!.accuracy! - slow!.accuracy!);
  const figures = `${fast!.name}: ${fmt(fast!.timed!)} s, accuracy ${fmt(fast!.accuracy!)}; ${slow!.name}: ${fmt(slow!.timed!)} s, accuracy ${fmt(slow!.accuracy!)}`;
  const comparisons: Comparison[] = [
    {
      output: 'speed-up', metric: 'property', value: speedup, bar: spec.speedup, passed: speedup >= spec.speedup,
      message: speedup >= spec.speedup
        ? `speed-up ${fmt(speedup)}x >= ${fmt(spec.speedup)}x`
        : `speed-up ${fmt(speedup)}x < ${fmt(spec.speedup)}x: is the model, and every batch, moved to the device (model.to(device), x.to(device))?`,
    },
    {
      output: 'accuracy gap', metric: 'property', value: gap, bar: spec.accuracy_gap, passed: gap <= spec.accuracy_gap,
      message: gap <= spec.accuracy_gap
        ? `accuracy gap ${fmt(gap)} <= ${fmt(spec.accuracy_gap)}`
        : `accuracy gap ${fmt(gap)} > ${fmt(spec.accuracy_gap)}: the same seeded training should reach the same accuracy on both devices`,
    },
  ];
  const failed = comparisons.filter((c) => !c.passed);
  return {
    ...base,
    status: failed.length ? 'failed' : 'passed',
    message: `${figures}; ${comparisons.map((c) => c.message).join('; ')}`,
    comparisons,
  };
}
