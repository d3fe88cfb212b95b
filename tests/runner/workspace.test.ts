/**
 * The workspace copy: the files a hand-in is graded on come first and always (each within its
 * cap), everything else only as far as the limits allow, and the result says in one line what
 * was left out, never file by file.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import picomatch from 'picomatch';
import { afterEach, describe, expect, it } from 'vitest';
import { COPY_LIMITS, type CopyLimits, copySubmission, createWorkspace } from '../../harness/runner/workspace.ts';
import { listPacks, loadPack } from '../../harness/spec/load.ts';
import { type AssignmentSpec, gradedFiles } from '../../harness/spec/types.ts';

const made: string[] = [];
afterEach(() => {
  for (const d of made.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});
const tmp = () => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'dlgrade-ws-test-'));
  made.push(d);
  return d;
};

/** A folder from a map of relative names to contents (a number: a sparse file of that size). */
function tree(files: Record<string, string | number>): string {
  const dir = tmp();
  for (const [rel, content] of Object.entries(files)) {
    const p = path.join(dir, rel);
    fs.mkdirSync(path.dirname(p), { recursive: true });
    if (typeof content === 'number') {
      fs.writeFileSync(p, '');
      fs.truncateSync(p, content);
    } else fs.writeFileSync(p, content);
  }
  return dir;
}

const junk = (folder: string, n: number, size = 10) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`${folder}/f${String(i).padStart(5, '0')}.txt`, 'x'.repeat(size)]));

function copy(src: string, files: string[], limits: Partial<CopyLimits> = {}) {
  const dst = path.join(tmp(), 'copy');
  const r = copySubmission(src, dst, files, { ...COPY_LIMITS, ...limits });
  const copied = fs.existsSync(dst) ? (fs.readdirSync(dst, { recursive: true, withFileTypes: true }) as fs.Dirent[])
    .filter((e) => e.isFile()).map((e) => path.relative(dst, path.join(e.parentPath, e.name))).sort() : [];
  return { ...r, copied, dst };
}

const MiB = 1024 ** 2;

