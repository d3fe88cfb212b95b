/**
 * One source for the solution and the starter: the solution's `### BEGIN SOLUTION` and
 * `### END SOLUTION` lines (the nbgrader and Otter convention; `%%% BEGIN SOLUTION` in a .m file)
 * enclose what the starter leaves out. `dlgrade pack starter` writes the starter from them, and
 * `pack test` proves the starter in the pack is what they give.
 */
import fs from 'node:fs';
import path from 'node:path';

const BEGIN = /^(\s*)(?:#+|%+)\s*BEGIN SOLUTION\s*$/;
const END = /^\s*(?:#+|%+)\s*END SOLUTION\s*$/;

export class MarkerError extends Error {}

/** What a student gets in place of each marked region. */
const PLACEHOLDER: Record<string, string> = { '.py': 'pass  # YOUR CODE HERE', '.m': '% YOUR CODE HERE' };

/** The starter text of one solution file; undefined when it has no markers. */
export function starterText(text: string, file: string): string | undefined {
  const lines = text.split('\n');
  if (!lines.some((l) => BEGIN.test(l) || END.test(l))) return undefined;
  const placeholder = PLACEHOLDER[path.extname(file)] ?? '# YOUR CODE HERE';
  const out: string[] = [];
  let open: number | undefined;
  lines.forEach((line, i) => {
    const begin = BEGIN.exec(line);
    if (begin) {
      if (open !== undefined) throw new MarkerError(`${file}:${i + 1}: BEGIN SOLUTION inside the region opened at line ${open + 1}`);
      open = i;
      out.push(`${begin[1]}${placeholder}`);
    } else if (END.test(line)) {
      if (open === undefined) throw new MarkerError(`${file}:${i + 1}: END SOLUTION without a BEGIN SOLUTION`);
      open = undefined;
    } else if (open === undefined) out.push(line);
  });
  if (open !== undefined) throw new MarkerError(`${file}:${open + 1}: BEGIN SOLUTION is never closed`);
  return out.join('\n');
}

/** Every marked file of a pack's solution/, by its path relative to it, with its starter text. */
export function starterFromSolution(packDir: string): Map<string, string> {
  const found = new Map<string, string>();
  const root = path.join(packDir, 'solution');
  const walk = (dir: string) => {
    if (!fs.existsSync(dir)) return;
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory() && e.name !== '__pycache__') walk(p);
      else if (e.isFile() && /\.(py|m)$/.test(e.name)) {
        const rel = path.relative(root, p);
        const text = starterText(fs.readFileSync(p, 'utf8'), `solution/${rel}`);
        if (text !== undefined) found.set(rel, text);
      }
    }
  };
  walk(root);
  return found;
}

/** The starter files that are not what the solution's markers give (missing ones included). */
export function starterDrift(packDir: string): string[] {
  const drift: string[] = [];
  for (const [rel, text] of starterFromSolution(packDir)) {
    const file = path.join(packDir, 'starter', rel);
    if (!fs.existsSync(file) || fs.readFileSync(file, 'utf8') !== text) drift.push(`starter/${rel}`);
  }
  return drift;
}
