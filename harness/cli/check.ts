/**
 * `dlgrade check`: one submission, a student's own run (locally or in their CI). Results are not
 * cached: each check draws a new seed, so none would ever be reused.
 */
import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import type { Command } from 'commander';
import { resolveInterpreter } from '../python/environment.ts';
import { gradeSubmission } from '../runner/submission.ts';
import { loadPack } from '../spec/load.ts';
import type { AssignmentSpec } from '../spec/types.ts';
import { findBubblewrap, resolveIsolation } from '../worker/sandbox.ts';
import { reportToGithub } from '../../reports/github.ts';
import { markdownSummary } from '../../reports/markdown.ts';
import { type SubmissionReportName, submissionFile, writeSubmissionReport, writeSubmissionReports } from '../../reports/registry.ts';
import type { ReportOptions } from '../../reports/reporter.ts';
import { formatSubmission, terminalColor } from '../../reports/terminal.ts';
import { REPORT_DIR } from './init.ts';
import { type Cli, type GradingOptions, UsageError, gradingOptions, visibility } from './options.ts';
import { checkData, openCache, pythonMemo, runnerFor } from './setup.ts';

/** `check`'s single-file outputs: each option names the reporter it writes. */
const FILE_OPTIONS: SubmissionReportName[] = ['json', 'html', 'junit', 'markdown', 'gradescope'];
/** What --ci writes into its folder. */
const CI_REPORTS: SubmissionReportName[] = ['junit', 'markdown', 'html', 'json'];

interface CheckOptions extends GradingOptions, Partial<Record<SubmissionReportName, string>> {
  ci?: boolean;
  reportDir: string;
  sandbox: boolean;
  cache: boolean;
}

export function checkCommand(program: Command, cli: Cli) {
  const cmd = gradingOptions(
    program
      .command('check')
      .description("check one submission with the pack's checks (a student's local run)")
      .argument('[dir]', 'the submission folder', '.'),
    'seed for the hidden inputs (default: random, recorded)',
  )
    .option('--json <file>', 'also write the result as JSON')
    .option('--html <file>', 'also write the HTML report')
    .option('--junit <file>', 'also write JUnit XML')
    .option('--markdown <file>', 'also write the Markdown summary')
    .option('--gradescope <file>', "also write Gradescope's results.json")
    .option('--ci', `CI mode: write ${CI_REPORTS.map(submissionFile).join(', ')} into --report-dir, annotate failures and fill the step summary under GitHub Actions`)
    .option('--report-dir <dir>', 'where --ci writes its reports', REPORT_DIR)
    .option('--no-sandbox', 'run the code without bubblewrap (used anyway when bubblewrap is missing: it is your own code)')
    .option('--no-cache', 'do not remember which interpreter the pack resolved to (in the cache folder)');
  cmd.action(async (dir: string, o: CheckOptions) => cli.setExit(await check(dir, o)));
}

async function check(dir: string, o: CheckOptions): Promise<number> {
  const opts: ReportOptions = { gradescopeHiddenVisibility: visibility(o.gradescopeHiddenVisibility) };
  const pack = loadPack(o.assignment);
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) throw new UsageError(`${dir}: no such submission folder`);
  const python = await resolveInterpreter(pack.spec, { python: o.python, octave: o.octave }, pythonMemo(openCache(o.cache === false ? false : undefined)));
  checkData(pack, o.data);
  // A student checking their own code needs no protection from it: without bubblewrap the
  // check runs unsandboxed and says so. `grade`, which runs other people's code, refuses.
  let sandbox = o.sandbox;
  let why: string | undefined;
  if (sandbox && !(await findBubblewrap())) {
    console.error('dlgrade: bubblewrap is not installed: running your code without a sandbox (limits still apply)');
    sandbox = false;
    why = 'bubblewrap not installed';
  }
  const isolation = await resolveIsolation({ sandbox, why, python: python.executable, language: pack.spec.worker, hide: [pack.dir, dir] });
  const runner = await runnerFor(pack, python.executable, o.tags);
  const seed = o.seed ?? randomBytes(6).toString('hex');
  const result = await gradeSubmission(pack, dir, { seed, python, runner, isolation, only: o.only, skip: o.skip, data: o.data });
  if (!result.checks.length) throw new UsageError('no check matches --only/--skip');
  const later = atGradingNote(pack.spec);
  if (later) result.notes = [...(result.notes ?? []), later];
  console.log(formatSubmission(result, terminalColor()));
  for (const name of FILE_OPTIONS) {
    const file = o[name];
    if (file) writeSubmissionReport(name, path.resolve(file), result, opts);
  }
  if (o.ci) {
    const files = writeSubmissionReports(path.resolve(o.reportDir), result, CI_REPORTS, opts);
    const did = reportToGithub(result, markdownSummary(result), process.env, (l) => console.log(l));
    console.log(`Reports: ${Object.values(files).map((f) => path.join(o.reportDir, f)).join(', ')}${did.length ? `; GitHub: ${did.join(', ')}` : ''}`);
  }
  return result.checks.every((c) => c.status === 'passed' || c.status === 'skipped') ? 0 : 1;
}

/** A student edition's word on what its score leaves out: hidden cases and answers run at grading time. */
function atGradingNote(spec: AssignmentSpec): string | undefined {
  const later = spec.edition?.at_grading;
  if (!later?.length) return undefined;
  const points = Math.round(later.reduce((s, a) => s + a.points, 0) * 100) / 100;
  const hidden = later.filter((a) => a.reason.includes('hidden')).length;
  const rest = later.filter((a) => !a.reason.includes('hidden')).map((a) => `${a.check} (${a.reason})`);
  const parts = [...(hidden ? [`the hidden cases of ${hidden} check${hidden === 1 ? '' : 's'}`] : []), ...rest];
  return `student edition: scored on the published cases' expected values; ${parts.join(', ')} run at grading time, for ${points} more points (not in this score)`;
}
