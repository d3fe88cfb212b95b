/**
 * The result cache: a result is reused exactly when nothing that could change it changed. An
 * unchanged class comes back whole from the cache (into a new output folder too); a one-byte edit
 * of one submission regrades that one only; --force regrades all; a corrupt entry is a miss,
 * never a crash; a new grader (version or source) regrades everything.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ResultStore } from '../../harness/cache/store.ts';
import { hashTree } from '../../harness/cache/hash.ts';
import { resolvePython } from '../../harness/python/environment.ts';
import type { SubmissionResult } from '../../harness/results/types.ts';
import { type BatchOptions, gradeBatch } from '../../harness/runner/batch.ts';
import { graderFingerprint } from '../../harness/runner/result-key.ts';
import { loadPack } from '../../harness/spec/load.ts';
import { expectValidResult, testIsolation } from '../helpers/grade.ts';

const root = path.resolve(import.meta.dirname, '../..');
const pack = loadPack('mlp-numpy');
const ONLY = ['fc_forward', 'softmax'];

const tmp = (prefix: string) => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  fs.chmodSync(d, 0o711); // a worker running as a user of its own passes through to its workspace
  return d;
};

function classOf(n: number): string {
  const dir = tmp('dlgrade-cache-class-');
  for (let i = 0; i < n; i++) fs.cpSync(path.join(pack.dir, 'solution'), path.join(dir, `student-${i}`), { recursive: true });
  return dir;
}

/** One batch run: what it graded, took from the cache and kept from OUT. */
async function run(subs: string, out: string, store: ResultStore, extra: Partial<BatchOptions> = {}) {
  const python = await resolvePython(pack.spec.python);
  const isolation = await testIsolation(python.executable);
  const seen = { graded: [] as string[], cached: [] as string[], kept: [] as string[] };
  const results = await gradeBatch(pack, subs, out, {
    seed: 'cache-test', python, isolation, jobs: 2, only: ONLY, cache: store, ...extra,
    onStart: (info) => {
      seen.cached = [...info.cached].sort();
      seen.kept = [...info.kept].sort();
    },
    onResult: (r) => {
      if (!r.cache?.hit) seen.graded.push(r.submission);
    },
  });
  seen.graded.sort();
  for (const r of results) expectValidResult(r);
  return { ...seen, results: new Map(results.map((r) => [r.submission, r])) };
}

const all = (n: number) => Array.from({ length: n }, (_, i) => `student-${i}`);
const withoutRun = ({ cache: _c, started_at: _s, seconds: _x, checks, ...r }: SubmissionResult) =>
  ({ ...r, checks: checks.map(({ seconds: _y, cases, ...c }) => ({ ...c, cases: cases.map(({ seconds: _z, ...k }) => k) })) });

