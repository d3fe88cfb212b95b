/**
 * Judges one case once the student's outputs are in: runs the reference steps and applies the
 * check's comparisons or properties. Everything here happens in the grader's process.
 */
import type { CheckSpec } from '../spec/types.ts';
import type { Tensor } from '../tensor/tensor.ts';
import type { Comparison } from '../results/types.ts';
import { compareOutput } from './compare.ts';
import { StudentValueError, type Values, runSteps } from './expect.ts';
import { PROPERTIES } from './properties.ts';

/** `precomputed`: the outputs of the steps that do not read the student's (memo.ts). */
export function judgeCase(check: CheckSpec, inputs: Values, got: Values, precomputed?: readonly (Values | undefined)[]): Comparison[] {
  const values: Values = { ...inputs };
  for (const [name, t] of Object.entries(got)) values[`got.${name}`] = t;
  let env: Values;
  try {
    env = runSteps(check.expect ?? [], values, precomputed);
  } catch (e) {
    if (!(e instanceof StudentValueError)) throw e;
    return [{ output: 'returned value', metric: 'property', value: null, bar: 0, passed: false, message: `what your code returned cannot be used: ${e.message}` }];
  }

  const laws = propertiesOf(check, env);
  if (check.kind === 'property' || check.kind === 'train') return laws;

  // A compare check may state properties too: what its outputs must be that no single array
  // says (a layer sequence, say). They come first, as what was built before what it computes.
  return [...laws, ...comparisonsOf(check, env)];
}

function propertiesOf(check: CheckSpec, env: Values): Comparison[] {
  return (check.properties ?? []).map((p) => {
    const args: Record<string, Tensor | number | boolean | string> = {};
    for (const [k, v] of Object.entries(p.args ?? {})) args[k] = typeof v === 'string' && env[v] ? env[v] : v;
    const missing = Object.entries(p.args ?? {}).find(([, v]) => typeof v === 'string' && v.startsWith('got.') && !env[v]);
    const outcome = missing
      ? { passed: false, message: `${String(missing[1]).slice(4)}: nothing was returned` }
      : PROPERTIES[p.assert](args);
    const message = outcome.passed || !p.say ? outcome.message : `${outcome.message} — ${p.say}`;
    const measured = 'value' in outcome && outcome.value !== undefined ? { value: outcome.value, bar: outcome.bar ?? 0 } : { value: null, bar: 0 };
    return { output: typeof args.label === 'string' ? args.label : p.assert, metric: 'property', ...measured, passed: outcome.passed, message };
  });
}

function comparisonsOf(check: CheckSpec, env: Values): Comparison[] {
  return (check.compare ?? []).map((spec) => {
    const actual = spec.actual ? env[spec.actual] : env[`got.${spec.output}`];
    const names = spec.expected === undefined ? [spec.output] : Array.isArray(spec.expected) ? spec.expected : [spec.expected];
    const expected = names.map((n) => {
      if (!env[n]) throw new Error(`check ${check.id}: no value named "${n}" to compare ${spec.output} with`);
      return env[n];
    });
    const mistakes = (spec.mistakes ?? []).map((m) => {
      if (!env[m.expected]) throw new Error(`check ${check.id}: no value named "${m.expected}" for a known mistake`);
      return { value: env[m.expected], say: m.say };
    });
    return compareOutput(spec.output, actual, expected, spec, mistakes);
  });
}
