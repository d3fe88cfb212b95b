/**
 * A case's inputs and the reference's results on them depend on the check, the case and (for a
 * hidden case) the seed, never on the student: a batch computes them once and every submission
 * reuses them. Steps that read the student's outputs are not here; they run per submission.
 * Nothing in here may be modified by its users: the same objects serve every submission.
 */
import type { CaseSpec, CheckSpec } from '../spec/types.ts';
import { encodeNpy } from '../tensor/npy.ts';
import { type Values, stepOutputsWithoutOutputs } from './expect.ts';
import { buildInputs } from './inputs.ts';

export interface CaseValues {
  readonly inputs: Values;
  /** Each step's outputs where the step does not read the student's (see runSteps). */
  steps(): readonly (Values | undefined)[];
  /** An input as the bytes of a .npy file. */
  npy(name: string): Uint8Array;
}

/** Keyed by the spec object itself: a pack loaded again (changed, in a test) starts afresh. */
const memo = new WeakMap<CheckSpec, Map<string, CaseValues>>();
/** Cases kept per check: many seeds in one process (tests) must not grow it without end. */
const MAX_PER_CHECK = 64;

export function caseValues(check: CheckSpec, c: CaseSpec, seed: string): CaseValues {
  let byCase = memo.get(check);
  if (!byCase) memo.set(check, (byCase = new Map()));
  const key = c.hidden ? `${c.name}\0${seed}` : c.name;
  let found = byCase.get(key);
  if (!found) {
    if (byCase.size >= MAX_PER_CHECK) byCase.clear();
    found = build(check, c, seed);
    byCase.set(key, found);
  }
  return found;
}

function build(check: CheckSpec, c: CaseSpec, seed: string): CaseValues {
  const inputs = buildInputs(check, c, seed);
  let steps: (Values | undefined)[] | undefined;
  const npy = new Map<string, Uint8Array>();
  return {
    inputs,
    steps: () => (steps ??= stepOutputsWithoutOutputs(check.expect ?? [], inputs)),
    npy: (name) => {
      let bytes = npy.get(name);
      if (!bytes) npy.set(name, (bytes = encodeNpy(inputs[name], name)));
      return bytes;
    },
  };
}
