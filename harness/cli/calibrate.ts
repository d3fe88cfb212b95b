/**
 * `dlgrade calibrate` and `dlgrade pack test`: where a pack's bars sit between correct code and
 * planted bugs (and, for calibrate, a class of real hand-ins), and the whole proof of a pack.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { resolveInterpreter } from '../python/environment.ts';
import { calibrate } from '../results/calibration.ts';
import { toJson, writeAtomic } from '../results/write.ts';
import { type CalibrationRun, gradeForCalibration } from '../runner/calibrate.ts';
import { MARGIN, PROOF_SEEDS, narrowNote, provePack } from '../runner/pack-proof.ts';
import { loadPack, resolvePackDir } from '../spec/load.ts';
import { starterDrift, starterFromSolution } from '../spec/starter.ts';
import type { Pack } from '../spec/types.ts';
import { findBubblewrap, resolveIsolation } from '../worker/sandbox.ts';
import { calibrationHtml, calibrationText } from '../../reports/calibration.ts';
import { type Cli, DATA_HELP, UsageError, defaultJobs } from './options.ts';
import { checkData, openCache, pythonMemo, runnerFor } from './setup.ts';

interface CommonOptions {
  seeds: string;
  jobs: string;
  python?: string;
  octave?: string;
  sandbox: boolean;
  data?: string;
}

/** The options both commands take. */
function common(cmd: Command): Command {
  return cmd
    .option('--seeds <n|list>', `how many seeds (or which, comma-separated) every variant and mutant is graded under`, String(PROOF_SEEDS.length))
    .option('-j, --jobs <n>', 'submissions graded at once', defaultJobs())
    .option('--python <path>', 'the Python interpreter to use')
    .option('--octave <path>', 'the Octave to run MATLAB hand-ins in (default: the pack\'s list, else octave-cli)')
    .option('--no-sandbox', 'run the code without bubblewrap (no isolation; limits still apply)')
    .option('--data <where>', DATA_HELP);
}

function seedsOf(v: string): string[] {
  if (/^\d+$/.test(v)) {
    const n = Number(v);
    if (n < 1) throw new UsageError('--seeds must be at least 1');
    return Array.from({ length: n }, (_, i) => PROOF_SEEDS[i] ?? `calibration-${i + 1}`);
  }
  const list = v.split(',').map((s) => s.trim()).filter(Boolean);
  if (!list.length) throw new UsageError('--seeds takes a number or a comma-separated list of seeds');
  return list;
}

/** The interpreter, isolation and runner a pack is graded with, resolved as grade does. */
async function environment(pack: Pack, o: CommonOptions, hide: string[]): Promise<Omit<CalibrationRun, 'submissions'>> {
  const jobs = Number(o.jobs);
  if (!Number.isInteger(jobs) || jobs < 1) throw new UsageError('--jobs must be a positive whole number');
  const cache = openCache(undefined);
  const python = await resolveInterpreter(pack.spec, { python: o.python, octave: o.octave }, pythonMemo(cache));
  checkData(pack, o.data);
  const sandbox = o.sandbox && !!(await findBubblewrap());
  if (o.sandbox && !sandbox) console.error('dlgrade: bubblewrap is not installed: grading without a sandbox (limits still apply)');
  const isolation = await resolveIsolation({ sandbox, python: python.executable, language: pack.spec.worker, hide, ...(o.sandbox && !sandbox ? { why: 'bubblewrap not installed' } : {}) });
  const runner = await runnerFor(pack, python.executable);
  return { seeds: seedsOf(o.seeds), jobs, grading: { python, isolation, runner, data: o.data } };
}

const progress = (label: string) => (done: number, total: number) => {
  if (process.stderr.isTTY) process.stderr.write(`\r${label}: ${done}/${total}${done === total ? '\n' : ''}`);
};

