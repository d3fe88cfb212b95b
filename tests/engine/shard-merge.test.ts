/**
 * Grading across machines: a class sharded three ways and merged gives the gradebook of one run;
 * a check needing a gpu is skipped with its reason on a CPU runner, keeps its points pending, and
 * counts once, as graded, when a gpu-tagged run of the same class is merged in.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { materializeClass } from '../../harness/cli/sample-class.ts';
import { mergeResults, parseShard, shardOf } from '../../harness/runner/merge.ts';

const root = path.resolve(import.meta.dirname, '../..');
const cli = (...args: string[]) => execa('node', [path.join(root, 'bin/dlgrade.mjs'), ...args], { reject: false, cwd: root });
const only = ['--only', 'softmax', '--only', 'fc_forward', '--only', 'answer_*'];

describe('shards', () => {
  it('split a class deterministically, disjointly and completely', () => {
    const names = Array.from({ length: 10 }, (_, i) => `s${i}`);
    const parts = [1, 2, 3].map((i) => shardOf(names, { index: i, count: 3 }));
    expect(parts.flat().sort()).toEqual([...names].sort());
    expect(new Set(parts.flat()).size).toBe(names.length);
    expect(shardOf([...names].reverse(), { index: 2, count: 3 })).toEqual(parts[1]);
    expect(() => parseShard('4/3')).toThrow(/1 <= I <= N/);
    expect(() => parseShard('x')).toThrow(/I\/N/);
  });

  it('graded three ways and merged give the gradebook of one run', async () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'dlgrade-shard-'));
    const cls = materializeClass('mlp-numpy', path.join(tmp, 'class'))!;
    const one = await cli('grade', cls, '-a', 'mlp-numpy', '-o', path.join(tmp, 'one'), '--seed', 's', ...only);
    expect(one.exitCode, one.stderr).toBe(0);
    for (const i of [1, 2, 3]) {
      const r = await cli('grade', cls, '-a', 'mlp-numpy', '-o', path.join(tmp, `shard${i}`), '--seed', 's', '--shard', `${i}/3`, ...only);
      expect(r.exitCode, r.stderr).toBe(0);
    }
    const merged = await cli('merge', path.join(tmp, 'shard1'), path.join(tmp, 'shard2'), path.join(tmp, 'shard3'), '-o', path.join(tmp, 'merged'));
    expect(merged.exitCode, merged.stderr).toBe(0);
    expect(fs.readFileSync(path.join(tmp, 'merged', 'gradebook.csv'), 'utf8')).toBe(fs.readFileSync(path.join(tmp, 'one', 'gradebook.csv'), 'utf8'));
  });
});

describe('runner tags', () => {
  it('skip a gpu check on a CPU runner with the reason, and merge it in from a gpu runner', async () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'dlgrade-tags-'));
    const pack = path.join(tmp, 'pack');
    fs.cpSync(path.join(root, 'assignments/mlp-numpy'), pack, { recursive: true });
    const spec = path.join(pack, 'assignment.yaml');
    fs.writeFileSync(spec, fs.readFileSync(spec, 'utf8').replace('  - id: softmax\n', '  - id: softmax\n    requires: [gpu]\n'));
    const subs = path.join(tmp, 'subs');
    fs.cpSync(path.join(pack, 'solution'), path.join(subs, 'ada'), { recursive: true });

    const cpu = await cli('grade', subs, '-a', pack, '-o', path.join(tmp, 'cpu'), '--seed', 's', '--tags', 'cpu', ...only);
    expect(cpu.exitCode, cpu.stderr).toBe(0);
    const r = JSON.parse(fs.readFileSync(path.join(tmp, 'cpu', 'ada', 'result.json'), 'utf8'));
    const softmax = r.checks.find((c: { id: string }) => c.id === 'softmax');
    expect(softmax.status).toBe('skipped');
    expect(softmax.message).toMatch(/needs a runner tagged gpu; this runner has cpu/);
    expect(r.pending_score).toBe(softmax.max_score);
    expect(r.score).toBe(r.max_score - softmax.max_score);
    expect(fs.readFileSync(path.join(tmp, 'cpu', 'gradebook.csv'), 'utf8')).toMatch(/^ada,\d+,skipped,/m);

    const gpu = await cli('grade', subs, '-a', pack, '-o', path.join(tmp, 'gpu'), '--seed', 's', '--tags', 'cpu,gpu', '--only', 'softmax');
    expect(gpu.exitCode, gpu.stderr).toBe(0);
    const m = await cli('merge', path.join(tmp, 'cpu'), path.join(tmp, 'gpu'), '-o', path.join(tmp, 'merged'));
    expect(m.exitCode, m.stderr).toBe(0);
    const merged = JSON.parse(fs.readFileSync(path.join(tmp, 'merged', 'ada', 'result.json'), 'utf8'));
    expect(merged.checks.filter((c: { id: string }) => c.id === 'softmax')).toHaveLength(1);
    expect(merged.checks.find((c: { id: string }) => c.id === 'softmax').status).toBe('passed');
    expect(merged.pending_score).toBe(0);
    expect(merged.score).toBe(merged.max_score);
  });

  it('refuse to merge results of different assignments', () => {
    const a = { submission: 'x', assignment: 'p1', checks: [] } as never;
    const b = { submission: 'x', assignment: 'p2', checks: [] } as never;
    expect(() => mergeResults([[a], [b]])).toThrow(/different assignments/);
  });
});
