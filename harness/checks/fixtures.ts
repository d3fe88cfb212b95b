/**
 * The published cases' inputs and expected outputs as .npz files (fixtures/<pack>/), for students
 * and instructors to load with numpy. They are regenerated from the reference by
 * `dlgrade fixtures`; grading never reads them (it computes the same values itself). A student
 * edition (`dlgrade assign`) carries its own set, which its checks are judged against instead of
 * the reference: editionExpected and publishedExpected.
 */
import fs from 'node:fs';
import path from 'node:path';
import { findOp } from '../../reference/registry.ts';
import type { CaseSpec, CheckSpec, Pack } from '../spec/types.ts';
import { decodeNpz, encodeNpz } from '../tensor/npz.ts';
import { type Values, runStepsWithoutOutputs, stepsReadingOutputs } from './expect.ts';
import { buildInputs } from './inputs.ts';

/** The files of one pack's fixtures: relative path → bytes. */
export function packFixtures(pack: Pack): Map<string, Uint8Array> {
  const files = new Map<string, Uint8Array>();
  for (const check of pack.spec.checks) {
    // A train check's data is a data set, not a case's arrays: it has no fixtures.
    if (check.kind === 'answer' || check.kind === 'train') continue;
    for (const c of check.cases) {
      if (c.hidden) continue;
      const inputs = buildInputs(check, c, 'fixtures');
      // Deflated, as np.savez_compressed writes them: a pack's weights can run to megabytes.
      files.set(`${check.id}/${c.name}.inputs.npz`, encodeNpz(inputs, { compress: true }));
      const expected = expectedWithoutStudent(check, inputs);
      if (Object.keys(expected).length) files.set(`${check.id}/${c.name}.expected.npz`, encodeNpz(expected, { compress: true }));
    }
  }
  return files;
}

/**
 * The expected values a check compares with (known mistakes' included) that need nothing the
 * student returns; intermediate values of the steps are left out.
 */
function expectedWithoutStudent(check: CheckSpec, inputs: Values, also: Iterable<string> = []): Values {
  const env = runStepsWithoutOutputs(check.expect ?? [], inputs);
  const used = new Set<string>(also);
  for (const c of check.compare ?? []) {
    for (const e of c.expected === undefined ? [c.output] : [c.expected].flat()) used.add(e);
    for (const m of c.mistakes ?? []) used.add(m.expected);
  }
  for (const p of check.properties ?? []) for (const v of Object.values(p.args ?? {})) if (typeof v === 'string') used.add(v);
  return Object.fromEntries(Object.entries(env).filter(([name, v]) => used.has(name) && v !== inputs[name]));
}

/** Writes the fixtures under dir (replacing the pack's folder), or lists what differs when check is set. */
export function syncFixtures(pack: Pack, dir: string, check: boolean): string[] {
  const files = packFixtures(pack);
  const differ: string[] = [];
  for (const [rel, bytes] of files) {
    const p = path.join(dir, rel);
    const same = fs.existsSync(p) && Buffer.compare(fs.readFileSync(p), Buffer.from(bytes)) === 0;
    if (!same) differ.push(rel);
  }
  if (!check) {
    fs.rmSync(dir, { recursive: true, force: true });
    for (const [rel, bytes] of files) {
      fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
      fs.writeFileSync(path.join(dir, rel), bytes);
    }
  }
  return differ;
}

/**
 * The expected values a student edition judges one published case with: those fixtures hold,
 * and the values the steps kept in the edition (those reading the student's outputs, such as a
 * difference of the returned weights) take from the steps left out.
 */
export function editionExpected(check: CheckSpec, c: CaseSpec): Values {
  const steps = check.expect ?? [];
  const reading = stepsReadingOutputs(steps);
  // An op's input reads the value of its own name unless the step maps it to another.
  const readByKept = steps.filter((_, i) => reading[i]).flatMap((s) => (findOp(s.op)?.inputs ?? []).map((n) => s.in?.[n] ?? n).filter((v): v is string => typeof v === 'string'));
  return expectedWithoutStudent(check, buildInputs(check, c, 'fixtures'), readByKept);
}

/** A student edition's expected values of one case (see Pack.expectedDir); none when it has none. */
export function publishedExpected(dir: string, check: CheckSpec, c: CaseSpec): Values {
  const file = path.join(dir, check.id, `${c.name}.expected.npz`);
  return fs.existsSync(file) ? decodeNpz(fs.readFileSync(file), file) : {};
}
