/**
 * Device parity: the same training on two devices, timed by the grader after an untimed warm-up,
 * accuracies scored by the grader. Tested without a GPU: the protocol with a test pack whose
 * "devices" are pauses, and the torch pack's own check on two CPU device strings.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parityCase } from '../../harness/checks/parity.ts';
import { describeIsolation, usesCuda } from '../../harness/runner/limits.ts';
import { givenRunner } from '../../harness/python/tags.ts';
import { REPO_ROOT, loadPack } from '../../harness/spec/load.ts';
import { grade } from '../helpers/grade.ts';
import { packVariant as copyPack } from '../helpers/pack-variant.ts';

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'dlgrade-parity-'));
const PROTOCOL = path.join(REPO_ROOT, 'tests', 'fixtures', 'packs', 'parity-protocol');
const TORCH = path.join(REPO_ROOT, 'assignments', 'torch-training');

const packVariant = (from: string, name: string, edits: [string, string][]) => copyPack(from, path.join(scratch, name), edits);

describe('the parity protocol', () => {
  it('times only the training request, after the warm-up, and hands the device over as a str', async () => {
    const r = await grade(PROTOCOL, path.join(PROTOCOL, 'solution'));
    const c = r.checks[0];
    expect(c.status, c.message).toBe('passed');
    expect(c.cases.map((k) => k.name)).toEqual(['fast', 'slow', 'parity']);
    const parity = c.cases[2];
    const speedup = parity.comparisons.find((k) => k.output === 'speed-up')!;
    // 1.0 s against 0.1 s of pause: had the 1.5 s warm-up been counted it would be under 2.
    expect(speedup.value).toBeGreaterThan(3);
    expect(speedup.bar).toBe(3);
    expect(parity.comparisons.find((k) => k.output === 'accuracy gap')!.value).toBe(0);
    expect(parity.message).toMatch(/^fast: 0\.1\d* s, accuracy 0\.1; slow: 1\.0\d* s, accuracy 0\.1; speed-up/);
    // The cases themselves took the warm-up too: the grader's case time, not the timed one.
    expect(c.cases[0].seconds).toBeGreaterThan(1.5);
  });

  it('fails a speed-up under the bar, saying what to look at', async () => {
    const dir = packVariant(PROTOCOL, 'slow-gpu', [['speedup: 3,', 'speedup: 50,']]);
    const c = (await grade(dir, path.join(PROTOCOL, 'solution'))).checks[0];
    expect(c.status).toBe('failed');
    expect(c.message).toMatch(/case parity: fast: .* speed-up \d+(\.\d+)?x < 50x: is the model, and every batch, moved to the device/);
  });

  it('compares nothing when a device case did not pass', () => {
    const ok = { hidden: false, comparisons: [], seconds: 1, message: '' };
    const spec = { fast: 'cuda', slow: 'cpu', speedup: 2, accuracy_gap: 0.01 };
    const skipped = parityCase(spec, [{ ...ok, name: 'cuda', status: 'error', message: 'CUDA out of memory' }, { ...ok, name: 'cpu', status: 'passed', timed: 10, accuracy: 0.8 }]);
    expect(skipped.status).toBe('skipped');
    expect(skipped.message).toBe('devices not compared: case cuda did not pass');
    const gap = parityCase(spec, [{ ...ok, name: 'cuda', status: 'passed', timed: 1, accuracy: 0.7 }, { ...ok, name: 'cpu', status: 'passed', timed: 10, accuracy: 0.8 }]);
    expect(gap.status).toBe('failed');
    expect(gap.message).toMatch(/speed-up 10x >= 2x; accuracy gap 0\.1 > 0\.01: the same seeded training should reach the same accuracy/);
  });

  it('refuses a spec whose parity names a case it does not have', () => {
    const dir = packVariant(PROTOCOL, 'bad-spec', [['fast: fast,', 'fast: gpu,']]);
    expect(() => loadPack(dir)).toThrow(/parity\.fast.*no case named "gpu" \(cases: fast, slow\)/s);
  });
});

describe('torch-training device_parity, on two CPU device strings', () => {
  // The GPU check itself, with "cpu" standing in for "cuda": the same seed on the same device
  // gives the same accuracy, and a speed-up near 1.
  const cpuTwice = (speedup: string) => packVariant(TORCH, `cpu-twice-${speedup}`, [
    ['    requires: [gpu]\n', ''],
    ['      - name: cuda\n        inputs: { device: cuda,', '      - name: cpu-a\n        inputs: { device: cpu,'],
    ['      - name: cpu\n        inputs: { device: cpu,', '      - name: cpu-b\n        inputs: { device: cpu,'],
    ['parity: { fast: cuda, slow: cpu, speedup: 2,', `parity: { fast: cpu-a, slow: cpu-b, speedup: ${speedup},`],
    // Two epochs of half the images: the handout's cnn_3 reaches about 0.58 at lr 0.05 (one epoch: 0.19).
    ['      examples: 6000\n      epochs: 3\n', '      examples: 3000\n      epochs: 2\n'],
    ['bar: 0.5, solution: 0.69', 'bar: 0.2'],
  ]);

  it('passes the solution with an accuracy gap of 0 and records both runs', async () => {
    const r = await grade(cpuTwice('0.5'), path.join(TORCH, 'solution'), { only: ['device_parity'] });
    const c = r.checks[0];
    expect(c.status, c.message).toBe('passed');
    const parity = c.cases.find((k) => k.name === 'parity')!;
    expect(parity.comparisons.find((k) => k.output === 'accuracy gap')!.value).toBe(0);
    const speedup = parity.comparisons.find((k) => k.output === 'speed-up')!.value!;
    expect(speedup).toBeGreaterThan(0.5);
    expect(speedup).toBeLessThan(2);
    expect(parity.message).toMatch(/^cpu-a: [\d.]+ s, accuracy 0\.\d+; cpu-b: [\d.]+ s, accuracy 0\.\d+;/);
    expect(c.curves?.map((k) => k.name)).toEqual(['training loss (per epoch) (cpu-a)', 'training loss (per epoch) (cpu-b)']);
    expect(r.environment.runner.torch).toBeNull(); // the default runner of tests: given, not detected
    expect(r.environment.modules.torch).toMatch(/^\d+\.\d+/);
  });

  it('fails it when the first device must be 100 times faster', async () => {
    const c = (await grade(cpuTwice('100'), path.join(TORCH, 'solution'), { only: ['device_parity'] })).checks[0];
    expect(c.status).toBe('failed');
    expect(c.cases.find((k) => k.name === 'parity')!.comparisons.find((k) => k.output === 'speed-up')!.passed).toBe(false);
  });
});

describe('workers that may use CUDA', () => {
  it('run without an address-space limit, which a CUDA context cannot start under, and say so', () => {
    const checks = loadPack(TORCH).spec.checks;
    expect(usesCuda(checks, givenRunner('cpu,gpu,cuda'))).toBe(true);
    expect(usesCuda(checks, givenRunner('cpu'))).toBe(false);
    expect(usesCuda(checks.filter((c) => !c.requires), givenRunner('cpu,gpu,cuda'))).toBe(false);
    const pack = loadPack(TORCH);
    const iso = { kind: 'none', description: 'none' } as Parameters<typeof describeIsolation>[0];
    expect(describeIsolation(iso, { ...pack.limits, memory_bytes: 0 })).toMatch(/memory not limited \(CUDA\)/);
    expect(describeIsolation(iso, pack.limits)).toMatch(/memory 4 GiB/);
  });
});
