/**
 * The figures a bar is calibrated from, recomputed for one judged case from what the probe
 * returned: the engine's own comparison (judgeCase, so `value` is the metric the bar is held
 * against) and, beside it, the error relative to the output's scale, max|got - expected| /
 * max|expected|, which the engine does not compute. The second figure does not blow up where
 * an element of the expected output is near zero (gelu' crossing zero, a gradient whose terms
 * cancel), so it tells float32 rounding (about 1e-7) apart from a wrong formula wherever the
 * elementwise rel_error cannot.
 */
import { StudentValueError, type Values, runSteps } from '../harness/checks/expect.ts';
import { judgeCase } from '../harness/checks/judge.ts';
import type { Comparison } from '../harness/results/types.ts';
import type { CheckSpec, ComparisonSpec } from '../harness/spec/types.ts';
import type { Tensor } from '../harness/tensor/tensor.ts';

export interface OutputFigures {
  /** The comparison's label, as the engine reports it. */
  output: string;
  metric: Comparison['metric'];
  bar: number;
  /** The engine's measured error (null: shapes differ, nothing returned, or a property law). */
  value: number | null;
  passed: boolean;
  /** max|got - expected| / max|expected|, against the closest accepted answer; null where not comparable. */
  scale: number | null;
  message: string;
}

/** max|got - expected| / max|expected|; Infinity where got is not finite and expected is. */
export function scaleError(got: Tensor, expected: Tensor): number | null {
  if (got.shape.join() !== expected.shape.join()) return null;
  let diff = 0, size = 0;
  for (let i = 0; i < expected.data.length; i++) {
    const e = expected.data[i], g = got.data[i];
    size = Math.max(size, Math.abs(e));
    if (e === g) continue; // equal infinities included
    const d = Math.abs(g - e);
    diff = Number.isNaN(d) ? Infinity : Math.max(diff, d);
  }
  if (diff === 0) return 0;
  return size === 0 ? Infinity : diff / size;
}

/** The tensors one comparison spec compares, named as judgeCase names them. */
function comparedTensors(spec: ComparisonSpec, env: Values): { actual?: Tensor; expected: Tensor[] } {
  const actual = spec.actual ? env[spec.actual] : env[`got.${spec.output}`];
  const names = spec.expected === undefined ? [spec.output] : Array.isArray(spec.expected) ? spec.expected : [spec.expected];
  return { actual, expected: names.map((n) => env[n]).filter(Boolean) };
}

/** Both figures for every output one case compares; property checks get value and scale null. */
export function figuresOf(check: CheckSpec, inputs: Values, got: Values): OutputFigures[] {
  const comparisons = judgeCase(check, inputs, got);
  const values: Values = { ...inputs };
  for (const [name, t] of Object.entries(got)) values[`got.${name}`] = t;
  let env: Values | undefined;
  try {
    env = runSteps(check.expect ?? [], values);
  } catch (e) {
    if (!(e instanceof StudentValueError)) throw e;
  }
  const specs = check.kind === 'property' || check.kind === 'train' ? [] : check.compare ?? [];
  return comparisons.map((c, i) => {
    let scale: number | null = null;
    const spec = specs[i];
    if (spec && env) {
      const { actual, expected } = comparedTensors(spec, env);
      // Of the accepted answers (max-pool ties: first maximum or an equal split), the closest.
      const each = actual ? expected.map((e) => scaleError(actual, e)).filter((v): v is number => v !== null) : [];
      scale = each.length ? Math.min(...each) : null;
    }
    return { output: c.output, metric: c.metric, bar: c.bar, value: c.value, passed: c.passed, scale, message: c.message };
  });
}
