import type { Tensor } from '../harness/tensor/tensor.ts';

/**
 * A reference operation: the oracle for one exercise. Inputs and outputs are named arrays
 * (scalars are 0-d arrays); names are the contract `dlgrade reference` exposes.
 */
export interface RefOp {
  name: string;
  /** One line a person reads in `dlgrade reference --list`. */
  summary: string;
  inputs: string[];
  /** Inputs that may be left out, with the value used then. */
  defaults?: Record<string, number>;
  /** Inputs that may be absent altogether (the later layers of a stack of any depth). */
  optional?: string[];
  outputs: string[];
  run(inputs: Record<string, Tensor>): Record<string, Tensor>;
}
