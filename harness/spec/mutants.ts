/**
 * Planted bugs (mutants/mutants.yaml), valid variants (variants/variants.yaml) and the other
 * derived submissions the tests and the demo use: the solution or the starter with textual edits
 * applied. One mechanism for all of them.
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
  /** Patterns (regular expressions) the named checks' messages must match. */
  message?: Record<string, string>;
  edits: Edit[];
}

/**
 * A correct alternative to the solution (float32 intermediates, a permitted approximation, loops,
 * another valid order of operations): it must score full marks on every check in `passes`. A
 * check in `advisory` grades behaviour the course never asked for (ties in max-pool backward):
 * there the variant may get an advisory note, never lose points.
 */
export interface Variant {
  name: string;
  description: string;
  passes: string[];
  advisory?: string[];
  edits: Edit[];
}

export function loadMutants(packDir: string): Mutant[] {
  return listIn<Mutant>(packDir, 'mutants', 'mutants');
}

export function loadVariants(packDir: string): Variant[] {
  return listIn<Variant>(packDir, 'variants', 'variants');
}

/** The list under `key` in <pack>/<folder>/<folder>.yaml; none when the file does not exist. */
function listIn<T>(packDir: string, folder: string, key: string): T[] {
  const file = path.join(packDir, folder, `${folder}.yaml`);
  if (!fs.existsSync(file)) return [];
  const doc = parse(fs.readFileSync(file, 'utf8')) as Record<string, T[] | undefined> | null;
  return doc?.[key] ?? [];
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
