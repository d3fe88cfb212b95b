/**
 * Class files: the bundled sample class of a pack (fixtures/class/<pack>.yaml) and the
 * adversarial corpus (fixtures/adversarial/adversarial.yaml). Each student is the pack's
 * solution or starter, possibly with a planted mutant, variants, edits of their own, symbolic links, or
 * handed in as a zip with raw entries of its own; each says the verdict it must get. The tests
 * grade a class in one batch and hold every result to its student's `expect`.
 */
import fs from 'node:fs';
import path from 'node:path';
import { zipSync } from 'fflate';
import { parse } from 'yaml';
import type { Status, SubmissionResult } from '../results/types.ts';
import { type Edit, deriveSubmission, loadMutants, loadVariants } from '../spec/mutants.ts';
import { REPO_ROOT, resolvePackDir } from '../spec/load.ts';
import type { Limits } from '../spec/types.ts';

/** What a student must get. Every field given must hold. */
export interface Expectation {
  /** Exactly these checks do not pass. */
  fail?: string[];
  /** Exactly these checks pass. */
  pass?: string[];
  /** Each check's status; "*" stands for every check not named. */
  status?: Record<string, Status>;
  /** A pattern (regular expression) that the named check's messages must match. */
  message?: Record<string, string>;
  /** A pattern one of the result's errors (whole-submission notes) must match. */
  errors?: string;
  /** A pattern one of the result's notes (a forbidden import, a skipped notebook cell) must match. */
  notes?: string;
  /** Patterns the kept stdout / stderr must match. */
  stdout?: string;
  stderr?: string;
}

export interface ZipEntry {
  name: string;
  content?: string;
  /** The entry is a symbolic link to this target (unix mode 120777). */
  symlink?: string;
}

export interface SampleStudent {
  name: string;
  /** What they should get, for the tests: full marks, zero, or an Expectation. */
  expect: 'full' | 'zero' | Expectation;
  from: 'solution' | 'starter';
  mutant?: string;
  /** Correct alternatives (variants/variants.yaml) applied together: a hand-in written otherwise. */
  variants?: string[];
  edits?: Edit[];
  /** Symbolic links to make in the folder (path inside it, target as written). */
  links?: { path: string; target: string }[];
  /**
   * What real repositories carry beside the homework: `files` small files under a folder, or one
   * file of `bytes` (sparse: it takes no disk). Folders only, not zips.
   */
  clutter?: { path: string; files?: number; bytes?: number }[];
  /** Handed in as <name>.zip instead of a folder: optionally under one top folder, with raw entries added. */
  zip?: { folder?: string; entries?: ZipEntry[]; truncate?: number };
  /**
   * Set when the verdict holds only because of the sandbox: what it stops. Without the sandbox
   * this student may get another verdict, and the unsandboxed run reports what it could not stop.
   */
  isolation?: string;
}

export interface ClassFile {
  /** The pack the class is for (default: the class file's own name). */
  pack?: string;
  /** Checks to grade (globs, as --only); all when absent. */
  only?: string[];
  /** Limits for grading this class (over the pack's). */
  limits?: Partial<Limits>;
  students: SampleStudent[];
}

export const classFile = (pack: string) => path.join(REPO_ROOT, 'fixtures', 'class', `${pack}.yaml`);

export function loadClassFile(file: string): ClassFile {
  const doc = parse(fs.readFileSync(file, 'utf8')) as ClassFile;
  const names = new Set<string>();
  for (const s of doc.students) {
    if (names.has(s.name)) throw new Error(`${file}: two students are named ${s.name}`);
    names.add(s.name);
  }
  return doc;
}

export function loadClass(pack: string): SampleStudent[] {
  const file = classFile(pack);
  return fs.existsSync(file) ? loadClassFile(file).students : [];
}

/** Writes the class into `dir` (replacing what was there); undefined when the pack has none. */
export function materializeClass(pack: string, dir: string): string | undefined {
  const file = classFile(pack);
  if (!fs.existsSync(file)) return undefined;
  return materializeClassFile(file, dir, pack);
}

/** Writes every student of a class file into `dir`: a folder each, or a .zip. */
export function materializeClassFile(file: string, dir: string, pack?: string): string {
  const doc = loadClassFile(file);
  const packDir = resolvePackDir(pack ?? doc.pack ?? path.basename(file, '.yaml'));
  const mutants = new Map(loadMutants(packDir).map((m) => [m.name, m]));
  const variants = new Map(loadVariants(packDir).map((v) => [v.name, v]));
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  for (const s of doc.students) {
    const edits = [
      ...(s.mutant ? mutantEdits(mutants, s.mutant) : []),
      ...(s.variants ?? []).flatMap((v) => mutantEdits(variants, v, 'variant')),
      ...(s.edits ?? []),
    ];
    const folder = path.join(dir, s.name);
    deriveSubmission(path.join(packDir, s.from), folder, edits);
    for (const l of s.links ?? []) {
      const at = path.join(folder, l.path);
      fs.rmSync(at, { force: true });
      fs.mkdirSync(path.dirname(at), { recursive: true });
      fs.symlinkSync(l.target, at);
    }
    for (const c of s.clutter ?? []) addClutter(folder, c);
    if (s.zip) {
      const bytes = zipFolder(folder, s.zip.folder, s.zip.entries ?? []);
      fs.writeFileSync(path.join(dir, `${s.name}.zip`), s.zip.truncate === undefined ? bytes : bytes.subarray(0, s.zip.truncate));
      fs.rmSync(folder, { recursive: true, force: true });
    }
  }
  return dir;
}