export function calibrateCommand(program: Command, cli: Cli) {
  common(
    program
      .command('calibrate')
      .description("grade the pack's solution, variants and mutants (and a class, if given) and show where each bar sits between them")
      .argument('[submissions]', 'a folder of real hand-ins to place on the same scale (graded under the first seed)')
      .requiredOption('-a, --assignment <pack>', "a shipped pack's name or a path to a pack")
      .option('-o, --out <dir>', 'where calibration.html and calibration.json go', 'calibration'),
  ).action(async (submissions: string | undefined, o: CommonOptions & { assignment: string; out: string }) => {
    const pack = loadPack(o.assignment);
    if (submissions && !fs.existsSync(submissions)) throw new UsageError(`${submissions}: no such folder of submissions`);
    const env = await environment(pack, o, [pack.dir, ...(submissions ? [submissions] : []), o.out]);
    const graded = await gradeForCalibration(pack, { ...env, submissions, onProgress: progress('graded') });
    const outputs = calibrate(graded);
    const narrow = narrowNote(pack);
    console.log(calibrationText(outputs, narrow));
    writeAtomic(path.join(o.out, 'calibration.json'), toJson({ assignment: pack.spec.name, seeds: env.seeds, outputs }), { durable: false });
    writeAtomic(path.join(o.out, 'calibration.html'), calibrationHtml(pack.spec.name, env.seeds, outputs, narrow), { durable: false });
    const flagged = outputs.filter((x) => x.flags.length).length;
    console.log(`\n${outputs.length} compared outputs, ${flagged} flagged; ${path.join(o.out, 'calibration.html')} draws them`);
    cli.setExit(0);
  });
}

export function packCommand(program: Command, cli: Cli) {
  const pack = program.command('pack').description('work on an assignment pack');
  pack
    .command('starter')
    .description("write starter/ from the solution's ### BEGIN SOLUTION / ### END SOLUTION markers")
    .argument('<pack>', "a pack folder (or a shipped pack's name)")
    .option('--check', 'only say which starter files differ (exit 1 if any)')
    .action((name: string, o: { check?: boolean }) => {
      const dir = resolvePackDir(name);
      if (o.check) {
        const drift = starterDrift(dir);
        for (const f of drift) console.log(`${f}: not what the solution's markers give`);
        cli.setExit(drift.length ? 1 : 0);
        return;
      }
      const files = starterFromSolution(dir);
      for (const [rel, text] of files) {
        const to = path.join(dir, 'starter', rel);
        fs.mkdirSync(path.dirname(to), { recursive: true });
        fs.writeFileSync(to, text);
        console.log(`wrote starter/${rel}`);
      }
      if (!files.size) console.log('no solution file has BEGIN SOLUTION markers: nothing written');
      cli.setExit(0);
    });
  common(
    pack
      .command('test')
      .description(`prove a pack: solution full marks, starter zero, every mutant caught, every variant passing, every bar ${MARGIN}x from both sides`)
      .argument('<pack>', "a pack folder (or a shipped pack's name)"),
  ).action(async (name: string, o: CommonOptions) => {
    const p = loadPack(name);
    const env = await environment(p, o, [p.dir]);
    const proof = await provePack(p, { ...env, onProgress: progress('graded') });
    console.log(calibrationText(proof.calibration, narrowNote(p)));
    if (proof.problems.length) {
      console.log(`\n${p.spec.name}: ${proof.problems.length} problem${proof.problems.length === 1 ? '' : 's'}:`);
      for (const x of proof.problems) console.log(`  - ${x}`);
      cli.setExit(1);
    } else {
      const mutants = new Set(proof.graded.filter((g) => g.role === 'mutant').map((g) => g.name)).size;
      const variants = new Set(proof.graded.filter((g) => g.role === 'variant').map((g) => g.name)).size;
      console.log(`\n${p.spec.name}: proved (solution full marks, starter 0, ${mutants} mutants caught, ${variants} variants passing, ${proof.calibration.length} bars with ${MARGIN}x margins or a reason, seeds ${env.seeds.join(', ')})`);
    }
  });
}
