/**
 * The dlgrade command line: declares the commands (each in its own file) and maps what they
 * throw to exit codes. 0: every check passed (or the command succeeded); 1: a check failed;
 * 2: a usage, spec or environment error (any DlgradeError), printed without a stack.
 */
import { Command, CommanderError } from 'commander';
import { DlgradeError } from '../common/errors.ts';
import { GRADER_VERSION } from '../runner/version.ts';
import { assignCommand } from './assign.ts';
import { autogradeCommand } from './autograde.ts';
import { cacheCommand } from './cache.ts';
import { calibrateCommand, packCommand } from './calibrate.ts';
import { checkCommand } from './check.ts';
import { classCommand } from './class.ts';
import { dataCommand } from './data.ts';
import { demoCommand } from './demo.ts';
import { diffCommand } from './diff.ts';
import { exportCommand } from './export.ts';
import { fixturesCommand } from './fixtures.ts';
import { gradeCommand } from './grade.ts';
import { gradescopeCommand } from './gradescope.ts';
import { initCommand } from './init.ts';
import { mergeCommand } from './merge.ts';
import type { Cli } from './options.ts';
import { referenceCommand } from './reference.ts';
import { runnerCommand } from './runner.ts';
import { slurmCli } from './slurm.ts';

const COMMANDS = [
  checkCommand, gradeCommand, mergeCommand, exportCommand, diffCommand, slurmCli, calibrateCommand, packCommand, runnerCommand, demoCommand, classCommand, initCommand, assignCommand, autogradeCommand, gradescopeCommand, fixturesCommand, cacheCommand, referenceCommand, dataCommand,
];

export async function main(argv: string[]): Promise<number> {
  // Everything before this (node, loading the grader) is the profile's "cli start".
  const startedAt = performance.now();
  let exit = 0;
  const cli: Cli = { setExit: (code) => { exit = code; }, startedAt };
  const program = new Command('dlgrade')
    .description('Automatic grader and homework test harness for deep-learning courses')
    .version(GRADER_VERSION)
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) });
  for (const register of COMMANDS) register(program, cli);

  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : 2;
    if (!(e instanceof DlgradeError)) throw e;
    console.error(`dlgrade: ${e.message}`);
    // In a student's CI the log is long; the annotation puts the reason on the run's page.
    if (argv.includes('--ci') && process.env.GITHUB_ACTIONS === 'true') console.log(`::error title=dlgrade could not run::${e.message.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A')}`);
    return e.exitCode;
  }
  return exit;
}
