/**
 * One source for solution and starter: BEGIN/END SOLUTION markers give the starter, refused with
 * file and line when they do not pair, and pack test's drift check names a starter that differs.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { listPacks, resolvePackDir } from '../../harness/spec/load.ts';
import { starterDrift, starterText } from '../../harness/spec/starter.ts';

const SOLUTION = [
  'def f(x):',
  '    out = None',
  '    ### BEGIN SOLUTION',
  '    out = 2 * x',
  '    ### END SOLUTION',
  '    return out',
  '',
].join('\n');

describe('solution markers', () => {
  it('replace each region by a placeholder at its indentation', () => {
    expect(starterText(SOLUTION, 'layers.py')).toBe(['def f(x):', '    out = None', '    pass  # YOUR CODE HERE', '    return out', ''].join('\n'));
    expect(starterText('x = 1\n%%% BEGIN SOLUTION\ny = 2;\n%%% END SOLUTION\n', 'f.m')).toBe('x = 1\n% YOUR CODE HERE\n');
    expect(starterText('no markers\n', 'a.py')).toBeUndefined();
  });

  it('are refused with the file and line when they do not pair', () => {
    expect(() => starterText('### BEGIN SOLUTION\nx\n', 'solution/a.py')).toThrow('solution/a.py:1: BEGIN SOLUTION is never closed');
    expect(() => starterText('x\n### END SOLUTION\n', 'solution/a.py')).toThrow('solution/a.py:2: END SOLUTION without a BEGIN SOLUTION');
    expect(() => starterText('### BEGIN SOLUTION\n### BEGIN SOLUTION\n', 'solution/a.py')).toThrow(/:2: BEGIN SOLUTION inside the region opened at line 1/);
  });

  it('pack test names a starter that is not what the markers give', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dlgrade-markers-'));
    fs.mkdirSync(path.join(dir, 'solution'));
    fs.mkdirSync(path.join(dir, 'starter'));
    fs.writeFileSync(path.join(dir, 'solution', 'layers.py'), SOLUTION);
    expect(starterDrift(dir)).toEqual(['starter/layers.py']);
    fs.writeFileSync(path.join(dir, 'starter', 'layers.py'), starterText(SOLUTION, 'layers.py')!);
    expect(starterDrift(dir)).toEqual([]);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it.each(listPacks())('the shipped pack %s has no starter drift', (name) => {
    expect(starterDrift(resolvePackDir(name))).toEqual([]);
  });
});
