/**
 * Ctrl-C and SIGTERM during `dlgrade grade`: the grader stops its workers, removes every scratch
 * folder it made (on disk and in /dev/shm), says how many are graded and how to resume, and exits
 * 130 or 143. Run again, it resumes, and its progress counter counts on from what it kept.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { findBubblewrap } from '../../harness/worker/sandbox.ts';
import { expectValidResult } from '../helpers/grade.ts';
import { workersOf } from '../helpers/workers.ts';

const root = path.resolve(import.meta.dirname, '../..');
const pack = path.join(root, 'assignments/mlp-numpy');
const made: string[] = [];
const tmp = () => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'dlgrade-interrupt-'));
  fs.chmodSync(d, 0o711); // a worker running as a user of its own passes through to its workspace
  made.push(d);
  return d;
};
const cli = (args: string[], env: Record<string, string> = {}) =>
  execa(process.execPath, [path.join(root, 'bin/dlgrade.mjs'), ...args], { reject: false, cwd: root, env: { NO_COLOR: '1', ...env } });

/** Folders of grader `pid` left in `dir`: tmp names them dlgrade--PID-*. */
const leftIn = (dir: string, pid: number) => (fs.existsSync(dir) ? fs.readdirSync(dir).filter((n) => n.startsWith(`dlgrade--${pid}-`)) : []);


async function until(what: string, ok: () => boolean, seconds = 90) {
  const deadline = Date.now() + seconds * 1000;
  while (!ok() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  expect(ok(), what).toBe(true);
}

/** Interrupts a running grade with `signal` once it has written more than `after` results; what it left. */
async function interrupt(run: ReturnType<typeof cli>, results: () => string[], after: number, signal: 'SIGINT' | 'SIGTERM', scratch: string) {
  await until(`a result past the first ${after}`, () => results().length > after);
  run.kill(signal);
  const r = await run;
  const pid = run.pid!;
  // The workers stopped (they are killed, not merely orphaned), and nothing of this grader's is
  // left in the temporary folder or in /dev/shm.
  let workers = workersOf(scratch, pid);
  for (let i = 0; i < 30 && workers.length; i++) {
    await new Promise((res) => setTimeout(res, 100));
    workers = workersOf(scratch, pid);
  }
  expect(workers).toEqual([]);
  expect(leftIn(scratch, pid)).toEqual([]);
  expect(leftIn('/dev/shm', pid)).toEqual([]);
  expect(fs.readdirSync(scratch)).toEqual([]); // no unzip or trial folder either
  return r;
}

describe('dlgrade grade, interrupted', () => {
  it('stops cleanly on SIGINT and on SIGTERM, says how to resume, and counts what it kept when resumed', async () => {
    const subs = tmp();
    for (let i = 0; i < 6; i++) fs.cpSync(path.join(pack, 'solution'), path.join(subs, `student-${i}`), { recursive: true });
    const out = path.join(tmp(), 'out');
    const scratch = tmp(); // the grader's TMPDIR: its workspaces go there, and nothing else does
    const args = ['grade', subs, '--assignment', 'mlp-numpy', '--out', out, '--jobs', '1', '--only', 'fc_forward', '--only', 'softmax', ...((await findBubblewrap()) ? [] : ['--no-sandbox'])];
    const results = () => (fs.existsSync(out) ? fs.readdirSync(out).filter((d) => fs.existsSync(path.join(out, d, 'result.json'))) : []);

    try {
      // Ctrl-C after the first result.
      const first = await interrupt(cli(args, { TMPDIR: scratch }), results, 0, 'SIGINT', scratch);
      const kept = results().length;
      expect(kept).toBeLessThan(6);
      expect(first.exitCode, first.stderr).toBe(130);
      expect(first.stderr).toContain('dlgrade: SIGINT: stopping the workers and removing the scratch folders');
      expect(first.stderr).toContain(`dlgrade: interrupted (SIGINT): graded ${kept} of 6; run the same command again to resume: ${kept === 1 ? 'the 1 is' : `the ${kept} are`} kept`);
      expect(first.stdout).not.toContain('Graded 6 submissions');

      // Resumed, then stopped by SIGTERM after one more: the counter goes on from what was kept.
      const second = await interrupt(cli(args, { TMPDIR: scratch }), results, kept, 'SIGTERM', scratch);
      const keptNow = results().length;
      expect(second.exitCode, second.stderr).toBe(143);
      expect(second.stdout).toContain(`Resuming (seed `);
      expect(second.stdout).toMatch(new RegExp(`^\\[\\s*${kept + 1}/6\\] student-`, 'm'));
      expect(second.stdout).not.toMatch(/^\[\s*1\/6\]/m);
      expect(second.stderr).toContain(`dlgrade: interrupted (SIGTERM): graded ${keptNow} of 6; run the same command again to resume: the ${keptNow} are kept`);

      // The last run grades the rest, numbered on from there, and writes the whole gradebook.
      const last = await cli(args, { TMPDIR: scratch });
      expect(last.exitCode, last.stderr).toBe(0);
      expect(last.stdout).toContain(`Resuming (seed `);
      const counted = [...last.stdout.matchAll(/^\[\s*(\d+)\/6\]/gm)].map((m) => Number(m[1]));
      expect(counted).toEqual(Array.from({ length: 6 - keptNow }, (_, i) => keptNow + 1 + i));
      expect(results().sort()).toEqual(Array.from({ length: 6 }, (_, i) => `student-${i}`));
      for (const name of results()) {
        const r = JSON.parse(fs.readFileSync(path.join(out, name, 'result.json'), 'utf8'));
        expectValidResult(r);
        expect(r.score).toBe(r.max_score);
      }
      const gradebook = fs.readFileSync(path.join(out, 'gradebook.csv'), 'utf8').trim().split('\n');
      expect(gradebook).toHaveLength(7);
      expect(fs.readdirSync(scratch)).toEqual([]);
    } finally {
      for (const d of made.splice(0)) fs.rmSync(d, { recursive: true, force: true });
    }
  }, 300_000);
});
