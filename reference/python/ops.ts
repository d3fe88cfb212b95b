/**
 * A pack's Python reference ops: `reference_ops:` in assignment.yaml names functions of the
 * pack's reference/ folder (the instructor's solution code) with the call syntax of probes,
 *
 *   reference_ops:
 *     svm_loss: "layers.svm_loss(x, y) -> loss, dx"
 *
 * and an `expect` step then names `svm_loss` exactly like a TypeScript op of the catalogue, with
 * the same `in:`/`out:` renames and the same memoization (checks/memo.ts). The op runs in the
 * grader's own Python process (worker.ts), never in the student's.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { RefOp } from '../op.ts';
import { referenceProcess } from './worker.ts';

/** What the spec loader resolves a `reference_ops` entry to; plain data, so a cached pack keeps it. */
export interface PythonOpSpec {
  name: string;
  /** The call as written in the spec. */
  call: string;
  /** The pack's reference/ folder, put first on the process's sys.path. */
  folder: string;
  module: string;
  /** The function (or Class.method) within the module. */
  func: string;
  /** Positional inputs, in order, then keyword inputs (kwarg name → input name). */
  args: string[];
  kwargs: Record<string, string>;
  /** Names for the returned values, in order ("_" for one left out). */
  returns: string[];
  /** Interpreters to try, in order (the pack's python.interpreters). */
  interpreters: string[];
}

/** The interpreter a pack's reference ops run with: $DLGRADE_REFERENCE_PYTHON, else the pack's first that exists. */
export function referencePython(interpreters: readonly string[]): string {
  if (process.env.DLGRADE_REFERENCE_PYTHON) return process.env.DLGRADE_REFERENCE_PYTHON;
  for (const p of interpreters) {
    if (path.isAbsolute(p)) {
      if (fs.existsSync(p)) return p;
      continue;
    }
    for (const dir of (process.env.PATH ?? '').split(path.delimiter)) if (dir && fs.existsSync(path.join(dir, p))) return path.join(dir, p);
  }
  return 'python3';
}

const built = new Map<string, RefOp>();

/** The RefOp of a Python reference op: its run() calls the function in the grader's Python process. */
export function pythonOp(spec: PythonOpSpec): RefOp {
  const key = JSON.stringify(spec);
  let op = built.get(key);
  if (!op) {
    const inputs = [...new Set([...spec.args, ...Object.values(spec.kwargs)])];
    op = {
      name: spec.name,
      summary: `Python: ${spec.call} (reference/${spec.module.replace(/\./g, '/')}.py)`,
      inputs,
      // A keyword input left out takes the Python function's default.
      optional: Object.values(spec.kwargs).filter((a) => !spec.args.includes(a)),
      outputs: spec.returns.filter((r) => r !== '_'),
      run: (values) => referenceProcess(referencePython(spec.interpreters), spec.folder).call(
        spec.module, spec.func,
        spec.args.map((a) => values[a]),
        Object.fromEntries(Object.entries(spec.kwargs).filter(([, a]) => values[a]).map(([k, a]) => [k, values[a]])),
        spec.returns,
      ),
    };
    built.set(key, op);
  }
  return op;
}
