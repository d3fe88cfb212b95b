/**
 * The dlgrade command line. Exit codes: 0 all checks passed (or the command succeeded), 1 a
 * check failed, 2 a usage, spec or environment error.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { Command, CommanderError } from 'commander';
import { EnvironmentError, resolvePython } from '../python/environment.ts';
import { toJson, writeAtomic } from '../results/write.ts';
import { gradeBatch } from '../runner/batch.ts';
import { gradeSubmission } from '../runner/submission.ts';
import { GRADER_VERSION } from '../runner/version.ts';
import { REPO_ROOT, SpecError, listPacks, loadPack } from '../spec/load.ts';
import { TensorFileError } from '../tensor/npy.ts';
import { syncFixtures } from '../checks/fixtures.ts';
import { formatSubmission } from '../../reports/terminal.ts';
import { referenceCommand } from './reference.ts';
import { dataCommand } from './data.ts';
import { DataError } from '../data/idx.ts';
import { resolveData } from '../data/datasets.ts';
import type { Pack } from '../spec/types.ts';
import { materializeClass } from './sample-class.ts';

class UsageError extends Error {}

const newSeed = () => randomBytes(6).toString('hex');
const DATA_HELP = "training checks' data: 'bundled' (the subset in fixtures/, the default), 'system' (the installed full set) or a folder or .npz";
const collect = (v: string, prev: string[]) => [...prev, v];

export async function main(argv: string[]): Promise<number> {
  let exit = 0;
  const program = new Command('dlgrade')
    .description('Automatic grader and homework test harness for deep-learning courses')
    .version(GRADER_VERSION)
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) });

  program
    .command('check')
    .description("check one submission with the pack's checks (a student's local run)")
    .argument('[dir]', 'the submission folder', '.')
    .requiredOption('-a, --assignment <pack>', "a shipped pack's name or a path to a pack")
    .option('--json <file>', 'also write the result as JSON')
    .option('--only <glob>', 'run only checks whose id matches (repeatable)', collect, [])
    .option('--skip <glob>', 'skip checks whose id matches (repeatable)', collect, [])
    .option('--seed <seed>', 'seed for the hidden inputs (default: random, recorded)')
    .option('--python <path>', 'the Python interpreter to use')
    .option('--data <where>', DATA_HELP)
    .action(async (dir: string, o) => {
      const pack = loadPack(o.assignment);
      if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) throw new UsageError(`${dir}: no such submission folder`);
      const python = await resolvePython(pack.spec.python, o.python);
      checkData(pack, o.data);
      const result = await gradeSubmission(pack, dir, { seed: o.seed ?? newSeed(), python, only: o.only, skip: o.skip, data: o.data });
      if (!result.checks.length) throw new UsageError('no check matches --only/--skip');
      console.log(formatSubmission(result));
      if (o.json) writeAtomic(path.resolve(o.json), toJson(result));
      exit = result.checks.every((c) => c.status === 'passed' || c.status === 'skipped') ? 0 : 1;
    });

  program
    .command('grade')
    .description('grade a folder of submissions (every sub-folder is one) and write a gradebook')
    .argument('<submissions>', 'folder holding one folder per submission')
    .requiredOption('-a, --assignment <pack>', "a shipped pack's name or a path to a pack")
    .requiredOption('-o, --out <dir>', 'where results and the gradebook go')
    .option('-j, --jobs <n>', 'submissions graded at once', String(Math.max(1, os.availableParallelism())))
    .option('--only <glob>', 'run only checks whose id matches (repeatable)', collect, [])
    .option('--skip <glob>', 'skip checks whose id matches (repeatable)', collect, [])
    .option('--seed <seed>', 'seed for the hidden inputs (default: random, recorded)')
    .option('--python <path>', 'the Python interpreter to use')
    .option('--data <where>', DATA_HELP)
    .action(async (dir: string, o) => {
      exit = await grade(dir, o.assignment, o.out, { jobs: Number(o.jobs), seed: o.seed, python: o.python, only: o.only, skip: o.skip, data: o.data });
    });

  program
    .command('demo')
    .description('grade the bundled sample class of every shipped pack and say where the results are')
    .option('-o, --out <dir>', 'where to put the class and the results', path.join(REPO_ROOT, 'out', 'demo'))
    .option('-j, --jobs <n>', 'submissions graded at once', String(Math.max(1, os.availableParallelism())))
    .option('--python <path>', 'the Python interpreter to use')
    .action(async (o) => {
      for (const name of listPacks()) {
        const classDir = materializeClass(name, path.join(o.out, 'class', name));
        if (!classDir) continue;
        console.log(`\n== ${name}: the sample class (${classDir})`);
        await grade(classDir, name, path.join(o.out, 'results', name), { jobs: Number(o.jobs), seed: 'demo', python: o.python });
      }
      console.log(`\nResults: ${path.join(o.out, 'results')}/<pack>/<student>/result.json and gradebook.csv`);
    });

  program
    .command('fixtures')
    .description("regenerate fixtures/<pack>/: every published case's inputs and expected outputs as .npz")
    .option('--check', 'only report fixtures that are out of date (exit 1 if any)')
    .action((o) => {
      for (const name of listPacks()) {
        const differ = syncFixtures(loadPack(name), path.join(REPO_ROOT, 'fixtures', name), !!o.check);
        if (o.check && differ.length) {
          console.log(`${name}: out of date: ${differ.join(', ')} (run: npm run -s dlgrade -- fixtures)`);
          exit = 1;
        } else if (!o.check) console.log(`${name}: wrote fixtures/${name}/`);
      }
    });

  referenceCommand(program, (code) => { exit = code; });
  dataCommand(program, (code) => { exit = code; });

  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : 2;
    if (e instanceof SpecError || e instanceof EnvironmentError || e instanceof UsageError || e instanceof TensorFileError || e instanceof DataError) {
      console.error(`dlgrade: ${e.message}`);
      return 2;
    }
    throw e;
  }
  return exit;
}

/** A --data that cannot be read is the user's mistake: say so before any student is graded. */
function checkData(pack: Pack, data: string | undefined) {
  for (const c of pack.spec.checks) if (c.train) resolveData(c.train.data, data);
}

async function grade(dir: string, assignment: string, out: string, o: { jobs: number; seed?: string; python?: string; only?: string[]; skip?: string[]; data?: string }): Promise<number> {
  const pack = loadPack(assignment);
  if (!Number.isInteger(o.jobs) || o.jobs < 1) throw new UsageError(`--jobs must be a positive whole number`);
  const python = await resolvePython(pack.spec.python, o.python);
  checkData(pack, o.data);
  const seed = o.seed ?? newSeed();
  const started = Date.now();
  const results = await gradeBatch(pack, dir, out, {
    seed, python, jobs: o.jobs, only: o.only, skip: o.skip, data: o.data,
    onResult: (r, done, total) => {
      const passed = r.checks.filter((c) => c.status === 'passed').length;
      console.log(`[${String(done).padStart(String(total).length)}/${total}] ${r.submission.padEnd(24)} ${String(r.score).padStart(5)}/${r.max_score}  (${passed}/${r.checks.length} checks, ${r.seconds.toFixed(1)} s)`);
    },
  });
  console.log(`Graded ${results.length} submissions in ${((Date.now() - started) / 1000).toFixed(1)} s (seed ${seed}); gradebook: ${path.join(out, 'gradebook.csv')}`);
  return 0;
}