describe('the graded files come first', () => {
  it('copies lib/ after a junk/ folder larger than the file limit, and says so in one line', () => {
    // junk/ sorts before lib/: copied in directory order, it used to take the whole budget.
    const src = tree({ ...junk('junk', 60), 'lib/__init__.py': '', 'lib/mlp/layer_utils.py': 'def fc(): pass\n', 'answers.yaml': 'q: 1\n' });
    const r = copy(src, ['lib/**/*.py', 'answers.yaml'], { otherFiles: 10 });
    expect(r.copied).toEqual(expect.arrayContaining(['answers.yaml', 'lib/__init__.py', 'lib/mlp/layer_utils.py']));
    expect(r.copied.filter((f) => f.startsWith('junk/'))).toHaveLength(10);
    expect(r.problems).toEqual([]);
    expect(r.leftOut).toBe('left out 50 files (500 bytes) under junk/: over the submission limits (10 files besides the graded ones, 256 MiB in all); the graded files were all copied');
  });

  it('copies the graded files even when the others alone are over the byte limit', () => {
    const src = tree({ 'data/big.npy': 300 * MiB, 'data/small.csv': 'a,b\n', 'model.py': 'x = 1\n' });
    const r = copy(src, ['*.py']);
    // The big file does not fit; the small one after it still does.
    expect(r.copied).toEqual(['data/small.csv', 'model.py']);
    expect(r.leftOut).toBe('left out 1 file (300 MiB) under data/: over the submission limits (5,000 files besides the graded ones, 256 MiB in all); the graded files were all copied');
  });

  it('copies the files near the top first: a stray deep tree cannot crowd out a data file beside the code', () => {
    const src = tree({ ...junk('a/b/c', 20), 'z-data.txt': 'used by the code', 'a/notes.txt': 'n' });
    const r = copy(src, ['*.py'], { otherFiles: 2 });
    expect(r.copied).toEqual(['a/notes.txt', 'z-data.txt']);
    expect(r.leftOut).toMatch(/^left out 20 files \(200 bytes\) under a\/: over/);
  });

  it('names the top folders, most files first, at most four, and files at the top as the top folder', () => {
    const src = tree({ ...junk('d1', 5), ...junk('d2', 4), ...junk('d3', 3), ...junk('d4', 2), ...junk('d5', 1), ...junk('d6', 1), 'top1.txt': 'x', 'top2.txt': 'x', 'keep.py': '' });
    const r = copy(src, ['*.py'], { otherFiles: 0 });
    expect(r.copied).toEqual(['keep.py']);
    expect(r.leftOut).toMatch(/^left out 18 files \(\d+ bytes\) under d1\/, d2\/, d3\/, d4\/, 2 more folders and the top folder: over /);
    expect(r.leftOut).not.toContain('\n');
  });

  it('stays one short line however many files are left out', () => {
    const src = tree({ ...junk('venv-copy', 3000), ...junk('data', 2000), 'main.py': '' });
    const r = copy(src, ['*.py'], { otherFiles: 100 });
    expect(r.copied).toContain('main.py');
    expect(r.leftOut).toMatch(/^left out 4,900 files \(47\.9 KiB\) under venv-copy\/ and data\/: over /);
    expect(r.leftOut!.length).toBeLessThan(250);
    expect(r.problems).toEqual([]);
  });

  it('says nothing when everything fits, and never copies .git or __pycache__', () => {
    const src = tree({ 'lib/a.py': '', 'lib/__pycache__/a.cpython-311.pyc': 'x', '.git/HEAD': 'ref', 'README.md': '#' });
    const r = copy(src, ['lib/**/*.py']);
    expect(r.copied).toEqual(['README.md', 'lib/a.py']);
    expect(r.leftOut).toBeUndefined();
    expect(r.problems).toEqual([]);
  });

  it('makes empty folders (code may write into them) as far as the limits allow', () => {
    const src = tree({ 'main.py': '' });
    fs.mkdirSync(path.join(src, 'out'));
    const r = copy(src, ['*.py']);
    expect(fs.statSync(path.join(r.dst, 'out')).isDirectory()).toBe(true);
    expect(r.leftOut).toBeUndefined();
  });
});

describe('a graded file that cannot be copied', () => {
  it('is an error naming it and why: over the per-file cap', () => {
    const src = tree({ 'lib/huge.py': 40 * MiB, 'lib/ok.py': 'x = 1\n' });
    const r = copy(src, ['lib/**/*.py']);
    expect(r.copied).toEqual(['lib/ok.py']);
    expect(r.problems).toEqual(['lib/huge.py is graded but could not be copied: it is 40 MiB, over the 32 MiB a graded file may have']);
    expect(r.leftOut).toBeUndefined();
  });

  it('is an error naming it: a symbolic link; a link among the other files is counted in the one line', () => {
    const src = tree({ 'real.py': 'x = 1\n', 'data/a.txt': 'a' });
    fs.symlinkSync(path.join(src, 'real.py'), path.join(src, 'linked.py'));
    fs.symlinkSync('/etc/passwd', path.join(src, 'data/passwd'));
    const r = copy(src, ['*.py']);
    expect(r.copied).toEqual(['data/a.txt', 'real.py']);
    expect(r.problems).toEqual(['linked.py is graded but could not be copied: it is a symbolic link (hand in the file itself)']);
    expect(r.leftOut).toBe('left out 1 symbolic link (data/passwd); some graded files could not be copied (see the errors)');
  });

  it('is an error when the graded files alone are over the limits, and past ten they are counted', () => {
    const src = tree(Object.fromEntries(Array.from({ length: 15 }, (_, i) => [`m${String(i).padStart(2, '0')}.py`, ''])));
    const r = copy(src, ['*.py'], { gradedFiles: 3 });
    expect(r.copied).toEqual(['m00.py', 'm01.py', 'm02.py']);
    expect(r.problems).toHaveLength(11);
    expect(r.problems[0]).toBe('m03.py is graded but could not be copied: the graded files are more than 3 files or 256 MiB in all');
    expect(r.problems[10]).toBe('and 2 more graded files could not be copied');
  });

  it.skipIf(process.getuid?.() === 0)('is an error naming it when it cannot be read', () => {
    const src = tree({ 'secret.py': 'x', 'other.txt': 'y' });
    fs.chmodSync(path.join(src, 'secret.py'), 0o000);
    fs.chmodSync(path.join(src, 'other.txt'), 0o000);
    const r = copy(src, ['*.py']);
    expect(r.problems).toEqual(['secret.py is graded but could not be copied: it cannot be read (EACCES)']);
    expect(r.leftOut).toBe('left out 1 unreadable entry (other.txt); some graded files could not be copied (see the errors)');
  });
});

