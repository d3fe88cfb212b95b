/**
 * `dlgrade autograde`: what Gradescope's run_autograder runs (see gradescope.ts, which builds the
 * autograder.zip). It grades /autograder/submission, handed in as a folder, a folder inside a
 * folder, or a zip, and always writes /autograder/results/results.json: when grading itself
 * fails (a zip that cannot be unpacked, no interpreter for the pack), a result that says why.
 *
 * Gradescope's container gives no user namespaces, so bubblewrap cannot run there; the grader
 * then isolates as far as the container allows, and the result records what it had: each worker
 * as an unprivileged user of its own when the grader is root and the container allows setuid (the
 * process limit then counts that worker alone), as root where it does not; no network when
 * run_autograder could put the grader in a network namespace of its own (`--network isolated`);
 * the time, memory, process, file and output limits in every case.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Command } from 'commander';
import { DlgradeError } from '../common/errors.ts';
import { resolveInterpreter } from '../python/environment.ts';
import { ZipError, extractZip } from '../runner/zip.ts';
import { gradeSubmission } from '../runner/submission.ts';
import { IGNORED } from '../runner/workspace.ts';
import { loadPack } from '../spec/load.ts';
import type { Pack } from '../spec/types.ts';
import { type Isolation, SandboxError, findBubblewrap, resolveIsolation, runningAsRoot, workerUidRange } from '../worker/sandbox.ts';
import { gradescopeFailure, gradescopeResults } from '../../reports/gradescope.ts';
import { formatSubmission } from '../../reports/terminal.ts';
import { type Cli, visibility } from './options.ts';
import { runnerFor } from './setup.ts';

interface AutogradeOptions {
  pack: string;
  submission: string;
  results: string;
  network: string;
  gradescopeHiddenVisibility: string;
  checkInterpreter?: boolean;
}

export function autogradeCommand(program: Command, cli: Cli) {
  program
    .command('autograde')
    .description("grade a Gradescope submission, as run_autograder does; always writes results.json")
    .option('--pack <dir>', 'the autograder edition of the pack', '/autograder/source/pack')
    .option('--submission <dir>', 'the hand-in: a folder, a folder inside it, or a zip in it', '/autograder/submission')
    .option('--results <file>', "where Gradescope reads the results", '/autograder/results/results.json')
    .option('--network <state>', "what run_autograder found: 'isolated' (the grader runs in a network namespace of its own) or 'shared'", 'shared')
    .option('--gradescope-hidden-visibility <v>', 'Gradescope visibility of checks with only hidden cases', 'after_published')
    .option('--check-interpreter', "only say whether an interpreter meets the pack's requirements (setup.sh asks before installing); exit 1 if none does")
    .action(async (o: AutogradeOptions) => cli.setExit(o.checkInterpreter ? await checkInterpreter(o.pack) : await autograde(o)));
}

async function checkInterpreter(packDir: string): Promise<number> {
  const pack = loadPack(packDir);
  try {
    const found = await resolveInterpreter(pack.spec, {});
    console.log(`dlgrade: ${found.executable} meets ${pack.spec.name}'s requirements`);
    return 0;
  } catch (e) {
    if (!(e instanceof DlgradeError)) throw e;
    console.log(`dlgrade: ${e.message}`);
    return 1;
  }
}

/** The hand-in cannot be graded at all (an archive that cannot be read, nothing handed in). */
class HandInError extends Error {}

async function autograde(o: AutogradeOptions): Promise<number> {
  const started = Date.now();
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'dlgrade-autograde-'));
  let isolation: Isolation | undefined;
  try {
    const pack = loadPack(o.pack);
    const python = await resolveInterpreter(pack.spec, {});
    isolation = await containerIsolation(pack, python.executable, [o.pack, o.submission], o.network === 'isolated');
    const handIn = prepareHandIn(pack, o.submission, scratch);
    const runner = await runnerFor(pack, python.executable);
    const result = await gradeSubmission(pack, handIn.dir, {
      seed: randomBytes(6).toString('hex'), python, runner, isolation, name: 'submission', notes: handIn.notes,
    });
    // Gradescope shows the instructor what run_autograder printed: the full terminal report.
    console.log(formatSubmission(result, false));
    write(o.results, gradescopeResults(result, { gradescopeHiddenVisibility: visibility(o.gradescopeHiddenVisibility) }));
  } catch (e) {
    const reason = e instanceof HandInError || e instanceof Error ? e.message : String(e);
    console.error(`dlgrade autograde: ${e instanceof HandInError ? reason : (e as Error).stack ?? reason}`);
    write(o.results, gradescopeFailure(reason, (Date.now() - started) / 1000, isolation ? { isolation: isolation.description } : {}));
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
  return 0;
}

