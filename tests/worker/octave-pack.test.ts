/**
 * The optimization-matlab pack proved through the Octave driver, until the grader can start
 * Octave workers itself: the solution, the starter, each mutant and each variant are run on the
 * cases of assignment.yaml (inputs from buildInputs, hidden ones from a fixed seed), and what
 * comes back is judged by the grader's own judgeCase (reference ops, the spec's bars). The
 * solution and the variants pass everything, with a margin; the starter passes nothing; each
 * mutant fails exactly the checks it declares.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse } from 'yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { type Expectation, classFile, loadClassFile, materializeClassFile } from '../../harness/cli/sample-class.ts';
import { answerValue, readAnswers } from '../../harness/checks/answers.ts';
import type { Comparison } from '../../harness/results/types.ts';
import { buildInputs, textInputs } from '../../harness/checks/inputs.ts';
import { judgeCase } from '../../harness/checks/judge.ts';
import { REPO_ROOT } from '../../harness/spec/load.ts';
import { type Edit, deriveSubmission, loadMutants, loadVariants } from '../../harness/spec/mutants.ts';
import type { CheckSpec } from '../../harness/spec/types.ts';
import { readNpy, writeNpy } from '../../harness/tensor/npy.ts';
import type { Tensor } from '../../harness/tensor/tensor.ts';
import { OCTAVE_DRIVER_DIR, OctaveDriver, octaveCli } from '../helpers/octave-driver.ts';

const PACK = path.join(REPO_ROOT, 'assignments', 'optimization-matlab');
const spec = parse(fs.readFileSync(path.join(PACK, 'assignment.yaml'), 'utf8')) as { worker: string; checks: CheckSpec[] };
const variants = loadVariants(PACK);
const mutants = loadMutants(PACK);
const SEED = 'octave-pack-test';
const ALL = spec.checks.map((c) => c.id).sort();

interface Verdict {
  passed: boolean;
  message: string;
  comparisons: Comparison[];
}

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'dlgrade-octave-pack-'));
// Per check: the largest value/bar among correct programs, the smallest among caught mutants.
const margins: Record<string, { valid: number; caught: number }> = {};
afterAll(() => {
  fs.rmSync(scratch, { recursive: true, force: true });
  const shown = Object.entries(margins).map(([id, m]) => `${id}: worst valid ${m.valid.toExponential(1)} of its bar, best-caught mutant ${m.caught === Infinity ? '-' : `${m.caught.toExponential(1)}x`}`);
  if (shown.length) console.log(`optimization-matlab margins\n  ${shown.join('\n  ')}`);
});

function measure(v: Record<string, Verdict>, valid: boolean) {
  for (const [id, r] of Object.entries(v)) {
    const m = (margins[id] ??= { valid: 0, caught: Infinity });
    for (const k of r.comparisons) {
      if (k.value === null || !(k.bar > 0)) continue;
      if (valid && k.passed) m.valid = Math.max(m.valid, k.value / k.bar);
      if (!valid && !k.passed) m.caught = Math.min(m.caught, k.value / k.bar);
    }
  }
}
let submissions = 0;

/** Every check's verdict (all its cases) for the solution, the starter or a folder, with `edits`. */
async function grade(from: string, edits: Edit[] = [], printed?: { stdout: string }): Promise<Record<string, Verdict>> {
  const root = path.join(scratch, `s${submissions++}`);
  const layout = { submission: `${root}/submission`, inputs: `${root}/in`, outputs: `${root}/out`, grader: `${root}/grader` };
  deriveSubmission(path.resolve(PACK, from), layout.submission, edits);
  fs.cpSync(OCTAVE_DRIVER_DIR, layout.grader, { recursive: true });
  fs.cpSync(path.join(PACK, 'probes'), path.join(layout.grader, 'probes'), { recursive: true });
  const verdicts: Record<string, Verdict> = {};
  const driver = OctaveDriver.start({ ...layout, tmp: root });
  try {
    expect((await driver.next(60_000))?.type, driver.stderr).toBe('hello');
    for (const check of spec.checks) {
      const cases: Verdict[] = [];
      for (const c of check.cases) {
        const inputs = buildInputs(check, c, SEED);
        const got = check.kind === 'answer' ? answerOf(check, layout.submission) : await probe(driver, layout, check, c.name, inputs, textInputs(c));
        cases.push(typeof got === 'string' ? { passed: false, message: got, comparisons: [] } : judged(check, inputs, got));
      }
      verdicts[check.id] = {
        passed: cases.every((v) => v.passed),
        message: cases.filter((v) => !v.passed).map((v) => v.message).join(' | '),
        comparisons: cases.flatMap((v) => v.comparisons),
      };
    }
  } finally {
    await driver.close();
    if (printed) printed.stdout = driver.stdout;
  }
  return verdicts;
}

/** The probe's outputs, or the reason there are none (the driver's error, a timeout). */
async function probe(driver: OctaveDriver, layout: { inputs: string; outputs: string; grader: string }, check: CheckSpec, name: string, inputs: Record<string, Tensor>, text: Record<string, string>): Promise<Record<string, Tensor> | string> {
  const dir = path.join(layout.inputs, check.id, name);
  fs.mkdirSync(dir, { recursive: true });
  const files = Object.fromEntries(Object.entries(inputs).map(([k, t]) => {
    writeNpy(path.join(dir, `${k}.npy`), t);
    return [k, path.join(dir, `${k}.npy`)];
  }));
  const { reply } = await driver.run(path.join(layout.grader, 'probes', `${check.probe}.m`), files, path.join(layout.outputs, `${check.id}-${name}`), text, 30_000);
  if (!reply) return 'no reply within 30 s';
  if (!reply.ok) return `${reply.error!.kind}: ${reply.error!.message}`;
  return Object.fromEntries(Object.entries(reply.outputs!).map(([k, f]) => [k, readNpy(f)]));
}

