/**
 * Runs a check's `expect` steps: reference ops over the case's values. The case's values are its
 * inputs, what the student returned (as got.<name>), and each step's outputs.
 */
import { findOp } from '../../reference/registry.ts';
import type { StepSpec } from '../spec/types.ts';
import { type Tensor, scalar } from '../tensor/tensor.ts';

export type Values = Record<string, Tensor>;

/** A reference op refused something the student returned (a theta of the wrong shape, say). */
export class StudentValueError extends Error {}

export function runSteps(steps: StepSpec[], values: Values): Values {
  const env: Values = { ...values };
  for (const step of steps) {
    const op = findOp(step.op)!;
    const args: Values = {};
    for (const name of op.inputs) {
      const source = step.in?.[name] ?? name;
      if (typeof source === 'number') args[name] = scalar(source);
      else if (env[source]) args[name] = env[source];
      else if (op.defaults && name in op.defaults) args[name] = scalar(op.defaults[name]);
      else if (op.optional?.includes(name)) continue;
      else throw new Error(`reference op ${op.name}: input "${name}" has no value (looked for "${source}")`);
    }
    let result: Values;
    try {
      result = op.run(args);
    } catch (e) {
      const fromStudent = op.inputs.some((n) => String(step.in?.[n] ?? n).startsWith('got.'));
      if (fromStudent) throw new StudentValueError((e as Error).message);
      throw e;
    }
    for (const [name, value] of Object.entries(result)) env[step.out?.[name] ?? name] = value;
  }
  return env;
}

/**
 * The steps that do not need the student's outputs (`got.<name>`, directly or through an earlier
 * step that does), run on the inputs alone: how a batch proves a spec before grading anyone.
 */
export function runStepsWithoutOutputs(steps: StepSpec[], values: Values): Values {
  const env: Values = { ...values };
  const missing = new Set<string>();
  for (const step of steps) {
    const op = findOp(step.op)!;
    const sources = op.inputs.map((name) => step.in?.[name] ?? name);
    if (sources.some((s) => typeof s === 'string' && (s.startsWith('got.') || missing.has(s)))) {
      for (const name of op.outputs) missing.add(step.out?.[name] ?? name);
      continue;
    }
    Object.assign(env, runSteps([step], env));
  }
  return env;
}
