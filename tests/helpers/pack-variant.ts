/** Copies of a pack with textual edits to its assignment.yaml, for tests that change a budget or a bar. */
import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'vitest';

/** Copies `from` to `dir` and applies the edits; each `find` must occur exactly once. */
export function packVariant(from: string, dir: string, edits: [string, string][]): string {
  fs.cpSync(from, dir, { recursive: true });
  const file = path.join(dir, 'assignment.yaml');
  let text = fs.readFileSync(file, 'utf8');
  for (const [find, replace] of edits) {
    expect(text.split(find).length - 1, find).toBe(1);
    text = text.replace(find, replace);
  }
  fs.writeFileSync(file, text);
  return dir;
}
