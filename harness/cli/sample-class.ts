/**
 * The bundled sample class of a pack (fixtures/class/<pack>.yaml): students described as the
 * pack's solution or starter, a planted mutant, or edits of their own, written out as folders.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { type Edit, deriveSubmission, loadMutants } from '../spec/mutants.ts';
import { REPO_ROOT, resolvePackDir } from '../spec/load.ts';

export interface SampleStudent {
  name: string;
  /** What they should get, for the tests: full marks, zero, or the checks that must fail. */
  expect: 'full' | 'zero' | { fail: string[] };
  from: 'solution' | 'starter';
  mutant?: string;
  edits?: Edit[];
}

export const classFile = (pack: string) => path.join(REPO_ROOT, 'fixtures', 'class', `${pack}.yaml`);

export function loadClass(pack: string): SampleStudent[] {
  const file = classFile(pack);
  if (!fs.existsSync(file)) return [];
  return (parse(fs.readFileSync(file, 'utf8')) as { students: SampleStudent[] }).students;
}

/** Writes the class into `dir` (replacing what was there); undefined when the pack has none. */
export function materializeClass(pack: string, dir: string): string | undefined {
  const students = loadClass(pack);
  if (!students.length) return undefined;
  const packDir = resolvePackDir(pack);
  const mutants = new Map(loadMutants(packDir).map((m) => [m.name, m]));
  fs.rmSync(dir, { recursive: true, force: true });
  for (const s of students) {
    const edits = [...(s.mutant ? mutantEdits(mutants, s.mutant) : []), ...(s.edits ?? [])];
    deriveSubmission(path.join(packDir, s.from), path.join(dir, s.name), edits);
  }
  return dir;
}

function mutantEdits(mutants: Map<string, { edits: Edit[] }>, name: string): Edit[] {
  const m = mutants.get(name);
  if (!m) throw new Error(`sample class: no mutant named ${name}`);
  return m.edits;
}
