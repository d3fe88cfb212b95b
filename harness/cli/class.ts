/**
 * `dlgrade class FILE`: grades a class file (fixtures/class/*.yaml, or one of the instructor's
 * own) and holds every student to the verdict the file says they deserve. The demo grades the
 * shipped classes; this proves a class where the tests cannot run it (a GPU runner's class).
 */
import path from 'node:path';
import type { Command } from 'commander';
import { readResult } from '../results/read.ts';
import { RESULT_FILE } from '../results/write.ts';
import { grade } from './grade.ts';
import { type Cli, defaultJobs, parseReports } from './options.ts';
import { expectationProblems, loadClassFile, materializeClassFile } from './sample-class.ts';

export function classCommand(program: Command, cli: Cli) {
  program
    .command('class')
    .description('grade a class file\'s students and check each got the verdict the file says')
    .argument('<file>', 'a class file (see fixtures/class/mlp-numpy.yaml for the format)')
    .requiredOption('-o, --out <dir>', 'where the class (OUT/class) and the results (OUT/results) go')
    .option('-a, --assignment <pack>', "the pack (default: the file's `pack`, else its name)")
    .option('-j, --jobs <n>', 'submissions graded at once', defaultJobs())
    .option('--seed <seed>', 'seed for the hidden inputs', 'class')
    .option('--python <path>', 'the Python interpreter to use')
    .option('--tags <list>', "this runner's tags, e.g. cpu,gpu (default: detected)")
    .option('--no-sandbox', 'run student code without bubblewrap (no isolation; limits still apply)')
    .option('--reports <list>', 'outputs to write besides result.json and gradebook.csv', 'text')
    .action(async (file: string, o) => {
      const doc = loadClassFile(file);
      const pack = o.assignment ?? doc.pack ?? path.basename(file, '.yaml');
      const classDir = materializeClassFile(file, path.join(o.out, 'class'), pack);
      const results = path.join(o.out, 'results');
      await grade(classDir, pack, results, {
        jobs: Number(o.jobs), seed: o.seed, python: o.python, only: doc.only, limits: doc.limits, tags: o.tags,
        sandbox: o.sandbox, force: true, cache: false, reports: parseReports(o.reports),
      });
      let wrong = 0;
      console.log('');
      for (const s of doc.students) {
        const r = readResult(path.join(results, s.name, RESULT_FILE));
        const problems = typeof r === 'string' ? [r] : expectationProblems(s, r);
        if (problems.length) wrong++;
        console.log(problems.length ? `✗ ${s.name}: ${problems.join('; ')}` : `✓ ${s.name}: as the class file says`);
      }
      console.log(`\n${doc.students.length - wrong} of ${doc.students.length} students got the verdict ${path.basename(file)} gives them`);
      cli.setExit(wrong ? 1 : 0);
    });
}
