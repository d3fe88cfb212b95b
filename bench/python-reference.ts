/**
 * `npx tsx bench/python-reference.ts [--calls 200]`: what a pack's Python reference op costs,
 * with the grader's one long-lived process (reference/python/worker.ts) against a process started
 * for each call (what a reference without reuse would cost), on cs231n-layers' published cases
 * (svm_loss, batchnorm_train, conv_forward_nchw), beside a TypeScript op (fc_forward) for scale.
 * Prints calls per second for each.
 */
import path from 'node:path';
import { buildInputs } from '../harness/checks/inputs.ts';
import { loadPack } from '../harness/spec/load.ts';
import { findOp } from '../reference/registry.ts';
import { pythonOp, referencePython } from '../reference/python/ops.ts';
import { ReferenceProcess, closeReferenceProcesses } from '../reference/python/worker.ts';

const argv = process.argv.slice(2);
const CALLS = Number(argv[argv.indexOf('--calls') + 1] || 200);
const pack = loadPack('cs231n-layers');
const caseOf = (check: string) => {
  const c = pack.spec.checks.find((k) => k.id === check)!;
  return buildInputs(c, c.cases[0], 'bench');
};
const work = [
  { op: 'svm_loss', values: caseOf('svm_loss') },
  { op: 'batchnorm_train', values: caseOf('batchnorm_forward_train') },
  { op: 'conv_forward_nchw', values: caseOf('conv_forward_naive') },
];
const rate = (n: number, ms: number) => `${(n / (ms / 1000)).toFixed(1)} calls/s (${(ms / n).toFixed(2)} ms each)`;

for (const { op, values } of work) {
  const spec = pack.pythonOps![op];
  const ref = pythonOp(spec);
  ref.run(values); // the process starts here, once
  let t = performance.now();
  for (let i = 0; i < CALLS; i++) ref.run(values);
  const reused = performance.now() - t;
  const fresh = Math.max(5, Math.round(CALLS / 20));
  const python = referencePython(spec.interpreters);
  t = performance.now();
  for (let i = 0; i < fresh; i++) {
    const p = new ReferenceProcess(python, path.join(pack.dir, 'reference'));
    p.call(spec.module, spec.func, spec.args.map((a) => values[a]), {}, spec.returns);
    p.close();
  }
  const started = performance.now() - t;
  console.log(`${op.padEnd(18)} reused: ${rate(CALLS, reused)}; a process per call: ${rate(fresh, started)}; ${(started / fresh / (reused / CALLS)).toFixed(0)}x`);
}
const fc = findOp('fc_forward')!;
const x = caseOf('affine_forward');
let t = performance.now();
for (let i = 0; i < CALLS; i++) fc.run(x);
console.log(`${'fc_forward (TS)'.padEnd(18)} ${rate(CALLS, performance.now() - t)}`);
closeReferenceProcesses();
