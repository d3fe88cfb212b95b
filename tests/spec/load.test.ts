/** A broken spec is refused with the file, the place inside it and what is wrong. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PACKS_DIR, SpecError, listPacks, loadPack } from '../../harness/spec/load.ts';

function packWith(yaml: string, probes: string[] = ['p']): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dlgrade-spec-'));
  fs.mkdirSync(path.join(dir, 'probes'));
  for (const p of probes) fs.writeFileSync(path.join(dir, 'probes', `${p}.py`), 'def run(inputs):\n    return {}\n');
  fs.writeFileSync(path.join(dir, 'assignment.yaml'), yaml);
  return dir;
}

const base = (check: string) => `name: t
title: T
python: { requires: { numpy: "*" } }
checks:
${check}`;

const good = `  - id: c1
    title: C1
    kind: compare
    points: 1
    probe: p
    cases: [{ name: a, inputs: { x: { randn: [2, 3] } } }]
    expect: [{ op: softmax }]
    compare: [{ output: out, rel_error: 1.0e-8 }]
`;

function refusal(yaml: string, probes?: string[]): SpecError {
  try {
    loadPack(packWith(yaml, probes));
  } catch (e) {
    expect(e).toBeInstanceOf(SpecError);
    return e as SpecError;
  }
  throw new Error('the spec was accepted');
}

describe('assignment spec loading', () => {
  it('accepts every shipped pack', () => {
    expect(listPacks().length).toBeGreaterThan(0);
    for (const p of listPacks()) expect(loadPack(p).spec.name).toBe(p);
  });

  it('loads an Octave pack: its probes are function files, and it names no Python', () => {
    const pack = loadPack('optimization-matlab');
    expect(pack.spec.worker).toBe('octave');
    expect(Object.values(pack.probes).every((p) => p.endsWith('.m'))).toBe(true);
    expect(pack.spec.python).toEqual({});
  });

  it('accepts a minimal pack and fills in default limits', () => {
    const pack = loadPack(packWith(base(good)));
    expect(pack.limits.check_seconds).toBeGreaterThan(0);
    expect(Object.keys(pack.probes)).toEqual(['p']);
  });

  it('names an unknown field with its place and line', () => {
    const e = refusal(base(good.replace('points: 1', 'points: 1\n    pionts: 2')));
    expect(e.message).toMatch(/assignment\.yaml: checks\[0\] \(c1\)\.pionts/);
    expect(e.message).toMatch(/line 9\b/);
    expect(e.problem).toBe('unknown field "pionts"');
  });

  it('names a wrong kind with the allowed values', () => {
    const e = refusal(base(good.replace('kind: compare', 'kind: comparison')));
    expect(e.message).toMatch(/checks\[0\] \(c1\)\.kind/);
    expect(e.problem).toMatch(/must be one of "compare", "gradient"/);
  });

  it('refuses an unknown reference op, naming the list command', () => {
    const e = refusal(base(good.replace('op: softmax', 'op: softmaxx')));
    expect(e.problem).toMatch(/unknown reference op "softmaxx".*dlgrade reference --list/);
  });

  it('refuses an op input the op does not have', () => {
    const e = refusal(base(good.replace('{ op: softmax }', '{ op: softmax, in: { y: x } }')));
    expect(e.problem).toMatch(/op softmax has no input "y" \(inputs: x\)/);
  });

  it('refuses a missing probe file', () => {
    const e = refusal(base(good), ['other']);
    expect(e.problem).toMatch(/probe file probes\/p\.py does not exist/);
  });

  it('refuses duplicate check ids', () => {
    const e = refusal(base(good + good));
    expect(e.problem).toMatch(/check id "c1" is used twice/);
  });

  it('refuses broken YAML with its line', () => {
    const e = refusal(base(good).replace('title: T', 'title: [T'));
    expect(e.message).toMatch(/line \d+/);
    expect(e.problem).toMatch(/not valid YAML/);
  });

  it('refuses a comparison with two metrics', () => {
    const e = refusal(base(good.replace('rel_error: 1.0e-8', 'rel_error: 1.0e-8, abs_error: 1')));
    expect(e.problem).toMatch(/exactly one of rel_error/);
  });

  it('refuses an unknown pack name, listing the shipped ones', () => {
    expect(() => loadPack('no-such-pack')).toThrow(/no such assignment pack \(shipped packs: .*mlp-numpy/);
    expect(fs.existsSync(PACKS_DIR)).toBe(true);
  });
});

describe('train checks in a spec', () => {
  const train = (extra = '', inputs = '{ lr: 0.1 }') => `  - id: t1
    title: T1
    kind: train
    points: 1
    probe: p
    train: { data: fashion-mnist, examples: 100, epochs: 1, seconds: 5${extra} }
    cases: [{ name: a, inputs: ${inputs} }]
    properties: [{ assert: accuracy_at_least, args: { predictions: got.predictions, labels: test_labels, bar: 0.5 } }]
`;
  it('accepts one with its budget', () => {
    expect(loadPack(packWith(base(train()))).spec.checks[0].train).toMatchObject({ examples: 100, seconds: 5 });
  });
  it('refuses one without a budget, or with an unknown data set or layout', () => {
    expect(refusal(base(train().replace('    train: { data: fashion-mnist, examples: 100, epochs: 1, seconds: 5 }\n', ''))).problem).toBe('missing required field "train"');
    expect(refusal(base(train().replace('fashion-mnist', 'cifar-100'))).problem).toMatch(/must be one of "fashion-mnist"/);
    expect(refusal(base(train(', layout: nchw'))).problem).toMatch(/must be one of "flat", "hw", "nhwc", "nhwc32x3"/);
  });
  it('refuses case inputs that would shadow the data set\'s values, and a budget on another kind', () => {
    const e = refusal(base(train('', '{ test_labels: [1, 2] }')));
    expect(e.message).toMatch(/checks\[0\] \(t1\)\.cases\[0\] \(a\)\.inputs\.test_labels/);
    expect(e.problem).toMatch(/"test_labels" is supplied by the data set in a train check/);
    expect(refusal(base(good.replace('    probe: p\n', '    probe: p\n    train: { data: fashion-mnist, examples: 1, epochs: 1, seconds: 1 }\n'))).problem).toMatch(/only train checks have a training budget/);
  });
});

describe('forbid (the library policy)', () => {
  it('accepts modules and functions at the top and per check, and joins them per check', async () => {
    const { forbiddenIn } = await import('../../harness/spec/load.ts');
    const pack = loadPack(packWith(base(good.replace('    points: 1\n', '    points: 1\n    forbid: [scipy.signal]\n')).replace('checks:\n', 'forbid: [torch, scipy.special.softmax]\nchecks:\n')));
    expect(forbiddenIn(pack.spec, pack.spec.checks[0])).toEqual(['torch', 'scipy.special.softmax', 'scipy.signal']);
  });

  it('refuses a name that is not a dotted Python name', () => {
    const e = refusal(base(good).replace('checks:\n', 'forbid: ["torch..nn"]\nchecks:\n'));
    expect(e.message).toMatch(/forbid/);
  });

  it('refuses a forbid list in an Octave pack, where no guard enforces it', () => {
    const e = refusal(`name: t\ntitle: T\nworker: octave\nforbid: [fminunc]\nchecks:\n${good}`);
    expect(e.message).toMatch(/forbid is enforced by the Python worker only/);
  });

  it('ships the numpy packs forbidding frameworks, and nothing the course allows', () => {
    for (const p of ['mlp-numpy', 'cnn-numpy', 'mnist-mlp-numpy']) expect(loadPack(p).spec.forbid, p).toEqual(expect.arrayContaining(['torch', 'tensorflow', 'jax', 'autograd']));
    expect(loadPack('cnn-numpy').spec.forbid).toContain('scipy.signal');
    expect(loadPack('mlp-numpy').spec.forbid).toContain('scipy.special.softmax');
    // grad_f may use autodiff and the curve fit scipy.optimize.fsolve (EXERCISES.md); torch is the torch pack's subject.
    for (const p of ['optimization', 'relu-fit-notebook', 'torch-training']) expect(loadPack(p).spec.forbid, p).toBeUndefined();
  });
});
