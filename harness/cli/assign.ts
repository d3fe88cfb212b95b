/**
 * `dlgrade assign PACK --out DIR`: the two editions of a pack, as Otter's assign step and
 * nbgrader's release make them.
 *
 * DIR/student/ is what a student receives: the starter at its top, and in dlgrade-pack/ the
 * public spec (published cases only; no hidden case's definition, no written answer), the probes,
 * and each published case's inputs and expected values as .npz. `check` run with
 * `-a dlgrade-pack` judges with the grader's comparisons and messages against those expected
 * values, offline, and says what runs only at grading time. Nothing of the solution, the mutants,
 * the variants or the hidden cases is in it (tests/cli/assign.test.ts searches every file).
 *
 * DIR/autograder/ is what grading needs: the whole spec, the probes and the starter (whose
 * top-level names tell a zip's wrapping folder from the hand-in), without the solution, mutants
 * or variants.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { stringify } from 'yaml';
import { editionExpected } from '../checks/fixtures.ts';
import { stepsReadingOutputs } from '../checks/expect.ts';
import { buildInputs } from '../checks/inputs.ts';
import { loadPack } from '../spec/load.ts';
import type { AssignmentSpec, CheckSpec, EditionSpec, Pack } from '../spec/types.ts';
import { encodeNpz } from '../tensor/npz.ts';
import { type Cli, UsageError } from './options.ts';

/** The student edition's pack folder, beside the starter's files. */
export const STUDENT_PACK = 'dlgrade-pack';
/** Inside it, the published cases' arrays. */
const EXPECTED = 'expected';
/** What a pack folder holds that grading never reads and no student may see. */
const COURSE_ONLY = new Set(['solution', 'mutants', 'variants']);

export function assignCommand(program: Command, _cli: Cli) {
  program
    .command('assign')
    .description("write a pack's student edition (starter, public spec, probes, published expected values) and autograder edition")
    .argument('<pack>', "a shipped pack's name or a path to a pack")
    .requiredOption('-o, --out <dir>', 'where to write student/ and autograder/')
    .action((name: string, o: { out: string }) => {
      const pack = loadPack(name);
      const out = path.resolve(o.out);
      const student = writeStudentEdition(pack, path.join(out, 'student'));
      writeAutograderEdition(pack, path.join(out, 'autograder'));
      const later = student.at_grading ?? [];
      console.log(`${pack.spec.name}: wrote ${path.join(o.out, 'student')}/ (check it with: dlgrade check ${path.join(o.out, 'student')} -a ${path.join(o.out, 'student', STUDENT_PACK)}) and ${path.join(o.out, 'autograder')}/`);
      if (later.length) console.log(`  at grading time only (${Math.round(later.reduce((s, a) => s + a.points, 0) * 100) / 100} points): ${later.map((a) => a.check).join(', ')}`);
    });
}

/** Refuses to write into a folder that holds anything: an edition is written whole or not at all. */
function freshDir(dir: string) {
  if (fs.existsSync(dir) && fs.readdirSync(dir).length) throw new UsageError(`${dir} is not empty: give a new folder to write the edition into`);
  fs.mkdirSync(dir, { recursive: true });
}

/**
 * The spec a student receives, and what it leaves to grading. A written answer's check is left
 * out (its expected value is the answer). Of the others, only published cases stay, each with the
 * share of points it has in the whole check, so that a student's total counts what they can
 * check and no more; hidden cases are listed with their points. The reference steps that need
 * nothing the student returns are left out (their values are in the .npz files); those that read
 * the student's outputs stay, and train checks stay whole (the grader scores the returned model).
 */
export function studentSpec(pack: Pack): AssignmentSpec {
  const spec = structuredClone(pack.spec);
  const atGrading: NonNullable<EditionSpec['at_grading']> = [];
  const checks: CheckSpec[] = [];
  for (const check of spec.checks) {
    if (check.kind === 'answer') {
      atGrading.push({ check: check.id, title: check.title, points: check.points, reason: 'a written answer, judged at grading time' });
      continue;
    }
    const shares = caseShares(check);
    const published = check.cases.filter((c) => !c.hidden);
    const hidden = check.cases.filter((c) => c.hidden);
    const publishedPoints = published.reduce((s, c) => s + shares.get(c.name)!, 0);
    const hiddenPoints = check.points - publishedPoints;
    if (hidden.length) {
      atGrading.push({ check: check.id, title: check.title, points: hiddenPoints, reason: `${hidden.length} hidden case${hidden.length === 1 ? '' : 's'}, inputs drawn at grading time` });
    }
    if (!published.some((c) => !c.advisory) || publishedPoints <= 0) {
      if (!hidden.length) atGrading.push({ check: check.id, title: check.title, points: check.points, reason: 'no published case' });
      continue;
    }
    check.cases = published.map((c) => (c.advisory ? c : { ...c, points: shares.get(c.name)! }));
    check.points = publishedPoints;
    if (check.kind !== 'train' && check.expect) {
      const reading = stepsReadingOutputs(check.expect);
      const kept = check.expect.filter((_, i) => reading[i]);
      // A step on the student's outputs that the pack's Python reference computes would need
      // the instructor's code in the edition: such a check is judged at grading time only.
      if (kept.some((step) => spec.reference_ops?.[step.op])) {
        atGrading.push({ check: check.id, title: check.title, points: check.points, reason: "judged with the instructor's reference code, at grading time" });
        continue;
      }
      if (kept.length) check.expect = kept;
      else delete check.expect;
    }
    checks.push(check);
  }
  spec.checks = checks;
  delete spec.reference_ops; // the instructor's code stays with the autograder edition
  spec.edition = { kind: 'student', expected: EXPECTED, ...(atGrading.length ? { at_grading: atGrading } : {}) };
  if (spec.worker === 'octave' && !Object.keys(spec.python ?? {}).length) delete (spec as Partial<AssignmentSpec>).python;
  return spec;
}

