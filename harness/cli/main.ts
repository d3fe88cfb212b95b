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
import { BatchError } from '../runner/batch.ts';
import { gradeSubmission } from '../runner/submission.ts';
import type { Limits } from '../spec/types.ts';
import { parseBytes } from '../worker/limits.ts';
import { SandboxError, findBubblewrap, resolveIsolation } from '../worker/sandbox.ts';
import { GRADER_VERSION } from '../runner/version.ts';
import { REPO_ROOT, SpecError, listPacks, loadPack } from '../spec/load.ts';
import { TensorFileError } from '../tensor/npy.ts';
import { syncFixtures } from '../checks/fixtures.ts';
import { formatSubmission } from '../../reports/terminal.ts';
import { reportToGithub } from '../../reports/github.ts';
import { markdownSummary } from '../../reports/markdown.ts';
import { DEFAULT_REPORTS, SUBMISSION_REPORTERS, UnknownReportError, parseReports, writeSubmissionReports } from '../../reports/registry.ts';
import { VISIBILITIES, type ReportOptions, type Visibility } from '../../reports/reporter.ts';
import { InitError, REPORT_DIR, initRepository } from './init.ts';
import { referenceCommand } from './reference.ts';
import { detectRunner, givenRunner } from '../python/tags.ts';
import { mergeResults, readResults } from '../runner/merge.ts';
import { gradebookCsv } from '../../reports/gradebook.ts';
import { dataCommand } from './data.ts';
import { DataError } from '../data/idx.ts';
import { materializeClass } from './sample-class.ts';
import { UsageError, checkData, grade, openCache, pythonMemo, runnerFor } from './grade.ts';

const newSeed = () => randomBytes(6).toString('hex');
const DATA_HELP = "training checks' data: 'bundled' (the subset in fixtures/, the default), 'system' (the installed full set) or a folder or .npz";
const collect = (v: string, prev: string[]) => [...prev, v];

function visibility(v: string): Visibility {
  if (!(VISIBILITIES as readonly string[]).includes(v)) throw new UsageError(`--gradescope-hidden-visibility must be one of ${VISIBILITIES.join(', ')}`);
  return v as Visibility;
}

/** `check`'s single-file outputs: option name → reporter name. */
const CHECK_FILES: [string, string][] = [['json', 'json'], ['html', 'html'], ['junit', 'junit'], ['markdown', 'markdown'], ['gradescope', 'gradescope']];
/** What --ci writes into its folder. */
const CI_REPORTS = ['junit', 'markdown', 'html', 'json'];