describe('the workspace', () => {
  it('holds the copy and the note, and leaves no scratch folder behind, copied or failed', () => {
    const scratch = tmp();
    const probes = tree({ 'p.py': 'def run(inputs): return {}\n' });
    const ws = createWorkspace(tree({ ...junk('junk', 30), 'lib/a.py': '' }), { scratch, probes, files: ['lib/**/*.py'], limits: { otherFiles: 5 } });
    expect(fs.existsSync(path.join(ws.submission, 'lib/a.py'))).toBe(true);
    expect(ws.leftOut).toMatch(/^left out 25 files .* under junk\/:/);
    ws.dispose();
    expect(fs.readdirSync(scratch)).toEqual([]);
    expect(() => createWorkspace(path.join(scratch, 'no-such-folder'), { scratch, probes })).toThrow(/ENOENT/);
    expect(fs.readdirSync(scratch)).toEqual([]);
  });
});

describe('which files a pack grades', () => {
  const spec = (s: Partial<AssignmentSpec>) => ({ name: 'x', title: 'x', python: {}, checks: [], ...s }) as AssignmentSpec;

  it('defaults to the code, notebooks, answers and notes of the pack language', () => {
    expect(gradedFiles(spec({}))).toEqual(['**/*.py', '**/*.ipynb', '**/*.yaml', '**/*.yml', '**/*.md', 'answers.yaml']);
    expect(gradedFiles(spec({ worker: 'octave' }))).toEqual(['**/*.m', '**/*.yaml', '**/*.yml', '**/*.md', 'answers.yaml']);
  });

  it('adds the answers file and the notebook (at any depth, as the driver finds it) to a pack\'s own list', () => {
    const files = gradedFiles(spec({ submission: { files: ['src/**/*.py'] }, answers_file: 'written.yml', notebook: { module: 'hw', files: ['hw*.ipynb'] } }));
    expect(files).toEqual(['src/**/*.py', 'written.yml', 'hw*.ipynb', '**/hw*.ipynb', 'hw.py']);
    const m = picomatch(files, { dot: true });
    expect(['src/a/b.py', 'written.yml', 'hw1.ipynb', 'sub/hw2.ipynb', 'hw.py'].every((f) => m(f))).toBe(true);
    expect(['a.py', 'data/x.npy', 'sub/hw.py'].some((f) => m(f))).toBe(false);
  });

  it.each(listPacks())('%s grades every file of its solution and starter', (name) => {
    const pack = loadPack(name);
    const m = picomatch(gradedFiles(pack.spec), { dot: true });
    for (const d of ['solution', 'starter']) {
      const dir = path.join(pack.dir, d);
      const files = (fs.readdirSync(dir, { recursive: true, withFileTypes: true }) as fs.Dirent[])
        .filter((e) => e.isFile() && !e.parentPath.includes('__pycache__')).map((e) => path.relative(dir, path.join(e.parentPath, e.name)));
      expect(files.filter((f) => !m(f)), `${name}/${d}`).toEqual([]);
    }
  });
});