/** Each case's points in the whole check, as verdict.ts casePoints shares them. */
function caseShares(check: CheckSpec): Map<string, number> {
  const scored = check.cases.filter((c) => !c.advisory);
  const given = scored.reduce((s, c) => s + (c.points ?? 0), 0);
  const open = scored.filter((c) => c.points === undefined).length;
  const share = open ? Math.max(0, check.points - given) / open : 0;
  return new Map(check.cases.map((c) => [c.name, c.advisory ? 0 : c.points ?? share]));
}

/** Writes DIR/student/ (see the top of this file); returns the spec's edition. */
export function writeStudentEdition(pack: Pack, dir: string, opts: { into?: boolean } = {}): EditionSpec {
  // `into`: a folder the caller has checked (init's repository), which may hold files already.
  if (opts.into) fs.mkdirSync(dir, { recursive: true });
  else freshDir(dir);
  const starter = path.join(pack.dir, 'starter');
  if (fs.existsSync(starter)) fs.cpSync(starter, dir, { recursive: true });
  const packDir = path.join(dir, STUDENT_PACK);
  // The probes whole: they run inside the student's own process anyway, and share helpers
  // (probes/_helpers.py) that no check names.
  fs.mkdirSync(packDir, { recursive: true });
  // (A pack whose checks are all call: steps has none.)
  if (fs.existsSync(path.join(pack.dir, 'probes'))) fs.cpSync(path.join(pack.dir, 'probes'), path.join(packDir, 'probes'), { recursive: true });
  const spec = studentSpec(pack);
  const header = `# ${spec.title}: the student edition, written by dlgrade assign. The checks compare with the\n# published cases' expected values in ${EXPECTED}/; hidden cases and written answers are judged at grading time.\n`;
  fs.writeFileSync(path.join(packDir, 'assignment.yaml'), header + stringify(spec, { lineWidth: 0 }));
  for (const check of spec.checks) {
    if (check.kind === 'train') continue; // a data set, not a case's arrays
    const full = pack.spec.checks.find((c) => c.id === check.id)!;
    for (const c of check.cases) {
      const at = path.join(packDir, EXPECTED, check.id);
      fs.mkdirSync(at, { recursive: true });
      fs.writeFileSync(path.join(at, `${c.name}.inputs.npz`), encodeNpz(buildInputs(full, c, 'fixtures'), { compress: true }));
      const expected = editionExpected(full, full.cases.find((k) => k.name === c.name)!);
      if (Object.keys(expected).length) fs.writeFileSync(path.join(at, `${c.name}.expected.npz`), encodeNpz(expected, { compress: true }));
    }
  }
  // The handout's questions (a markdown file beside the spec) are the student's; a README there
  // is the instructor's notes.
  for (const f of fs.readdirSync(pack.dir)) {
    if (f.endsWith('.md') && f !== 'README.md' && fs.statSync(path.join(pack.dir, f)).isFile()) fs.copyFileSync(path.join(pack.dir, f), path.join(packDir, f));
  }
  fs.writeFileSync(path.join(packDir, 'README.md'), studentReadme(spec));
  return spec.edition!;
}

function studentReadme(spec: AssignmentSpec): string {
  const later = spec.edition?.at_grading ?? [];
  return [
    `# ${spec.title}`,
    '',
    'Check your work from the folder above this one:',
    '',
    '```sh',
    `dlgrade check . -a ${STUDENT_PACK}`,
    '```',
    '',
    `The checks run your code on the published cases and compare with the expected values in \`${EXPECTED}/\``,
    '(`<check>/<case>.inputs.npz` and `.expected.npz`; `numpy.load` reads them). Your score there counts the',
    'published cases only.',
    ...(later.length ? ['', 'At grading time, also:', '', ...later.map((a) => `- ${a.title} (\`${a.check}\`): ${a.points} point${a.points === 1 ? '' : 's'}, ${a.reason}`)] : []),
    '',
  ].join('\n');
}

/** Writes DIR/autograder/: the pack as grading reads it, without what only proves the pack. */
export function writeAutograderEdition(pack: Pack, dir: string) {
  freshDir(dir);
  for (const f of fs.readdirSync(pack.dir)) {
    if (COURSE_ONLY.has(f)) continue;
    fs.cpSync(path.join(pack.dir, f), path.join(dir, f), { recursive: true });
  }
}
