/**
 * Planted bugs (mutants/mutants.yaml), correct alternatives (variants/variants.yaml) and the other
 * derived submissions the tests and the demo use: the solution or the starter with textual edits
 * applied. One mechanism for all.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';

export interface Edit {
  file: string;
  find?: string;
  replace?: string;
  /** Replace the whole file instead (for a new or wholly broken file). */
  content?: string;
}

export interface Mutant {
  name: string;
  description: string;
  fails: string[];
  edits: Edit[];
}

export function loadMutants(packDir: string): Mutant[] {
  const file = path.join(packDir, 'mutants', 'mutants.yaml');
  if (!fs.existsSync(file)) return [];
  const doc = parse(fs.readFileSync(file, 'utf8')) as { mutants?: Mutant[] };
  return doc?.mutants ?? [];
}

/** A correct alternative to the solution: the solution with edits, passing every check in `passes`. */
export interface Variant {
  name: string;
  description: string;
  passes: string[];
  edits: Edit[];
}

export function loadVariants(packDir: string): Variant[] {
  const file = path.join(packDir, 'variants', 'variants.yaml');
  if (!fs.existsSync(file)) return [];
  const doc = parse(fs.readFileSync(file, 'utf8')) as { variants?: Variant[] };
  return doc?.variants ?? [];
}

/** Copies `from` to `to` and applies the edits; an edit whose text is not found is an error. */
export function deriveSubmission(from: string, to: string, edits: Edit[]) {
  fs.rmSync(to, { recursive: true, force: true });
  fs.cpSync(from, to, { recursive: true });
  for (const e of edits) {
    const file = path.join(to, e.file);
    if (e.content !== undefined) {
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, e.content);
      continue;
    }
    const text = fs.readFileSync(file, 'utf8');
    const count = text.split(e.find!).length - 1;
    if (count !== 1) throw new Error(`${e.file}: the text to replace occurs ${count} times (must be once): ${JSON.stringify(e.find!.slice(0, 60))}`);
    fs.writeFileSync(file, text.replace(e.find!, () => e.replace ?? ''));
  }
}