export async function main(argv: string[]): Promise<number> {
  // Everything before this (node, loading the grader) is the profile's "cli start".
  const startedAt = performance.now();
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
    .option('--html <file>', 'also write the HTML report')
    .option('--junit <file>', 'also write JUnit XML')
    .option('--markdown <file>', 'also write the Markdown summary')
    .option('--gradescope <file>', "also write Gradescope's results.json")
    .option('--gradescope-hidden-visibility <v>', `Gradescope visibility of checks with only hidden cases (${VISIBILITIES.join(', ')})`, 'after_published')
    .option('--ci', `CI mode: write ${CI_REPORTS.map((n) => SUBMISSION_REPORTERS.find((r) => r.name === n)!.file).join(', ')} into --report-dir, annotate failures and fill the step summary under GitHub Actions`)
    .option('--report-dir <dir>', 'where --ci writes its reports', REPORT_DIR)
    .option('--only <glob>', 'run only checks whose id matches (repeatable)', collect, [])
    .option('--skip <glob>', 'skip checks whose id matches (repeatable)', collect, [])
    .option('--seed <seed>', 'seed for the hidden inputs (default: random, recorded)')
    .option('--python <path>', 'the Python interpreter to use')
    .option('--tags <list>', 'this runner\'s tags, e.g. cpu,gpu (default: detected)')
    .option('--no-sandbox', 'run the code without bubblewrap (used anyway when bubblewrap is missing: it is your own code)')
    .option('--data <where>', DATA_HELP)
    .option('--no-cache', 'do not remember which interpreter the pack resolved to (in the cache folder)')
    .action(async (dir: string, o) => {
      const opts: ReportOptions = { gradescopeHiddenVisibility: visibility(o.gradescopeHiddenVisibility) };
      const pack = loadPack(o.assignment);
      if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) throw new UsageError(`${dir}: no such submission folder`);
      // Results are not cached here: each check draws a new seed, so none would ever be reused.
      const python = await resolvePython(pack.spec.python, o.python, pythonMemo(openCache(o.cache === false ? false : undefined)));
      checkData(pack, o.data);
      // A student checking their own code needs no protection from it: without bubblewrap the
      // check runs unsandboxed and says so. `grade`, which runs other people's code, refuses.
      let sandbox: boolean = o.sandbox;
      let why: string | undefined;
      if (sandbox && !(await findBubblewrap())) {
        console.error('dlgrade: bubblewrap is not installed: running your code without a sandbox (limits still apply)');
        sandbox = false;
        why = 'bubblewrap not installed';
      }
      const isolation = await resolveIsolation({ sandbox, why, python: python.executable, hide: [pack.dir, dir] });
      const runner = await runnerFor(pack, python.executable, o.tags);
      const result = await gradeSubmission(pack, dir, { seed: o.seed ?? newSeed(), python, runner, isolation, only: o.only, skip: o.skip, data: o.data });
      if (!result.checks.length) throw new UsageError('no check matches --only/--skip');
      console.log(formatSubmission(result));
      for (const [option, name] of CHECK_FILES) {
        if (!o[option]) continue;
        const rep = SUBMISSION_REPORTERS.find((r) => r.name === name)!;
        writeAtomic(path.resolve(o[option]), rep.render(result, opts));
      }
      if (o.ci) {
        const reportDir = path.resolve(o.reportDir);
        const files = writeSubmissionReports(reportDir, result, CI_REPORTS, opts);
        const did = reportToGithub(result, markdownSummary(result), process.env, (l) => console.log(l));
        console.log(`Reports: ${Object.values(files).map((f) => path.join(o.reportDir, f)).join(', ')}${did.length ? `; GitHub: ${did.join(', ')}` : ''}`);
      }
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
    .option('--seed <seed>', 'seed for the hidden inputs (default: the one OUT/batch.json recorded, else random)')
    .option('--python <path>', 'the Python interpreter to use')
    .option('--tags <list>', 'this runner\'s tags, e.g. cpu,gpu (default: detected)')
    .option('--shard <i/n>', 'grade only the i-th of n deterministic shares of the class (combine with dlgrade merge)')
    .option('--force', 'regrade every submission: reuse no earlier result, from OUT or from the cache')
    .option('--cache <dir>', 'the result cache folder (default: $DLGRADE_CACHE, else $XDG_CACHE_HOME/dlgrade, else ~/.cache/dlgrade)')
    .option('--no-cache', 'neither read nor write the result cache (results already in OUT for this exact run are still kept)')
    .option('--profile', 'print where the time went, phase by phase, and write it to OUT/profile.json')
    .option('--no-sandbox', 'run student code without bubblewrap (no isolation; limits still apply)')
    .option('--check-seconds <s>', "wall time per check (default: the pack's)")
    .option('--submission-seconds <s>', "wall time per submission (default: the pack's)")
    .option('--memory <size>', "address space per student process, e.g. 2G (default: the pack's)")
    .option('--data <where>', DATA_HELP)
    .option('--reports <list>', `outputs to write, comma-separated: ${[...SUBMISSION_REPORTERS.map((r) => r.name), 'index', 'gradebook'].join(', ')}, or all (result.json and gradebook.csv are always written)`, DEFAULT_REPORTS.join(','))
    .option('--gradescope-hidden-visibility <v>', `Gradescope visibility of checks with only hidden cases (${VISIBILITIES.join(', ')})`, 'after_published')
    .action(async (dir: string, o) => {
      exit = await grade(dir, o.assignment, o.out, {
        jobs: Number(o.jobs), seed: o.seed, python: o.python, only: o.only, skip: o.skip,
        sandbox: o.sandbox, force: !!o.force, limits: limitOptions(o), tags: o.tags, shard: o.shard, data: o.data,
        reports: parseReports(o.reports), reportOptions: { gradescopeHiddenVisibility: visibility(o.gradescopeHiddenVisibility) },
        cache: o.cache, profile: !!o.profile, startedAt,
      });
    });

  program
    .command('merge')
    .description('combine the results of shards, or of runners with different tags, into one gradebook')
    .argument('<dirs...>', 'results folders written by dlgrade grade --out')
    .requiredOption('-o, --out <dir>', 'where the merged results and gradebook go')
    .action((dirs: string[], o) => {
      let merged;
      try {
        merged = mergeResults(dirs.map(readResults));
      } catch (e) {
        throw new UsageError((e as Error).message);
      }
      for (const r of merged) writeAtomic(path.join(o.out, r.submission, 'result.json'), toJson(r));
      writeAtomic(path.join(o.out, 'gradebook.csv'), gradebookCsv(merged));
      const pending = merged.filter((r) => r.pending_score > 0).length;
      console.log(`Merged ${dirs.length} runs: ${merged.length} submissions${pending ? `, ${pending} with checks still pending` : ''}; gradebook: ${path.join(o.out, 'gradebook.csv')}`);
    });

  program
    .command('runner')
    .description('print what this runner offers to checks that need hardware (tags, devices)')
    .option('-a, --assignment <pack>', 'detect in the interpreter this pack would use')
    .option('--python <path>', 'the Python interpreter to use')
    .option('--tags <list>', 'override the detected tags')
    .action(async (o) => {
      const spec = o.assignment ? loadPack(o.assignment).spec.python : { interpreters: ['python3'] };
      const python = await resolvePython(spec, o.python);
      const info = o.tags ? givenRunner(o.tags) : await detectRunner(python.executable);
      console.log(`tags: ${info.tags.join(', ')} (${info.source})`);
      console.log(`python: ${python.executable} (Python ${python.python})${info.torch ? `, torch ${info.torch}` : ', no torch'}`);
      for (const d of info.devices) console.log(`device: ${d.name}${d.model ? ` ${d.model}` : ''}${d.memory_gib ? `, ${d.memory_gib} GiB` : ''}${d.cores ? `, ${d.cores} cores` : ''}`);
    });

  program
    .command('demo')
    .description('grade the bundled sample class of every shipped pack and say where the results are')
    .option('-o, --out <dir>', 'where to put the class and the results', path.join(REPO_ROOT, 'out', 'demo'))
    .option('-j, --jobs <n>', 'submissions graded at once', String(Math.max(1, os.availableParallelism())))
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

  program
    .command('init')
    .description("scaffold a student's repository: the pack's starter, a README and CI workflows that run the checks")
    .argument('<pack>', "a shipped pack's name or a path to a pack")
    .argument('<dir>', 'the folder to create (must be empty unless --force)')
    .option('--source <spec>', 'the npm package spec the student CI installs dlgrade from (name@version, git URL, tarball)', `dlgrade@${GRADER_VERSION}`)
    .option('--force', 'write into a folder that is not empty')
    .action((packName: string, dir: string, o) => {
      const pack = loadPack(packName);
      const files = initRepository(pack, path.resolve(dir), { source: o.source, force: !!o.force });
      console.log(`Wrote ${files.length} files into ${dir}: the ${pack.spec.name} starter, README.md, .github/workflows/dlgrade.yml, .gitlab-ci.yml`);
      console.log(`Student CI installs dlgrade from ${o.source}; that dlgrade must ship the ${pack.spec.name} pack.`);
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

  program
    .command('cache')
    .description('say where the result cache is and how much it holds; --clear empties it')
    .option('--cache <dir>', 'the result cache folder (default: $DLGRADE_CACHE, else $XDG_CACHE_HOME/dlgrade, else ~/.cache/dlgrade)')
    .option('--clear', 'remove every cached result and remembered interpreter')
    .action((o) => {
      const store = openCache(o.cache)!;
      if (o.clear) store.clear();
      const { entries, bytes } = store.usage();
      console.log(`${store.root}: ${entries} entr${entries === 1 ? 'y' : 'ies'}, ${(bytes / 2 ** 20).toFixed(1)} MiB${o.clear ? ' (cleared)' : ''}`);
    });

  referenceCommand(program, (code) => { exit = code; });
  dataCommand(program, (code) => { exit = code; });

  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : 2;
    if (e instanceof SpecError || e instanceof EnvironmentError || e instanceof UsageError || e instanceof TensorFileError || e instanceof SandboxError || e instanceof BatchError || e instanceof DataError || e instanceof UnknownReportError || e instanceof InitError) {
      console.error(`dlgrade: ${e.message}`);
      // In a student's CI the log is long; the annotation puts the reason on the run's page.
      if (argv.includes('--ci') && process.env.GITHUB_ACTIONS === 'true') console.log(`::error title=dlgrade could not run::${e.message.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A')}`);
      return 2;
    }
    throw e;
  }
  return exit;
}

function limitOptions(o: { checkSeconds?: string; submissionSeconds?: string; memory?: string }): Partial<Limits> {
  const limits: Partial<Limits> = {};
  const seconds = (v: string, flag: string) => {
    const n = Number(v);
    if (!(n > 0)) throw new UsageError(`${flag} must be a positive number of seconds`);
    return n;
  };
  if (o.checkSeconds !== undefined) limits.check_seconds = seconds(o.checkSeconds, '--check-seconds');
  if (o.submissionSeconds !== undefined) limits.submission_seconds = seconds(o.submissionSeconds, '--submission-seconds');
  if (o.memory !== undefined) {
    const n = parseBytes(o.memory);
    if (!(n >= 256 * 1024 ** 2)) throw new UsageError('--memory must be a size of at least 256M, such as 512M or 2G');
    limits.memory_bytes = n;
  }
  return limits;
}
