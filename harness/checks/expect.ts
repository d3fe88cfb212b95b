/**
 * Runs a check's `expect` steps: reference ops over the case's values. The case's values are its
 * inputs, what the student returned (as got.<name>), and each step's outputs.
 */
import { stepOp } from '../../reference/registry.ts';
import type { StepSpec } from '../spec/types.ts';
import { type Tensor, scalar } from '../tensor/tensor.ts';

export type Values = Record<string, Tensor>;

/** A reference op refused something the student returned (a theta of the wrong shape, say). */
export class StudentValueError extends Error {}

/**
 * Runs the steps in order. `precomputed[i]`, where given, stands for step i's outputs (computed
 * once for every submission: see stepsReadingOutputs), so only the other steps run here.
 */
export function runSteps(steps: StepSpec[], values: Values, precomputed?: readonly (Values | undefined)[]): Values {
  const env: Values = { ...values };
  for (const [i, step] of steps.entries()) Object.assign(env, precomputed?.[i] ?? runStep(step, env));
  return env;
}

/** One step's outputs, under the names the step gives them. */
function runStep(step: StepSpec, env: Values): Values {
  const op = stepOp(step)!;
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
  const out: Values = {};
  for (const [name, value] of Object.entries(result)) out[step.out?.[name] ?? name] = value;
  return out;
}

/**
 * Which steps read the student's outputs (`got.<name>`), directly or through an earlier step
 * that does. The others depend on the case's inputs alone, so their results are the same for
 * every submission.
 */
export function stepsReadingOutputs(steps: StepSpec[]): boolean[] {
  const missing = new Set<string>();
  return steps.map((step) => {
    const op = stepOp(step)!;
    const reads = op.inputs.some((name) => {
      const s = step.in?.[name] ?? name;
      return typeof s === 'string' && (s.startsWith('got.') || missing.has(s));
    });
    if (reads) for (const name of op.outputs) missing.add(step.out?.[name] ?? name);
    return reads;
  });
}

/** Each step's outputs where it does not read the student's outputs; undefined where it does. */
export function stepOutputsWithoutOutputs(steps: StepSpec[], values: Values): (Values | undefined)[] {
  const reading = stepsReadingOutputs(steps);
  const env: Values = { ...values };
  return steps.map((step, i) => {
    if (reading[i]) return undefined;
    const out = runStep(step, env);
    Object.assign(env, out);
    return out;
  });
}

/**
 * The steps that do not need the student's outputs (`got.<name>`, directly or through an earlier
 * step that does), run on the inputs alone: how a batch proves a spec before grading anyone.
 */
export function runStepsWithoutOutputs(steps: StepSpec[], values: Values): Values {
  const env: Values = { ...values };
  for (const out of stepOutputsWithoutOutputs(steps, values)) if (out) Object.assign(env, out);
  return env;
}
