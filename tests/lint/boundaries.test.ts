/**
 * Each stage imports only the stages its DEPS.list names, so the data path keeps reading in one
 * direction (spec → inputs → worker → outputs → comparison → result → report).
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '../..');

function stages(): string[] {
  const found: string[] = [];
  const walk = (dir: string) => {
    if (fs.existsSync(path.join(dir, 'DEPS.list'))) found.push(path.relative(root, dir));
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) if (e.isDirectory() && e.name !== 'node_modules') walk(path.join(dir, e.name));
  };
  for (const top of ['harness', 'reference', 'reports']) walk(path.join(root, top));
  return found.sort();
}

const stageOf = (file: string, all: string[]) =>
  all.filter((s) => file === s || file.startsWith(`${s}/`)).sort((a, b) => b.length - a.length)[0];

function tsFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? tsFiles(p) : e.name.endsWith('.ts') ? [p] : [];
  });
}

describe('stage boundaries', () => {
  const all = stages();
  it('every stage declares its dependencies', () => {
    expect(all).toEqual(expect.arrayContaining(['harness/checks', 'harness/cli', 'harness/runner', 'harness/spec', 'harness/tensor', 'harness/worker', 'reference', 'reports']));
  });

  const declared = (stage: string) => new Set(fs.readFileSync(path.join(root, stage, 'DEPS.list'), 'utf8').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#')));

  it('no two stages may import each other, and reports read only the result model', () => {
    const mutual = all.flatMap((a) => [...declared(a)].filter((b) => b > a && all.includes(b) && declared(b).has(a)).map((b) => `${a} <-> ${b}`));
    expect(mutual).toEqual([]);
    expect([...declared('reports')]).toEqual(['harness/results']);
  });

  it.each(all)('%s imports only what its DEPS.list allows', (stage) => {
    const allowed = declared(stage);
    const problems: string[] = [];
    for (const file of tsFiles(path.join(root, stage))) {
      const own = stageOf(path.relative(root, file), all);
      if (own !== stage) continue; // belongs to a nested stage with its own list
      const text = fs.readFileSync(file, 'utf8');
      for (const m of text.matchAll(/^\s*(?:import|export)\s+(type\s+)?[^'"]*?from\s+['"](\.[^'"]+)['"]/gm)) {
        if (m[1]) continue; // a type-only import carries no code
        const target = path.relative(root, path.resolve(path.dirname(file), m[2]));
        const to = stageOf(target, all);
        if (to && to !== stage && !allowed.has(to)) problems.push(`${path.relative(root, file)} imports ${target} (${to})`);
      }
    }
    expect(problems).toEqual([]);
  });
});
