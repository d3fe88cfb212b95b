/**
 * `dlgrade assign`: the student edition holds nothing of the solution, the mutants, the variants
 * or the hidden cases (every file searched, for every shipped pack), and `check` run from it,
 * with the network off, judges against its published expected values: the solution full marks,
 * the starter zero, and a changed expected value changes the verdict.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { STUDENT_PACK, writeAutograderEdition, writeStudentEdition } from '../../harness/cli/assign.ts';
import { listPacks, loadPack } from '../../harness/spec/load.ts';
import { loadMutants, loadVariants } from '../../harness/spec/mutants.ts';
import type { AssignmentSpec, Pack } from '../../harness/spec/types.ts';
import { readNpz, writeNpz } from '../../harness/tensor/npz.ts';
import type { SubmissionResult } from '../../harness/results/types.ts';

const root = path.resolve(import.meta.dirname, '../..');
const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'dlgrade-assign-'));

function files(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true, recursive: true }).filter((e) => e.isFile()).map((e) => path.join(e.parentPath, e.name));
}

const norm = (line: string) => line.trim().replace(/\s+/g, ' ');
const linesOf = (text: string) => text.split(/\r?\n/).map(norm).filter(Boolean);
/** A notebook's code, line by line as in a .py file (its JSON escapes them). */
function textOf(file: string): string {
  const raw = fs.readFileSync(file, 'latin1');
  if (!file.endsWith('.ipynb')) return raw;
  try {
    return (JSON.parse(fs.readFileSync(file, 'utf8')).cells as { source: string | string[] }[]).map((c) => [c.source].flat().join('')).join('\n');
  } catch {
    return raw;
  }
}

/** Lines a check on leaks cannot tell apart from ordinary code ("return out", "pass"). */
const DISTINCTIVE = 16;

/**
 * The bodies of the functions of Python files: each def's indented block, comment and blank
 * lines left out, as one whitespace-collapsed string.
 */
function functionBodies(text: string): { name: string; body: string }[] {
  const lines = text.split(/\r?\n/);
  const out: { name: string; body: string }[] = [];
  lines.forEach((line, i) => {
    const m = /^(\s*)def\s+(\w+)/.exec(line);
    if (!m) return;
    const indent = m[1].length;
    const body: string[] = [];
    for (let j = i + 1; j < lines.length; j++) {
      const l = lines[j];
      if (l.trim() && l.length - l.trimStart().length <= indent) break;
      if (l.trim() && !l.trim().startsWith('#')) body.push(norm(l));
    }
    out.push({ name: m[2], body: body.join(' ') });
  });
  return out;
}

/** What of the pack's solution, mutants and variants the files under `dir` contain. */
function leaks(pack: Pack, dir: string): { solution: string[]; edits: string[] } {
  const texts = files(dir).map((f) => ({ file: path.relative(dir, f), text: textOf(f) }))
    .map((t) => ({ ...t, lines: new Set(linesOf(t.text)), collapsed: t.text.replace(/\s+/g, ' ') }));
  // What a student may see anyway: the starter and the probes, as the pack has them.
  const allowed = new Set([...files(path.join(pack.dir, 'starter')), ...files(path.join(pack.dir, 'probes'))].flatMap((f) => linesOf(textOf(f))));
  const linesFound = (source: string) => {
    const found: string[] = [];
    for (const line of linesOf(source)) {
      if (line.length < DISTINCTIVE || allowed.has(line) || line.startsWith('#')) continue;
      for (const t of texts) if (t.lines.has(line)) found.push(`${t.file}: ${line}`);
    }
    return found;
  };
  const solution: string[] = [];
  const starterBodies = new Set(files(path.join(pack.dir, 'starter')).flatMap((f) => functionBodies(textOf(f)).map((b) => b.body)));
  for (const f of files(path.join(pack.dir, 'solution'))) {
    const text = textOf(f);
    for (const { name: fn, body } of functionBodies(text)) {
      if (body.length < DISTINCTIVE || starterBodies.has(body)) continue; // given in the starter as it is
      for (const t of texts) if (t.collapsed.includes(body)) solution.push(`${t.file}: the body of ${fn}`);
    }
    solution.push(...linesFound(text));
  }
  const edits: string[] = [];
  for (const m of [...loadMutants(pack.dir), ...loadVariants(pack.dir)]) {
    for (const e of m.edits) {
      for (const text of [e.replace, e.content]) {
        if (!text) continue;
        const whole = text.replace(/\s+/g, ' ').trim();
        if (whole.length >= DISTINCTIVE && ![...allowed].some((l) => l.includes(whole))) {
          for (const t of texts) if (t.collapsed.includes(whole)) edits.push(`${t.file}: ${m.name}'s edit`);
        }
        edits.push(...linesFound(text).map((l) => `${m.name}: ${l}`));
      }
    }
  }
  return { solution, edits };
}

