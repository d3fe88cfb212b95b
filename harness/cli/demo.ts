/** `dlgrade demo`: the bundled sample class of every shipped pack, graded, with its reports. */
import path from 'node:path';
import type { Command } from 'commander';
import { REPO_ROOT, listPacks } from '../spec/load.ts';
import { grade } from './grade.ts';
import { type Cli, defaultJobs } from './options.ts';
import { materializeClass } from './sample-class.ts';

export function demoCommand(program: Command, _cli: Cli) {
  program
    .command('demo')
    .description('grade the bundled sample class of every shipped pack and say where the results are')
    .option('-o, --out <dir>', 'where to put the class and the results', path.join(REPO_ROOT, 'out', 'demo'))
    .option('-j, --jobs <n>', 'submissions graded at once', defaultJobs())
    .option('--python <path>', 'the Python interpreter to use')
    .option('--no-sandbox', 'run student code without bubblewrap (no isolation; limits still apply)')
    .action(async (o) => {
      for (const name of listPacks()) {
        const classDir = materializeClass(name, path.join(o.out, 'class', name));
        if (!classDir) continue;
        console.log(`\n== ${name}: the sample class (${classDir})`);
        await grade(classDir, name, path.join(o.out, 'results', name), { jobs: Number(o.jobs), seed: 'demo', python: o.python, sandbox: o.sandbox, force: true, cache: false });
      }
      console.log(`\nResults: ${path.join(o.out, 'results')}/<pack>/index.html (open it in a browser), <student>/report.html, result.json and the other reports, gradebook.csv`);
    });
}