function addClutter(folder: string, c: { path: string; files?: number; bytes?: number }) {
  const at = path.join(folder, c.path);
  if (c.files) {
    fs.mkdirSync(at, { recursive: true });
    // Hard links of one file: as many entries to walk, at the cost of one file's data.
    const first = path.join(at, 'f00000.txt');
    fs.writeFileSync(first, 'not homework\n');
    for (let i = 1; i < c.files; i++) fs.linkSync(first, path.join(at, `f${String(i).padStart(5, '0')}.txt`));
  }
  if (c.bytes) {
    fs.mkdirSync(path.dirname(at), { recursive: true });
    fs.closeSync(fs.openSync(at, 'w'));
    fs.truncateSync(at, c.bytes);
  }
}

const SYMLINK_ATTRS = (0o120777 << 16) >>> 0;

function zipFolder(folder: string, top: string | undefined, extra: ZipEntry[]): Uint8Array {
  const files: Record<string, [Uint8Array, { os: number; attrs?: number }]> = {};
  const walk = (d: string, rel: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name), r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) walk(p, r);
      else if (e.isSymbolicLink()) files[(top ? `${top}/` : '') + r] = [new TextEncoder().encode(fs.readlinkSync(p)), { os: 3, attrs: SYMLINK_ATTRS }];
      else files[(top ? `${top}/` : '') + r] = [fs.readFileSync(p), { os: 3, attrs: (0o100644 << 16) >>> 0 }];
    }
  };
  walk(folder, '');
  for (const e of extra) {
    files[e.name] = e.symlink !== undefined
      ? [new TextEncoder().encode(e.symlink), { os: 3, attrs: SYMLINK_ATTRS }]
      : [new TextEncoder().encode(e.content ?? ''), { os: 3, attrs: (0o100644 << 16) >>> 0 }];
  }
  return zipSync(files, { level: 6 });
}

function mutantEdits(mutants: Map<string, { edits: Edit[] }>, name: string, what = 'mutant'): Edit[] {
  const m = mutants.get(name);
  if (!m) throw new Error(`sample class: no ${what} named ${name}`);
  return m.edits;
}

/** Every way `r` falls short of what the student must get; empty when it is exactly that. */
export function expectationProblems(s: SampleStudent, r: SubmissionResult): string[] {
  const problems: string[] = [];
  // A check skipped for want of a runner tag (a GPU) is pending, neither passed nor failed.
  const failing = r.checks.filter((c) => c.status !== 'passed' && c.status !== 'skipped').map((c) => c.id).sort();
  const passing = r.checks.filter((c) => c.status === 'passed').map((c) => c.id).sort();
  const same = (a: string[], b: string[]) => a.join() === [...b].sort().join();
  if (s.expect === 'full') {
    if (failing.length) problems.push(`should pass everything, but ${failing.join(', ')} did not`);
    return problems;
  }
  if (s.expect === 'zero') {
    if (r.score !== 0) problems.push(`should score 0, scored ${r.score} (passed ${passing.join(', ')})`);
    return problems;
  }
  const e = s.expect;
  if (e.fail && !same(failing, e.fail)) problems.push(`should fail exactly ${[...e.fail].sort().join(', ') || 'nothing'}, failed ${failing.join(', ') || 'nothing'}`);
  if (e.pass && !same(passing, e.pass)) problems.push(`should pass exactly ${[...e.pass].sort().join(', ') || 'nothing'}, passed ${passing.join(', ') || 'nothing'}`);
  for (const id of Object.keys({ ...e.status, ...e.message })) {
    if (id !== '*' && !r.checks.some((c) => c.id === id)) problems.push(`${id} was not graded`);
  }
  for (const c of r.checks) {
    const want = e.status?.[c.id] ?? e.status?.['*'];
    if (want && c.status !== want) problems.push(`${c.id} should be ${want}, was ${c.status}: ${c.message}`);
    const pattern = e.message?.[c.id];
    const text = [c.message, ...c.cases.map((k) => k.message)].join('\n');
    if (pattern && !new RegExp(pattern).test(text)) problems.push(`${c.id}: message should match /${pattern}/, was: ${c.message}`);
  }
  if (e.errors && !new RegExp(e.errors).test(r.errors.join('\n'))) problems.push(`errors should match /${e.errors}/, were: ${r.errors.join(' | ') || 'none'}`);
  if (e.notes && !new RegExp(e.notes).test((r.notes ?? []).join('\n'))) problems.push(`notes should match /${e.notes}/, were: ${(r.notes ?? []).join(' | ') || 'none'}`);
  if (e.stdout && !new RegExp(e.stdout).test(r.stdout)) problems.push(`stdout should match /${e.stdout}/, was: ${r.stdout.slice(-300)}`);
  if (e.stderr && !new RegExp(e.stderr).test(r.stderr)) problems.push(`stderr should match /${e.stderr}/, was: ${r.stderr.slice(-300)}`);
  return problems;
}