describe.each(listPacks())('the student edition of %s', (name) => {
  const pack = loadPack(name);
  const out = tmp();
  writeStudentEdition(pack, path.join(out, 'student'));
  writeAutograderEdition(pack, path.join(out, 'autograder'));
  const student = files(path.join(out, 'student'));
  const found = leaks(pack, path.join(out, 'student'));

  it('holds the starter and the public pack, and no solution, mutant or variant file', () => {
    const rel = student.map((f) => path.relative(path.join(out, 'student'), f));
    for (const f of files(path.join(pack.dir, 'starter'))) expect(rel).toContain(path.relative(path.join(pack.dir, 'starter'), f));
    expect(rel).toContain(`${STUDENT_PACK}/assignment.yaml`);
    expect(rel.filter((f) => /(^|\/)(solution|mutants|variants)(\/|$)|\.(ts|js|mjs)$/.test(f))).toEqual([]);
  });

  it('contains the body of no solution function, and no line found only in the solution', () => {
    expect(found.solution).toEqual([]);
  });

  it("contains no mutant's and no variant's edit", () => {
    expect(found.edits).toEqual([]);
  });

  it('defines no hidden case and no written answer, and lists them as judged at grading time', () => {
    const spec = parse(fs.readFileSync(path.join(out, 'student', STUDENT_PACK, 'assignment.yaml'), 'utf8')) as AssignmentSpec;
    const later = new Set((spec.edition?.at_grading ?? []).map((a) => a.check));
    for (const full of pack.spec.checks) {
      const kept = spec.checks.find((c) => c.id === full.id);
      expect(kept?.cases.some((c) => c.hidden) ?? false).toBe(false);
      for (const c of full.cases.filter((k) => k.hidden)) expect(kept?.cases.map((k) => k.name) ?? []).not.toContain(c.name);
      if (full.kind === 'answer') expect(kept).toBeUndefined();
      if (full.kind === 'answer' || full.cases.some((c) => c.hidden)) expect(later.has(full.id), full.id).toBe(true);
    }
    // Points are kept whole: what the student can check plus what waits for grading.
    const total = (checks: { points: number }[]) => checks.reduce((s, c) => s + c.points, 0);
    expect(total(spec.checks) + total(spec.edition?.at_grading ?? [])).toBeCloseTo(total(pack.spec.checks), 6);
    // It loads as a pack, and reads its expected values from the edition.
    expect(loadPack(path.join(out, 'student', STUDENT_PACK)).expectedDir).toBe(path.join(out, 'student', STUDENT_PACK, 'expected'));
  });

  it('leaves the solution, mutants and variants out of the autograder edition, and keeps the spec whole', () => {
    const rel = files(path.join(out, 'autograder')).map((f) => path.relative(path.join(out, 'autograder'), f));
    expect(rel.filter((f) => /^(solution|mutants|variants)\//.test(f))).toEqual([]);
    // The same spec, up to where it was loaded from (Python reference ops resolve their folder).
    const edition = loadPack(path.join(out, 'autograder'));
    const relative = (p: typeof pack) => JSON.parse(JSON.stringify(p.spec).replaceAll(JSON.stringify(p.dir).slice(1, -1), '<pack>'));
    expect(relative(edition)).toEqual(relative(pack));
  });
});

describe('the search for leaks', () => {
  it('finds a solution file, a mutant and a variant planted in an edition', () => {
    const pack = loadPack('mlp-numpy');
    const dir = path.join(tmp(), 'student');
    writeStudentEdition(pack, dir);
    fs.copyFileSync(path.join(pack.dir, 'solution/lib/mlp/layer_utils.py'), path.join(dir, 'notes.py'));
    const [m, v] = [loadMutants(pack.dir)[0], loadVariants(pack.dir)[0]];
    fs.writeFileSync(path.join(dir, 'more.txt'), [m, v].map((x) => x.edits[0].replace ?? x.edits[0].content).join('\n'));
    const found = leaks(pack, dir);
    expect(found.solution.some((l) => l.startsWith('notes.py: the body of'))).toBe(true);
    expect(found.edits.some((l) => l.includes(m.name))).toBe(true);
    expect(found.edits.some((l) => l.includes(v.name))).toBe(true);
  });
});

describe('check from the student edition of mlp-numpy, network off', () => {
  const out = tmp();
  const cli = (...args: string[]) => execa('unshare', ['-n', 'node', path.join(root, 'bin/dlgrade.mjs'), ...args], { reject: false, cwd: root, env: { ...process.env, NO_COLOR: '1' } });
  const handIn = (what: 'starter' | 'solution') => {
    const dir = path.join(out, what);
    fs.cpSync(path.join(out, 'edition', 'student'), dir, { recursive: true });
    if (what === 'solution') fs.cpSync(path.join(root, 'assignments/mlp-numpy/solution'), dir, { recursive: true });
    return dir;
  };
  const run = async (dir: string, ...extra: string[]) => {
    const json = path.join(out, `${path.basename(dir)}-${extra.length}.json`);
    const r = await cli('check', dir, '-a', path.join(dir, STUDENT_PACK), '--json', json, ...extra);
    return { r, result: fs.existsSync(json) ? (JSON.parse(fs.readFileSync(json, 'utf8')) as SubmissionResult) : undefined };
  };

  it('writes both editions with the CLI', async () => {
    const r = await cli('assign', 'mlp-numpy', '-o', path.join(out, 'edition'));
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toContain('at grading time only');
  });

  it('gives the solution full marks on the published cases, and says what runs at grading time', async () => {
    const { r, result } = await run(handIn('solution'));
    expect(r.exitCode, r.stdout + r.stderr).toBe(0);
    expect(result!.score).toBeCloseTo(result!.max_score, 5);
    expect(result!.checks.flatMap((c) => c.cases).some((k) => k.hidden)).toBe(false);
    expect(r.stdout).toMatch(/hidden cases of \d+ checks, .*answer_l2_lambda.* run at grading time/);
  });

  it('gives the starter 0', async () => {
    const { r, result } = await run(handIn('starter'));
    expect(r.exitCode).toBe(1);
    expect(result!.score).toBe(0);
    expect(result!.checks.every((c) => c.status !== 'passed')).toBe(true);
  });

  it("judges an optimizer's new weights, named as its inputs are, against the edition's values (torch-training)", async () => {
    const r = await cli('assign', 'torch-training', '-o', path.join(out, 'torch'));
    expect(r.exitCode, r.stderr).toBe(0);
    const dir = path.join(out, 'torch', 'student');
    fs.cpSync(path.join(root, 'assignments/torch-training/solution'), dir, { recursive: true });
    const { r: checked, result } = await run(dir, '--only', 'train_epoch');
    expect(checked.exitCode, checked.stdout).toBe(0);
    expect(result!.checks[0].cases.map((k) => k.name)).toEqual(['published']);
  });

  it('judges with the expected values it ships: a changed one fails the solution', async () => {
    const dir = path.join(out, 'solution');
    const file = path.join(dir, STUDENT_PACK, 'expected/fc_forward/published.expected.npz');
    const arrays = readNpz(file);
    arrays.out = { ...arrays.out, data: arrays.out.data.map((v) => v * 1.5) };
    writeNpz(file, arrays);
    const { r, result } = await run(dir, '--only', 'fc_forward');
    expect(r.exitCode).toBe(1);
    expect(result!.checks[0].message).toContain('0.666667 × expected');
  });
});
