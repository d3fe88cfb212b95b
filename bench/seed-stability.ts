/**
 * `npx tsx bench/seed-stability.ts [--seeds 5] [--jobs 2] [PACK ...]`: the sample class of each
 * pack (default mlp-numpy and cnn-numpy) graded under several seeds, in the sandbox, training
 * checks left out (they use no hidden inputs). Prints, per pack, every student whose verdict on a
 * check (status or points) changed with the seed and every student who missed the class file's verdict, then the
 * figures; exits 1 if there was any. The test suite grades each class under one seed.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expectationProblems, loadClass, materializeClass } from '../harness/cli/sample-class.ts';
import { resolveInterpreter } from '../harness/python/environment.ts';
import { gradeBatch } from '../harness/runner/batch.ts';
import { loadPack } from '../harness/spec/load.ts';
import { findBubblewrap, resolveIsolation } from '../harness/worker/sandbox.ts';

const argv = process.argv.slice(2);
const opt = (name: string, fallback: string) => {
  const i = argv.indexOf(name);
  if (i < 0) return fallback;
  const [v] = argv.splice(i, 2).slice(1);
  return v;
};
const SEEDS = Array.from({ length: Number(opt('--seeds', '5')) }, (_, i) => `stability-${i + 1}`);
const JOBS = Number(opt('--jobs', '2'));
const PACKS = argv.length ? argv : ['mlp-numpy', 'cnn-numpy'];

let trouble = 0;
for (const name of PACKS) {
  const pack = loadPack(name);
  const students = loadClass(name);
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'dlgrade-stability-'));
  const classDir = materializeClass(name, path.join(root, 'class'))!;
  const python = await resolveInterpreter(pack.spec);
  const isolation = await resolveIsolation({ sandbox: !!(await findBubblewrap()), python: python.executable, language: pack.spec.worker });
  const training = pack.spec.checks.filter((c) => c.kind === 'train').map((c) => c.id);
  const verdicts = new Map<string, string[]>(); // student/check -> status under each seed
  const started = Date.now();
  for (const seed of SEEDS) {
    const results = await gradeBatch(pack, classDir, path.join(root, seed), { seed, python, isolation, jobs: JOBS, skip: training });
    for (const s of students) {
      const r = results.find((x) => x.submission === s.name)!;
      // The class file's verdict, training checks aside (they were not graded, nor was what a
      // student prints while training, which some class files hold them to).
      const problems = expectationProblems(s, r).filter((p) => !training.some((id) => p.includes(id)) && !(training.length && /^std(out|err) should/.test(p)));
      for (const p of problems) console.log(`${name} · ${s.name} · seed ${seed}: ${p}`);
      trouble += problems.length;
      for (const c of r.checks) verdicts.set(`${s.name}/${c.id}`, [...(verdicts.get(`${s.name}/${c.id}`) ?? []), `${c.status} ${c.score}`]);
    }
  }
  const changed = [...verdicts].filter(([, v]) => new Set(v).size > 1);
  for (const [key, v] of changed) console.log(`${name} · ${key}: the verdict changed with the seed: ${v.join(' | ')}`);
  trouble += changed.length;
  console.log(`${name}: ${students.length} students × ${verdicts.size / students.length} checks × ${SEEDS.length} seeds (${isolation.kind}), ${changed.length} verdicts changed with the seed, ${((Date.now() - started) / 1000).toFixed(0)} s`);
  fs.rmSync(root, { recursive: true, force: true });
}
process.exitCode = trouble ? 1 : 0;
