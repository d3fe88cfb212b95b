/**
 * Real repositories never make correct code fail. A correct mlp-numpy solution handed in as a
 * whole repository (a junk/ folder of 30,000 small files that sorts before lib/; then 100,000
 * stray files and 2 GiB of data) gets full marks, and its result says in one line what was left
 * out, instead of naming every file.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../harness/spec/load.ts';
import { grade } from '../helpers/grade.ts';

const solution = path.join(REPO_ROOT, 'assignments/mlp-numpy/solution');
let repo: string;

/**
 * `n` small files in `dir`, `perFolder` to a folder: hard links to a few files of 11 bytes (one
 * per 10,000: ext4 allows 65,000 links to a file). The grader sees `n` regular files (it copies,
 * stats and counts each); the disk makes and frees a handful, so the tree is made and removed in
 * seconds even where deleting files is slow.
 */
function smallFiles(dir: string, n: number, perFolder = 1000) {
  let first = '';
  for (let i = 0; i < n; i++) {
    const sub = path.join(dir, `part${String(Math.floor(i / perFolder)).padStart(3, '0')}`);
    if (i % perFolder === 0) fs.mkdirSync(sub, { recursive: true });
    const file = path.join(sub, `f${i}.txt`);
    if (i % 10_000 === 0) first = '';
    if (first) fs.linkSync(first, file);
    else fs.writeFileSync((first = file), 'stray file\n');
  }
}

/** A file of `bytes` that takes no disk (a hole): the copy has to be refused, not read. */
function sparse(file: string, bytes: number) {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, '');
  fs.truncateSync(file, bytes);
}

/** The result's notes that speak of what was left out: exactly one, on one line. */
function leftOutNote(notes: string[] | undefined): string {
  const found = (notes ?? []).filter((n) => n.startsWith('left out'));
  expect(found).toHaveLength(1);
  expect(found[0]).not.toContain('\n');
  return found[0];
}

beforeAll(() => {
  repo = fs.mkdtempSync(path.join(os.tmpdir(), 'dlgrade-large-repo-'));
  fs.cpSync(solution, repo, { recursive: true });
});
afterAll(() => fs.rmSync(repo, { recursive: true, force: true }));

describe('a correct solution inside a large repository', () => {
  it('gets full marks with 30,000 small files in a folder that comes before lib/', async () => {
    smallFiles(path.join(repo, 'junk'), 30_000);
    const t0 = performance.now();
    const r = await grade('mlp-numpy', repo);
    console.log(`30,000 files before lib/: graded in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    expect(r.checks.filter((c) => c.status !== 'passed').map((c) => `${c.id}: ${c.message}`)).toEqual([]);
    expect(r.score).toBe(r.max_score);
    expect(r.errors).toEqual([]);
    expect(leftOutNote(r.notes)).toBe('left out 25,000 files (268.6 KiB) under junk/: over the submission limits (5,000 files besides the graded ones, 256 MiB in all); the graded files were all copied');
  }, 300_000);

  it('gets full marks with 100,000 other files and 2 GiB of data, and says so in one line', async () => {
    // 70,000 more stray files (100,000 in all) and 2 GiB of data.
    smallFiles(path.join(repo, 'data', 'images'), 40_000);
    smallFiles(path.join(repo, 'env'), 30_000);
    sparse(path.join(repo, 'data', 'train.npy'), 1536 * 1024 ** 2);
    sparse(path.join(repo, 'data', 'test.npy'), 512 * 1024 ** 2);
    const t0 = performance.now();
    const r = await grade('mlp-numpy', repo);
    console.log(`100,000 files and 2 GiB of data: graded in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    expect(r.checks.filter((c) => c.status !== 'passed').map((c) => `${c.id}: ${c.message}`)).toEqual([]);
    expect(r.score).toBe(r.max_score);
    expect(r.errors).toEqual([]);
    const note = leftOutNote(r.notes);
    // The walk goes breadth first: env/'s files (depth 2) are copied before data/images/' (depth 3).
    expect(note).toBe('left out 95,002 files (2 GiB) under data/, junk/ and env/: over the submission limits (5,000 files besides the graded ones, 256 MiB in all); the graded files were all copied');
    // The whole result stays small: no list of names.
    expect(JSON.stringify(r).length).toBeLessThan(64 * 1024);
  }, 300_000);
});
