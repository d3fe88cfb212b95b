/**
 * The demo's sample class, graded in one batch: every student gets what the class file says
 * they deserve, a student who loops forever costs one check's time limit and nothing else, and a
 * result file exists and a gradebook row is made for each.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { creditedLimit } from '../../harness/worker/cpu-wait.ts';
import { expectationProblems, loadClass, materializeClass } from '../../harness/cli/sample-class.ts';
import { resolveInterpreter } from '../../harness/python/environment.ts';
import { gradeBatch } from '../../harness/runner/batch.ts';
import { checkSeconds } from '../../harness/runner/limits.ts';
import { listPacks, loadPack } from '../../harness/spec/load.ts';
import { expectValidResult, testIsolation } from '../helpers/grade.ts';
import { gradebookCsv } from '../../reports/gradebook.ts';

const packs = listPacks().filter((p) => loadClass(p).length);

describe.each(packs)('sample class of %s', (name) => {
  // A class with a training check trains once per student (cnn-numpy: about 15 s each, and its
  // loop-written student runs into the 60 s budget): more than the default 120 s on two cores.
  it('grades every student as the class file says', async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'dlgrade-class-'));
    const classDir = materializeClass(name, path.join(root, 'class'))!;
    const pack = loadPack(name);
    const python = await resolveInterpreter(pack.spec);
    const out = path.join(root, 'results');
    const results = await gradeBatch(pack, classDir, out, { seed: 'class-test', python, isolation: await testIsolation(python.executable, undefined, pack.spec.worker), jobs: 2 });
    const students = loadClass(name);
    expect(results.map((r) => r.submission).sort()).toEqual(students.map((s) => s.name).sort());
    for (const s of students) {
      const r = results.find((x) => x.submission === s.name)!;
      expectValidResult(r);
      expect(JSON.parse(fs.readFileSync(path.join(out, s.name, 'result.json'), 'utf8')).score).toBe(r.score);
      const all = r.checks.map((c) => c.id).sort();
      expect(expectationProblems(s, r), s.name).toEqual([]);
      // Nothing hangs: a timed-out check costs its limit and a little more.
      // (A busy machine stretches a limit by the CPU waits, to at most MAX_WALL_FACTOR: worker/cpu-wait.ts.)
      for (const c of r.checks) expect(c.seconds, `${s.name}/${c.id}`).toBeLessThan(creditedLimit(checkSeconds(pack.limits, pack.spec.checks.find((k) => k.id === c.id)!), Infinity) + 2);
      expect(all.length).toBe(pack.spec.checks.length);
    }
    const csv = gradebookCsv(results).trim().split('\n');
    expect(csv).toHaveLength(students.length + 1);
    expect(csv[0].split(',')).toEqual(['submission', ...pack.spec.checks.map((c) => c.id), 'score', 'max_score', 'pending', 'advisories', 'errors']);
  }, 300_000);
});
