/**
 * The benchmark's class: N submission folders, each holding BOTH the mlp-numpy and the cnn-numpy
 * files (the cnn-numpy solution already carries the mlp lib; the mlp pack's answers.yaml is added),
 * so one folder is graded by both packs. Made from the solution, every planted mutant of both
 * packs (mutants.yaml), and the sample class's loop-written convolution (gita in
 * fixtures/class/cnn-numpy.yaml) exactly once; the solution and the mutants are cycled to reach N.
 *
 * A manifest (class.json beside the folders) says what each submission is and which checks it
 * must fail, so every grader can be held to "every mutant caught, every correct one passes".
 *
 *   npx tsx bench/class.ts --out DIR [--n 60]
 */
import fs from 'node:fs';
import path from 'node:path';
import { loadClass } from '../harness/cli/sample-class.ts';
import { loadPack, resolvePackDir } from '../harness/spec/load.ts';
import { type Edit, deriveSubmission, loadMutants } from '../harness/spec/mutants.ts';

export const PACKS = ['mlp-numpy', 'cnn-numpy'] as const;
export type PackName = (typeof PACKS)[number];

export interface BenchSubmission {
  /** Folder name under the class folder (anonymous: graders must not learn what it is). */
  name: string;
  kind: 'solution' | 'mutant' | 'loop-conv';
  /** For a mutant: its pack and name. */
  pack?: PackName;
  mutant?: string;
  description: string;
  /** Checks that must fail, by pack (a mutant may fail more: only these are required). */
  mustFail: Record<PackName, string[]>;
  /** True when every check of both packs must pass. */
  mustPassAll: boolean;
}

export interface BenchClass {
  dir: string;
  n: number;
  submissions: BenchSubmission[];
}

/** The sample class's loop-written convolution: a correct student, written with plain loops. */
export const LOOP_CONV_STUDENT = 'gita';

/** The pack's checks in which the student's code trains a model. */
export const trainingChecks = (pack: PackName): string[] => loadPack(pack).spec.checks.filter((c) => c.kind === 'train').map((c) => c.id);

export function generateClass(dir: string, n = 60): BenchClass {
  if (!Number.isInteger(n) || n < 1) throw new Error(`--n must be a positive whole number, got ${n}`);
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });

  // The combined solution every submission is derived from.
  const base = path.join(dir, '.base');
  fs.cpSync(path.join(resolvePackDir('cnn-numpy'), 'solution'), base, { recursive: true });
  fs.copyFileSync(path.join(resolvePackDir('mlp-numpy'), 'solution', 'answers.yaml'), path.join(base, 'answers.yaml'));

  const none = (): Record<PackName, string[]> => ({ 'mlp-numpy': [], 'cnn-numpy': [] });
  type Recipe = Omit<BenchSubmission, 'name'> & { edits: Edit[] };
  const cycle: Recipe[] = [{ kind: 'solution', description: 'the solution of both packs', mustFail: none(), mustPassAll: true, edits: [] }];
  for (const pack of PACKS) {
    // The benchmark compares the checks every grader has: training checks are left out (neither
    // baseline trains), and so are mutants that only a training check catches.
    const training = new Set(trainingChecks(pack));
    for (const m of loadMutants(resolvePackDir(pack))) {
      if (m.fails.every((id) => training.has(id))) continue;
      cycle.push({ kind: 'mutant', pack, mutant: m.name, description: m.description, mustFail: { ...none(), [pack]: m.fails }, mustPassAll: false, edits: m.edits });
    }
  }
  const loop = loadClass('cnn-numpy').find((s) => s.name === LOOP_CONV_STUDENT);
  if (!loop?.edits?.length) throw new Error(`fixtures/class/cnn-numpy.yaml: no student ${LOOP_CONV_STUDENT} with edits (the loop-written convolution)`);
  const loopRecipe: Recipe = {
    kind: 'loop-conv', description: 'correct, ConvLayer2D forward and backward written with plain Python loops',
    mustFail: none(), mustPassAll: true, edits: loop.edits,
  };

  // One loop-written convolution, in the middle of the class; the rest cycles solution, mutants.
  const recipes: Recipe[] = [];
  const loopAt = Math.floor((n - 1) / 2);
  for (let i = 0, k = 0; i < n; i++) recipes.push(i === loopAt ? loopRecipe : cycle[k++ % cycle.length]);

  const width = String(n).length;
  const submissions = recipes.map((r, i) => {
    const name = `s${String(i + 1).padStart(Math.max(3, width), '0')}`;
    deriveSubmission(base, path.join(dir, name), r.edits);
    const { edits: _edits, ...rest } = r;
    return { name, ...rest };
  });
  fs.rmSync(base, { recursive: true, force: true });
  const cls: BenchClass = { dir, n, submissions };
  fs.writeFileSync(path.join(path.dirname(dir), 'class.json'), JSON.stringify(cls, null, 2));
  return cls;
}

if (import.meta.url === `file://${process.argv[1]}` || process.argv[1]?.endsWith('bench/class.ts')) {
  const arg = (name: string) => {
    const i = process.argv.indexOf(name);
    return i > 0 ? process.argv[i + 1] : undefined;
  };
  const out = arg('--out');
  if (!out) {
    console.error('usage: npx tsx bench/class.ts --out DIR [--n 60]');
    process.exit(2);
  }
  const cls = generateClass(path.resolve(out), Number(arg('--n') ?? 60));
  const counts = cls.submissions.reduce<Record<string, number>>((acc, s) => ({ ...acc, [s.kind]: (acc[s.kind] ?? 0) + 1 }), {});
  console.log(`${cls.n} submissions in ${cls.dir} (${Object.entries(counts).map(([k, v]) => `${v} ${k}`).join(', ')}); manifest ${path.join(path.dirname(cls.dir), 'class.json')}`);
}