function write(file: string, value: unknown) {
  fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(value, null, 2) + '\n');
  fs.renameSync(tmp, file);
}

/** Names a zip tool or a file manager leaves beside a hand-in that are no part of it. */
const LITTER = new Set([...IGNORED, '__MACOSX', '.DS_Store', 'Thumbs.db']);

/**
 * The folder to grade. A lone .zip is unpacked (and its lone top folder unwrapped); a lone folder
 * whose name is none of the starter's (a student's "hw3/" around lib/) is graded in its place.
 */
export function prepareHandIn(pack: Pack, submission: string, scratch: string): { dir: string; notes: string[] } {
  if (!fs.existsSync(submission) || !fs.statSync(submission).isDirectory()) throw new HandInError(`no hand-in: ${submission} is not a folder`);
  const rootNames = new Set(['starter', 'solution'].flatMap((d) => (fs.existsSync(path.join(pack.dir, d)) ? fs.readdirSync(path.join(pack.dir, d)) : [])));
  const notes: string[] = [];
  const entries = (dir: string) => fs.readdirSync(dir).filter((n) => !LITTER.has(n));
  let dir = submission;
  const top = entries(dir);
  if (!top.length) throw new HandInError('nothing was handed in');
  if (top.length === 1 && top[0].toLowerCase().endsWith('.zip') && fs.statSync(path.join(dir, top[0])).isFile()) {
    const into = path.join(scratch, 'unzipped');
    try {
      const x = extractZip(path.join(dir, top[0]), into, rootNames);
      if (x.skipped.length) notes.push(`not unpacked from ${top[0]}: ${x.skipped.join(', ')}`);
      if (x.unwrapped) notes.push(`graded the folder ${x.unwrapped}/ inside ${top[0]}`);
    } catch (e) {
      if (!(e instanceof ZipError)) throw e;
      throw new HandInError(`${top[0]} could not be unpacked: ${e.message}. Hand in a .zip made by a zip tool, or the files themselves.`);
    }
    dir = into;
  }
  for (let names = entries(dir); names.length === 1 && !rootNames.has(names[0]) && fs.statSync(path.join(dir, names[0])).isDirectory(); names = entries(dir)) {
    notes.push(`graded the folder ${path.relative(submission, path.join(dir, names[0])) || names[0]}/ inside the hand-in`);
    dir = path.join(dir, names[0]);
  }
  return { dir, notes };
}

/**
 * The isolation this container allows, with what it lacks said in its description (which every
 * result records): bubblewrap where it can run, else limits, a user of its own where setuid
 * works, and the network namespace run_autograder made.
 */
async function containerIsolation(pack: Pack, python: string, hide: string[], netIsolated: boolean): Promise<Isolation> {
  let why: string;
  if (await findBubblewrap()) {
    try {
      return await resolveIsolation({ sandbox: true, python, language: pack.spec.worker, hide });
    } catch (e) {
      // A container without user namespaces fails bwrap's trial run, or (root with one uid
      // mapped) the chown before it: either way there is no sandbox to be had.
      const code = (e as NodeJS.ErrnoException).code;
      why = e instanceof SandboxError ? 'bubblewrap cannot run here: no user namespaces in this container'
        : `bubblewrap cannot run here: ${code === 'EINVAL' || code === 'EPERM' ? `this container maps no other user id (${code})` : (e as Error).message.split('\n')[0]}`;
    }
  } else why = 'bubblewrap is not installed';
  const root = runningAsRoot();
  const ownUser = root && canRunAsOtherUser(python);
  const who = ownUser
    ? 'as an unprivileged user of its own (its process limit counts it alone)'
    : root ? 'as root: this container allows no other user (so the process limit does not apply)' : "as the grader's user";
  const net = netIsolated ? 'no network (a network namespace of its own)' : 'the network (this container allows no network namespace)';
  return {
    kind: 'none',
    ownUser,
    description: `none (${why}): the student's code ran ${who}, with ${net}, could read what that user can read and outlive a check if it tried hard`,
  };
}

/** Whether a worker could run as a user of its own: a file given to it, and the interpreter started as it. */
function canRunAsOtherUser(python: string): boolean {
  const uid = workerUidRange()[1];
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dlgrade-uid-'));
  try {
    fs.chownSync(dir, uid, uid);
    const r = spawnSync(python, ['-c', 'import os, sys; sys.exit(0 if os.getuid() == int(sys.argv[1]) else 3)', String(uid)], { uid, gid: uid, cwd: dir, stdio: 'ignore', timeout: 60_000 });
    return !r.error && r.status === 0;
  } catch {
    return false;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
