/**
 * Python reference ops (a pack's reference_ops, reference/python/): a Python op and the
 * TypeScript op of the same name agree on every case of the shipped packs that use them, one
 * long-lived process of the grader's answers every call, and an op that raises says where.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runStepsWithoutOutputs } from '../../harness/checks/expect.ts';
import { buildInputs } from '../../harness/checks/inputs.ts';
import { loadPack } from '../../harness/spec/load.ts';
import type { StepSpec } from '../../harness/spec/types.ts';
import type { PythonOpSpec } from '../../reference/python/ops.ts';
import { closeReferenceProcesses, referenceProcess } from '../../reference/python/worker.ts';
import { referencePython } from '../../reference/python/ops.ts';

const FIXTURE = path.resolve(import.meta.dirname, '../fixtures/packs/python-reference');

afterAll(() => closeReferenceProcesses());

describe('Python reference ops', () => {
  const python = loadPack(FIXTURE).pythonOps!;

  it('the loader resolves reference_ops into the steps that name them', () => {
    const steps = loadPack(FIXTURE).spec.checks[0].expect!;
    expect(steps.every((s) => s.python?.name === s.op)).toBe(true);
    expect(python.fc_backward).toMatchObject({ module: 'ops', func: 'fc_backward', args: ['x', 'w', 'b', 'dout'], returns: ['dx', 'dw', 'db'] });
    expect(python.cross_entropy_forward.kwargs).toEqual({ size_average: 'size_average' });
  });

  it.each(['mlp-numpy', 'cnn-numpy'])('agree with the TypeScript ops of the same name on every case of %s', (name) => {
    const pack = loadPack(name);
    let replaced = 0;
    let compared = 0;
    for (const check of pack.spec.checks) {
      if (!check.expect?.length || check.kind === 'train' || check.kind === 'answer') continue;
      const inPython: StepSpec[] = check.expect.map((s) => (python[s.op] ? { ...s, python: python[s.op] as PythonOpSpec } : s));
      const n = inPython.filter((s) => s.python).length;
      if (!n) continue;
      replaced += n;
      for (const c of check.cases) {
        for (const seed of c.hidden ? ['1', '2'] : ['published']) {
          const inputs = buildInputs(check, c, seed);
          const ts = runStepsWithoutOutputs(check.expect, inputs);
          const py = runStepsWithoutOutputs(inPython, inputs);
          expect(Object.keys(py).sort(), `${check.id}/${c.name}`).toEqual(Object.keys(ts).sort());
          for (const [k, t] of Object.entries(ts)) {
            const p = py[k];
            expect(p.shape, `${check.id}/${c.name}: ${k}`).toEqual(t.shape);
            // Against the output's scale: two libms' tanh and exp, and GELU's 0.5(1 + tanh)
            // cancelling at large negative x, leave 1e-9 to 1e-8 relative in the smallest
            // elements whoever computes them.
            let scaled = 0;
            const scale = Math.max(1e-300, ...t.data.map(Math.abs));
            for (let i = 0; i < t.data.length; i++) scaled = Math.max(scaled, Math.abs(t.data[i] - p.data[i]) / scale);
            expect(scaled, `${check.id}/${c.name}: ${k}`).toBeLessThan(1e-12);
            compared++;
          }
        }
      }
    }
    expect(replaced).toBeGreaterThanOrEqual(name === 'mlp-numpy' ? 30 : 4);
    expect(compared).toBeGreaterThan(50);
  }, 120_000);

  it('one process answers every call of a run', () => {
    const proc = referenceProcess(referencePython(['python3']), path.join(FIXTURE, 'reference'));
    const before = proc.calls;
    const pack = loadPack(FIXTURE);
    const check = pack.spec.checks[0];
    for (const seed of ['a', 'b', 'c']) runStepsWithoutOutputs(check.expect!, buildInputs(check, check.cases[0], seed));
    expect(referenceProcess(referencePython(['python3']), path.join(FIXTURE, 'reference'))).toBe(proc);
    expect(proc.calls - before).toBe(3 * check.expect!.length);
  }, 60_000);

  it('an op that raises names the op and the instructor\'s line; the next call starts a fresh process if it died', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dlgrade-pyref-'));
    fs.writeFileSync(path.join(dir, 'bad.py'), 'import os\ndef boom(x):\n    raise ValueError("no good")\ndef die(x):\n    os._exit(3)\n');
    const proc = referenceProcess(referencePython(['python3']), dir);
    const x = { dtype: 'float64' as const, shape: [2], data: Float64Array.of(1, 2) };
    expect(() => proc.call('bad', 'boom', [x], {}, ['y'])).toThrow(/bad\.boom: ValueError: no good[\s\S]*bad\.py", line 3/);
    expect(() => proc.call('bad', 'die', [x], {}, ['y'])).toThrow(/exited \(code 3\)/);
    const fresh = referenceProcess(referencePython(['python3']), dir);
    expect(fresh).not.toBe(proc);
    expect(() => fresh.call('bad', 'boom', [x], {}, ['y'])).toThrow(/no good/);
    fs.rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  it('refuses a reference op whose module is not in reference/, or whose call is not one', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dlgrade-pyref-'));
    fs.cpSync(FIXTURE, dir, { recursive: true });
    const yaml = path.join(dir, 'assignment.yaml');
    const text = fs.readFileSync(yaml, 'utf8');
    fs.writeFileSync(yaml, text.replace('"ops.relu_forward(x) -> out"', '"nowhere.relu_forward(x) -> out"'));
    expect(() => loadPack(dir)).toThrow(/reference_ops\.relu_forward.*reference\/nowhere\.py does not exist/);
    fs.writeFileSync(yaml, text.replace('"ops.relu_forward(x) -> out"', '"ops.relu_forward(x, 2) -> out"'));
    expect(() => loadPack(dir)).toThrow(/arguments are the names of case values/);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
