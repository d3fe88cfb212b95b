/**
 * The result cache and --profile from the command line: a second run of an unchanged class takes
 * every result from the cache and says so in the terminal and in the reports; --no-cache leaves
 * the cache alone; the same output folder again rewrites nothing it already holds; --profile
 * prints where the time went and writes it as JSON.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { findBubblewrap } from '../../harness/worker/sandbox.ts';
import { expectValidResult } from '../helpers/grade.ts';

const root = path.resolve(import.meta.dirname, '../..');
const pack = path.join(root, 'assignments/mlp-numpy');
const tmp = () => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'dlgrade-cache-cli-'));
  fs.chmodSync(d, 0o711);
  return d;
};
const cli = (args: string[]) => execa(process.execPath, [path.join(root, 'bin/dlgrade.mjs'), ...args], { reject: false, cwd: root, env: { NO_COLOR: '1' } });

describe('dlgrade grade with the result cache', () => {
  it('takes an unchanged class from the cache, says so, and leaves the cache alone with --no-cache', async () => {
    const subs = tmp();
    for (const name of ['ada', 'bo']) fs.cpSync(path.join(pack, 'solution'), path.join(subs, name), { recursive: true });
    const cache = path.join(tmp(), 'cache');
    const base = ['grade', subs, '--assignment', 'mlp-numpy', '--only', 'softmax', '--seed', 'cli-cache', '--cache', cache, ...((await findBubblewrap()) ? [] : ['--no-sandbox'])];
    const out1 = path.join(tmp(), 'out'), out2 = path.join(tmp(), 'out');

    const first = await cli([...base, '--out', out1]);
    expect(first.exitCode, first.stderr).toBe(0);
    expect(first.stdout).not.toContain('From the cache');

    const second = await cli([...base, '--out', out2, '--profile']);
    expect(second.exitCode, second.stderr).toBe(0);
    expect(second.stdout).toContain(`From the cache (${cache}): 2 of 2 unchanged since they were graded: ada, bo`);
    expect(second.stdout.match(/^\[\d\/2\] .*from the cache\)$/gm)).toHaveLength(2);
    expect(second.stdout).toMatch(/Graded 2 submissions in .*; 2 from the cache\)/);
    for (const name of ['ada', 'bo']) {
      const r = JSON.parse(fs.readFileSync(path.join(out2, name, 'result.json'), 'utf8'));
      expectValidResult(r);
      expect(r.cache.hit).toBe(true);
      expect(r.score).toBe(r.max_score);
      expect(fs.readFileSync(path.join(out2, name, 'report.html'), 'utf8')).toContain('taken from the result cache');
      expect(fs.readFileSync(path.join(out2, name, 'summary.md'), 'utf8')).toContain('taken from the result cache');
    }
    // --profile: the table on stderr, the figures in OUT/profile.json.
    expect(second.stderr).toMatch(/Where the time went: .*0 graded, 2 from the cache/);
    const profile = JSON.parse(fs.readFileSync(path.join(out2, 'profile.json'), 'utf8'));
    expect(profile.submissions).toEqual({ graded: 0, cached: 2, kept: 0 });
    expect(profile.phases.map((p: { phase: string }) => p.phase)).toEqual(expect.arrayContaining(['cli start', 'pack load', 'cache keys', 'cache lookups']));

    // The same output folder again: kept as it is, reports not rewritten.
    const html = path.join(out2, 'ada', 'report.html');
    const before = fs.statSync(html).mtimeMs;
    const third = await cli([...base, '--out', out2]);
    expect(third.exitCode, third.stderr).toBe(0);
    expect(third.stdout).toContain('Resuming (seed cli-cache): 2 of 2 already graded');
    expect(fs.statSync(html).mtimeMs).toBe(before);

    const entries = () => fs.readdirSync(path.join(cache, 'results', 'v1'), { recursive: true }).filter((f) => String(f).endsWith('.json')).length;
    expect(entries()).toBe(2);
    const uncached = await cli([...base.filter((a) => a !== cache && a !== '--cache'), '--no-cache', '--out', path.join(tmp(), 'out'), '--seed', 'other']);
    expect(uncached.exitCode, uncached.stderr).toBe(0);
    expect(uncached.stdout).not.toContain('From the cache');
    expect(entries()).toBe(2);

    const info = await cli(['cache', '--cache', cache]);
    expect(info.stdout).toMatch(new RegExp(`^${cache}: \\d+ entries, [\\d.]+ MiB`));
    const cleared = await cli(['cache', '--cache', cache, '--clear']);
    expect(cleared.stdout).toContain(': 0 entries, 0.0 MiB (cleared)');
  }, 120_000);
});
