/**
 * `npx tsx bench/calibrate-overhead.ts [--n 200] [--jobs 2] [--pack mlp-numpy]`: what placing a
 * class on the calibration scale costs over grading it. Generates the bench class (bench/class.ts),
 * then times `dlgrade grade CLASS` and `dlgrade calibrate CLASS` (the pack's solution, variants
 * and mutants under three seeds, then the class, graded as `grade` grades it), both in the
 * sandbox with no result cache. Prints both walls and the ratio.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateClass } from './class.ts';

const argv = process.argv.slice(2);
const opt = (name: string, fallback: string) => {
  const i = argv.indexOf(name);
  return i >= 0 && i + 1 < argv.length ? argv[i + 1] : fallback;
};
const N = Number(opt('--n', '200'));
const JOBS = opt('--jobs', '2');
const PACK = opt('--pack', 'mlp-numpy');
const BIN = path.join(path.dirname(path.dirname(fileURLToPath(import.meta.url))), 'bin', 'dlgrade.mjs');

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'dlgrade-calibrate-bench-'));
const classDir = path.join(root, 'class');
generateClass(classDir, N);
fs.rmSync(path.join(classDir, 'class.json'), { force: true }); // the manifest is no hand-in
const timed = (args: string[]) => {
  const t = process.hrtime.bigint();
  execFileSync('node', [BIN, ...args], { stdio: ['ignore', 'ignore', 'inherit'] });
  return Number(process.hrtime.bigint() - t) / 1e9;
};
const grade = timed(['grade', classDir, '-a', PACK, '-o', path.join(root, 'graded'), '-j', JOBS, '--no-cache', '--seed', 'calibration-1', '--reports', 'json']);
const calibrate = timed(['calibrate', classDir, '-a', PACK, '-o', path.join(root, 'calibration'), '-j', JOBS]);
console.log(`${PACK}, class of ${N}, jobs ${JOBS}: grade ${grade.toFixed(1)} s, calibrate ${calibrate.toFixed(1)} s, calibrate / grade ${(calibrate / grade).toFixed(2)}`);
fs.rmSync(root, { recursive: true, force: true });
