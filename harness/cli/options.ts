/**
 * Options more than one command takes, declared once, and the parsing of their values. A value
 * that cannot be used is a UsageError: the message says what is allowed.
 */
import os from 'node:os';
import type { Command } from 'commander';
import { DlgradeError } from '../common/errors.ts';
import { DueError, type DuePolicy, duePolicy } from '../runner/late.ts';
import { type Roster, RosterError, readRoster } from '../runner/roster.ts';
import type { DueSpec, Limits, Pack } from '../spec/types.ts';
import { parseBytes } from '../worker/limits.ts';
import { REPORT_NAMES, type ReportName, isReportName } from '../../reports/registry.ts';
import { VISIBILITIES, type Visibility } from '../../reports/reporter.ts';

export class UsageError extends DlgradeError {}

/** What every command's action may need of the program around it. */
export interface Cli {
  /** The exit code the command ends with (0 unless set). */
  setExit(code: number): void;
  /** performance.now() when the command line started (the profile's "cli start"). */
  startedAt: number;
}

const collect = (v: string, prev: string[]) => [...prev, v];
export const DATA_HELP = "training checks' data: 'bundled' (the subset in fixtures/, the default), 'system' (the installed full set) or a folder or .npz";
export const CACHE_HELP = 'the result cache folder (default: $DLGRADE_CACHE, else $XDG_CACHE_HOME/dlgrade, else ~/.cache/dlgrade)';
export const defaultJobs = () => String(Math.max(1, os.availableParallelism()));

/** The options `check` and `grade` share: which checks, which interpreter and runner, the data, Gradescope's visibility. */
export function gradingOptions(cmd: Command, seedHelp: string): Command {
  return cmd
    .requiredOption('-a, --assignment <pack>', "a shipped pack's name or a path to a pack")
    .option('--only <glob>', 'run only checks whose id matches (repeatable)', collect, [])
    .option('--skip <glob>', 'skip checks whose id matches (repeatable)', collect, [])
    .option('--seed <seed>', seedHelp)
    .option('--python <path>', 'the Python interpreter to use')
    .option('--octave <path>', 'the Octave to run MATLAB hand-ins in (default: the pack\'s list, else octave-cli)')
    .option('--tags <list>', "this runner's tags, e.g. cpu,gpu (default: detected)")
    .option('--data <where>', DATA_HELP)
    .option('--gradescope-hidden-visibility <v>', `Gradescope visibility of checks with only hidden cases (${VISIBILITIES.join(', ')})`, 'after_published');
}

/** The shared options as the action receives them. */
export interface GradingOptions {
  assignment: string;
  only: string[];
  skip: string[];
  seed?: string;
  python?: string;
  octave?: string;
  tags?: string;
  data?: string;
  gradescopeHiddenVisibility: string;
}

export function visibility(v: string): Visibility {
  if (!(VISIBILITIES as readonly string[]).includes(v)) throw new UsageError(`--gradescope-hidden-visibility must be one of ${VISIBILITIES.join(', ')}`);
  return v as Visibility;
}

export function parseReports(list: string): ReportName[] {
  const names = list.split(',').map((s) => s.trim()).filter(Boolean);
  const unknown = names.filter((n) => n !== 'all' && !isReportName(n));
  if (unknown.length) throw new UsageError(`unknown report ${unknown.map((u) => `"${u}"`).join(', ')} (known: ${REPORT_NAMES.join(', ')}, all)`);
  return names.includes('all') ? REPORT_NAMES : (names as ReportName[]);
}

/** `--check-seconds`, `--submission-seconds`, `--memory` as overrides of the pack's limits. */
export function limitOptions(o: { checkSeconds?: string; submissionSeconds?: string; memory?: string }): Partial<Limits> {
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

/** The gradebook's options (`grade`): who each folder is, and the due date with its penalty. */
export function gradebookOptions(cmd: Command): Command {
  return cmd
    .option('--roster <csv>', 'class roster (Canvas\'s gradebook export, or columns such as name, email, folder): each result gets its student (docs/gradebook.md)')
    .option('--due <date>', "due date and time with its zone, e.g. 2026-10-01T23:59:00Z; overrides Gradescope's due_date and the pack's due.date (without it: Gradescope's where a submission has one, else the pack's)")
    .option('--grace <time>', 'time after the due date still on time, e.g. 15m (default: the pack\'s, else 0)')
    .option('--penalty <rule>', 'share of the points won taken per day (or hour) late, counted up, e.g. 10%/day (default: the pack\'s, else none)')
    .option('--penalty-cap <pct>', 'the most the penalty takes, e.g. 50% (default: the pack\'s, else 100%)');
}

/** The gradebook's options as the action receives them. */
export interface GradebookOptions {
  roster?: string;
  due?: string;
  grace?: string;
  penalty?: string;
  penaltyCap?: string;
}

/** The due policy the options and the pack give together; what cannot be read is a UsageError saying what would do. */
export function duePolicyOf(o: GradebookOptions, pack: Pack): DuePolicy | undefined {
  const given: DueSpec = { date: o.due, grace: o.grace, penalty: o.penalty, cap: o.penaltyCap };
  try {
    return duePolicy(given, pack.spec.due, `${pack.dir}/assignment.yaml`);
  } catch (e) {
    if (e instanceof DueError) throw new UsageError(e.message);
    throw e;
  }
}

export function rosterOf(file: string | undefined): Roster | undefined {
  if (file === undefined) return undefined;
  try {
    return readRoster(file);
  } catch (e) {
    if (e instanceof RosterError) throw new UsageError(`--roster ${e.message}`);
    throw e;
  }
}