describe('the result cache', () => {
  it('gives an unchanged class back from the cache, into a new output folder too', async () => {
    const subs = classOf(3);
    const store = new ResultStore(tmp('dlgrade-cache-'));
    const first = await run(subs, path.join(tmp('dlgrade-out-'), 'out'), store);
    expect(first.graded).toEqual(all(3));
    expect(store.stats.stores).toBe(3);

    const again = await run(subs, path.join(tmp('dlgrade-out-'), 'out'), store);
    expect(again.graded).toEqual([]);
    expect(again.cached).toEqual(all(3));
    for (const name of all(3)) {
      const a = first.results.get(name)!, b = again.results.get(name)!;
      expect(b.cache).toEqual({ key: a.cache!.key, hit: true });
      expect(withoutRun(b)).toEqual(withoutRun(a));
      expect(b.started_at).toBe(a.started_at); // when it was graded, not when it was copied
    }
  }, 120_000);

  it('regrades only the submission that changed by one byte, and all of them with force', async () => {
    const subs = classOf(3);
    const store = new ResultStore(tmp('dlgrade-cache-'));
    const out = path.join(tmp('dlgrade-out-'), 'out');
    await run(subs, out, store);

    const file = path.join(subs, 'student-1', 'lib', 'mlp', 'layer_utils.py');
    fs.appendFileSync(file, ' ');
    const edited = await run(subs, out, store);
    expect(edited.graded).toEqual(['student-1']);
    expect(edited.kept).toEqual(['student-0', 'student-2']);

    // The same edit, seen from another output folder: the cache has both versions now.
    const elsewhere = await run(subs, path.join(tmp('dlgrade-out-'), 'out'), store);
    expect(elsewhere.graded).toEqual([]);
    expect(elsewhere.cached).toEqual(all(3));

    const forced = await run(subs, out, store, { force: true });
    expect(forced.graded).toEqual(all(3));
    expect(forced.kept).toEqual([]);
    expect(forced.cached).toEqual([]);
  }, 120_000);

  it('treats a corrupt or mismatched entry as a miss: removed and regraded, never a crash', async () => {
    const subs = classOf(2);
    const dir = tmp('dlgrade-cache-');
    const store = new ResultStore(dir);
    const first = await run(subs, path.join(tmp('dlgrade-out-'), 'out'), store);
    const entry = (name: string) => {
      const key = first.results.get(name)!.cache!.key;
      return path.join(dir, 'results', 'v1', key.slice(0, 2), `${key}.json`);
    };
    fs.writeFileSync(entry('student-0'), '{"schema_version": 1, "checks": [');
    // Sound JSON, but another student's result under this key.
    fs.writeFileSync(entry('student-1'), JSON.stringify({ ...first.results.get('student-0')!, submission: 'student-0' }));

    const fresh = new ResultStore(dir);
    const again = await run(subs, path.join(tmp('dlgrade-out-'), 'out'), fresh);
    expect(again.graded).toEqual(all(2));
    expect(fresh.stats.corrupt).toBe(2);
    for (const name of all(2)) expect(JSON.parse(fs.readFileSync(entry(name), 'utf8')).submission).toBe(name);
  }, 120_000);

  it('regrades everything for a new grader version', async () => {
    const subs = classOf(2);
    const store = new ResultStore(tmp('dlgrade-cache-'));
    const out = path.join(tmp('dlgrade-out-'), 'out');
    await run(subs, out, store, { grader: graderFingerprint(root, '0.1.0-old') });
    const upgraded = await run(subs, out, store, { grader: graderFingerprint(root, '0.1.0-new') });
    expect(upgraded.graded).toEqual(all(2));
    expect(upgraded.kept).toEqual([]);
  }, 120_000);

  it("counts a change of the grader's own source as a new grader, wherever it is installed", () => {
    const copy = () => {
      const dir = tmp('dlgrade-grader-');
      for (const d of ['harness', 'reference']) fs.cpSync(path.join(root, d), path.join(dir, d), { recursive: true });
      fs.copyFileSync(path.join(root, 'package.json'), path.join(dir, 'package.json'));
      return dir;
    };
    const [a, b, edited] = [copy(), copy(), copy()];
    fs.appendFileSync(path.join(edited, 'reference', 'registry.ts'), '\n');
    expect(graderFingerprint(b, '1')).toBe(graderFingerprint(a, '1'));
    expect(graderFingerprint(a, '2')).not.toBe(graderFingerprint(a, '1'));
    expect(graderFingerprint(edited, '1')).not.toBe(graderFingerprint(a, '1'));
  });
});

describe('the cache store and hashing', () => {
  it('never fails a run: an unwritable cache warns once and stores nothing', () => {
    const file = path.join(tmp('dlgrade-cache-'), 'not-a-folder');
    fs.writeFileSync(file, 'x');
    const warnings: string[] = [];
    const store = new ResultStore(file, (m) => warnings.push(m));
    const key = 'a'.repeat(64);
    store.put('results', key, { x: 1 });
    store.put('results', key, { x: 2 });
    expect(warnings).toHaveLength(1);
    expect(store.get('results', key, (v): v is unknown => true)).toBeUndefined();
  });

  it('hashes a folder by its names and bytes, not by when or in what order it was written', () => {
    const a = tmp('dlgrade-hash-'), b = tmp('dlgrade-hash-');
    fs.mkdirSync(path.join(a, 'lib'));
    fs.writeFileSync(path.join(a, 'lib', 'x.py'), 'x = 1\n');
    fs.writeFileSync(path.join(a, 'y.py'), 'y = 2\n');
    fs.writeFileSync(path.join(b, 'y.py'), 'y = 2\n');
    fs.mkdirSync(path.join(b, 'lib'));
    fs.writeFileSync(path.join(b, 'lib', 'x.py'), 'x = 1\n');
    fs.utimesSync(path.join(b, 'y.py'), 1, 1);
    expect(hashTree(a)).toBe(hashTree(b));
    fs.writeFileSync(path.join(b, 'lib', 'x.py'), 'x = 2\n');
    expect(hashTree(a)).not.toBe(hashTree(b));
    fs.writeFileSync(path.join(b, 'lib', 'x.py'), 'x = 1\n');
    fs.renameSync(path.join(b, 'y.py'), path.join(b, 'z.py'));
    expect(hashTree(a)).not.toBe(hashTree(b));
  });
});
