/** Every reference op by name: what `dlgrade reference` and the packs' `expect` steps call. */
import type { RefOp } from './op.ts';
import { type PythonOpSpec, pythonOp } from './python/ops.ts';
import { mlpOps } from './ops/mlp.ts';
import { cnnOps } from './ops/conv.ts';
import { optimizationOps } from './ops/optimization.ts';
import { derivativeOps } from './ops/derivatives.ts';
import { countingOps } from './ops/counting.ts';
import { agreementOps } from './ops/agreement.ts';
import { shapeOps } from './ops/shapes.ts';
import { trainingOps } from './ops/training.ts';
import { torchOps } from './ops/torch.ts';

export const OPS: RefOp[] = [...mlpOps, ...cnnOps, ...optimizationOps, ...derivativeOps, ...countingOps, ...agreementOps, ...shapeOps, ...trainingOps, ...torchOps];

const byName = new Map(OPS.map((op) => [op.name, op]));
if (byName.size !== OPS.length) throw new Error('two reference ops share a name');

export const findOp = (name: string): RefOp | undefined => byName.get(name);

/** The op an expect step runs: the pack's Python op where the loader resolved one, else the catalogue's. */
export const stepOp = (step: { op: string; python?: PythonOpSpec }): RefOp | undefined => (step.python ? pythonOp(step.python) : findOp(step.op));