function answerOf(check: CheckSpec, submission: string): Record<string, Tensor> | string {
  try {
    return { answer: answerValue(check.answer!, readAnswers(submission)[check.answer!.key]) };
  } catch (e) {
    return (e as Error).message;
  }
}

function judged(check: CheckSpec, inputs: Record<string, Tensor>, got: Record<string, Tensor>): Verdict {
  try {
    const comparisons = judgeCase(check, inputs, got);
    return { passed: comparisons.every((k) => k.passed), message: comparisons.filter((k) => !k.passed).map((k) => k.message).join('; '), comparisons };
  } catch (e) {
    return { passed: false, message: `the outputs could not be judged: ${(e as Error).message}`, comparisons: [] };
  }
}

const failing = (v: Record<string, Verdict>) => Object.keys(v).filter((id) => !v[id].passed).sort();

/** Measured values of passing comparisons that sit closer than 100x below their bar. */
const tooClose = (v: Record<string, Verdict>) => Object.entries(v).flatMap(([id, r]) =>
  r.comparisons.filter((k) => k.passed && k.value !== null && k.bar > 0 && k.value > k.bar / 100).map((k) => `${id}: ${k.message}`));

describe.skipIf(!octaveCli)('the optimization-matlab pack, through the Octave driver', () => {
  it('is an Octave pack', () => {
    expect(spec.worker).toBe('octave');
    for (const c of spec.checks) if (c.probe) expect(fs.existsSync(path.join(PACK, 'probes', `${c.probe}.m`)), c.probe).toBe(true);
  });

  it('gives the solution every check, each value at least 100x inside its bar', async () => {
    const v = await grade('solution');
    measure(v, true);
    expect(failing(v), JSON.stringify(v, null, 1)).toEqual([]);
    expect(tooClose(v)).toEqual([]);
  }, 120_000);

  it('gives the starter none, and says why in words a student reads', async () => {
    const v = await grade('starter');
    expect(failing(v)).toEqual(ALL);
    expect(v.compare_solvers.message).toMatch(/compare_solvers: not implemented/);
    expect(v.answer_ad_exact.message).toMatch(/answer "ad_exact" is not given/);
  }, 120_000);

  it.each(variants.map((m) => [m.name, m] as const))('variant %s passes what it declares, with a margin', async (_name, m) => {
    const v = await grade('solution', m.edits);
    measure(v, true);
    const missed = m.passes.filter((id) => !v[id].passed);
    expect(missed, missed.map((id) => v[id].message).join('\n')).toEqual([]);
    expect(tooClose(v)).toEqual([]);
  }, 120_000);

  it.each(mutants.map((m) => [m.name, m] as const))('mutant %s fails exactly what it declares', async (_name, m) => {
    const v = await grade('solution', m.edits);
    measure(v, false);
    expect(failing(v), JSON.stringify(Object.fromEntries(failing(v).map((id) => [id, v[id].message])), null, 1)).toEqual([...m.fails].sort());
    const said: Record<string, [string, RegExp]> = {
      'solvers-wrong-f': ['compare_solvers', /the solver minimized a wrong f/],
      'solvers-lost-square': ['compare_solvers', /f = 40 there, far from the minimum 0: the solver minimized a wrong f/],
      'fminsearch-stops-short': ['compare_solvers', /fminsearch's result .* the solver stopped short of the minimizer/],
      'grad-returns-row': ['grad_f', /shape \(1, 2\), expected \(2, 1\) \(transposed\?\)/],
      'gd-ascends': ['gradient_descent', /the iterates should diverge|path\[1, 0\]/],
      'answer-fd-smallest-h': ['answer_fd_best_h', /too small a step/],
      'answer-ad-approximate': ['answer_most_accurate', /central differences at their best step still carry/],
    };
    if (said[m.name]) expect(v[said[m.name][0]].message).toMatch(said[m.name][1]);
  }, 120_000);

  // The class file's hostile students, but the one that loops forever: that needs a runner that
  // kills and restarts the worker on a timeout (the driver tests kill one). Unsandboxed here, so
  // only the verdicts are checked, not what the sandbox stops.
  const hostile = loadClassFile(classFile('optimization-matlab')).students.filter((s) => ['tariq', 'uma', 'victor', 'wanda'].includes(s.name));
  it.each(hostile.map((s) => [s.name, s] as const))('hostile student %s of the sample class gets what the class file says', async (_name, s) => {
    const dir = materializeClassFile(classFile('optimization-matlab'), path.join(scratch, `class-${s.name}`), PACK);
    const printed = { stdout: '' };
    const v = await grade(path.join(dir, s.name), [], printed);
    const want = s.expect === 'full' ? { fail: [] } : (s.expect as Expectation);
    expect(failing(v)).toEqual([...(want.fail ?? [])].sort());
    for (const [id, pattern] of Object.entries(want.message ?? {})) expect(v[id].message).toMatch(new RegExp(pattern));
    if (want.stdout) expect(printed.stdout).toMatch(new RegExp(want.stdout));
  }, 120_000);
});
