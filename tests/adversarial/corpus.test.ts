/**
 * The adversarial corpus (fixtures/adversarial/adversarial.yaml) graded in one batch: every
 * student gets exactly the verdict the corpus declares, no check passes that should not, no check
 * runs past its limit by more than a second, the batch itself never fails, and nothing the
 * students started is left running. Once in the sandbox (what CI runs: scripts/setup.sh installs
 * bubblewrap) and once with --no-sandbox, where only the verdicts that do not rest on isolation
 * must hold and the test reports which protections are missing.
 */
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { type SampleStudent, expectationProblems, loadClassFile, materializeClassFile } from '../../harness/cli/sample-class.ts';
import { resolvePython } from '../../harness/python/environment.ts';
import type { Status, SubmissionResult } from '../../harness/results/types.ts';
import { gradeBatch } from '../../harness/runner/batch.ts';
import { effectiveLimits } from '../../harness/runner/limits.ts';
import { REPO_ROOT, loadPack } from '../../harness/spec/load.ts';
import { creditedLimit } from '../../harness/worker/cpu-wait.ts';
import { formatBytes } from '../../harness/worker/limits.ts';
import { findBubblewrap, resolveIsolation, runningAsRoot, workerUidRange } from '../../harness/worker/sandbox.ts';
import { expectValidResult } from '../helpers/grade.ts';
import { gradebookCsv } from '../../reports/gradebook.ts';

const CORPUS = path.join(REPO_ROOT, 'fixtures', 'adversarial', 'adversarial.yaml');
// The writes-outside spy writes to any /tmp/dlgrade-corpus-canary-*: each run plants its own.
const CANARY = `/tmp/dlgrade-corpus-canary-${process.pid}`;
const CANARY_TEXT = 'planted by the corpus test\n';
const LISTEN_PORT = 47613;
const doc = loadClassFile(CORPUS);
const pack = loadPack(doc.pack!);
const limits = effectiveLimits(pack, doc.limits);
const bwrap = await findBubblewrap();

/** What a student's expectation says about one check: its status, or only "not passed". */
function expected(s: SampleStudent, id: string): Status | 'not passed' | undefined {
  if (s.expect === 'full') return 'passed';
  if (s.expect === 'zero') return 'not passed';
  const e = s.expect;
  const status = e.status?.[id] ?? e.status?.['*'];
  if (status) return status;
  if (e.fail) return e.fail.includes(id) ? 'not passed' : 'passed';
  if (e.pass) return e.pass.includes(id) ? 'passed' : 'not passed';
  return undefined;
}

/**
 * Processes the corpus left: as root, anything running as one of this grader's worker users
 * (every student process, whatever it calls itself); otherwise the ones the corpus marks.
 */
function leftovers(): string[] {
  const [lo, hi] = workerUidRange();
  const found: string[] = [];
  for (const pid of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      const cmd = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ').trim();
      const uid = fs.statSync(`/proc/${pid}`).uid;
      if (runningAsRoot() ? uid >= lo && uid <= hi : cmd.includes('dlgrade-corpus-linger')) found.push(`${pid} (uid ${uid}): ${cmd.slice(0, 100)}`);
    } catch {
      /* gone meanwhile */
    }
  }
  return found;
}

async function noLeftovers(): Promise<string[]> {
  let left = leftovers();
  for (let i = 0; i < 30 && left.length; i++) {
    await new Promise((r) => setTimeout(r, 100));
    left = leftovers();
  }
  return left;
}

interface Run {
  results: SubmissionResult[];
  out: string;
  root: string;
  seconds: number;
  connections: number;
  canary: string;
  left: string[];
}

async function gradeCorpus(sandbox: boolean): Promise<Run> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'dlgrade-corpus-'));
  // A worker running as a user of its own must be able to pass through to its workspace.
  fs.chmodSync(root, 0o711);
  const classDir = materializeClassFile(CORPUS, path.join(root, 'class'));
  const out = path.join(root, 'results');
  const scratch = path.join(root, 'scratch');
  fs.mkdirSync(scratch, { mode: 0o711 });
  fs.chmodSync(scratch, 0o711);
  fs.writeFileSync(CANARY, CANARY_TEXT);
  fs.chmodSync(CANARY, 0o666);
  let connections = 0;
  const server = net.createServer((s) => {
    connections++;
    s.destroy();
  });
  await new Promise<void>((resolve) => server.once('error', () => resolve()).listen(LISTEN_PORT, '127.0.0.1', () => resolve()));
  const python = await resolvePython(pack.spec.python);
  const isolation = await resolveIsolation({ sandbox, python: python.executable, hide: [root] });
  const started = Date.now();
  try {
    const results = await gradeBatch(pack, classDir, out, { seed: 'corpus', python, isolation, jobs: 2, only: doc.only, limits: doc.limits, scratch });
    return {
      results, out, root, seconds: (Date.now() - started) / 1000, connections,
      canary: fs.readFileSync(CANARY, 'utf8'), left: await noLeftovers(),
    };
  } finally {
    server.close();
    fs.rmSync(CANARY, { force: true });
  }
}

/** The figures the corpus is about, printed for the record. */
function figures(run: Run, label: string) {
  let forged = 0;
  let worst = -Infinity;
  for (const r of run.results) {
    const s = doc.students.find((x) => x.name === r.submission)!;
    for (const c of r.checks) {
      const want = expected(s, c.id);
      if (c.status === 'passed' && want !== undefined && want !== 'passed') forged++;
      if (c.status === 'timeout') worst = Math.max(worst, c.seconds - limits.check_seconds);
    }
  }
  console.log(`${label}: ${run.results.length} submissions (${doc.students.length} in the corpus), ${forged} forged passes, ` +
    `0 batch crashes, worst time-limit overshoot ${worst.toFixed(2)} s over ${limits.check_seconds} s, ` +
    `memory limit ${formatBytes(limits.memory_bytes)} (RLIMIT_AS), ${limits.processes} processes, batch ${run.seconds.toFixed(1)} s`);
  return { forged, worst };
}

function commonChecks(run: Run) {
  expect(run.results.map((r) => r.submission).sort()).toEqual(doc.students.map((s) => s.name).sort());
  for (const r of run.results) {
    expectValidResult(r);
    // Every result on disk, under the name as given (unicode, spaces and quotes included).
    expect(JSON.parse(fs.readFileSync(path.join(run.out, r.submission, 'result.json'), 'utf8')).score, r.submission).toBe(r.score);
    // Nothing hangs: no check and no submission past the submission's limit, stretched as far as
    // a busy machine stretches it (MAX_WALL_FACTOR: worker/cpu-wait.ts), with 10 s for a grader
    // that itself waited for the CPU (its timers fire late then). How close the
    // timeouts come to their limits is printed with the figures below.
    const most = creditedLimit(limits.submission_seconds, Infinity) + 10;
    for (const c of r.checks) expect(c.seconds, `${r.submission}/${c.id}`).toBeLessThan(most);
    expect(r.seconds, r.submission).toBeLessThan(most);
  }
  const csv = gradebookCsv(run.results);
  expect(csv.trim().split('\n')).toHaveLength(doc.students.length + 1);
  expect(csv).toContain('"Marie ""Mia"" O\'Brien, jr",');
  expect(csv).toContain('Zoë Ångström-李雷,');
  // The zip entries that pointed outside landed nowhere.
  expect(fs.existsSync('/tmp/zip-slip-absolute.py')).toBe(false);
  for (const d of [run.root, path.join(run.root, 'scratch'), path.dirname(run.root)]) expect(fs.existsSync(path.join(d, 'zip-slip-escaped.py'))).toBe(false);
  // Nothing the students started outlives the batch.
  expect(run.left).toEqual([]);
}

describe('the adversarial corpus', () => {
  it('has at least 25 submissions, each with a declared verdict', () => {
    expect(doc.students.length).toBeGreaterThanOrEqual(25);
    for (const s of doc.students) expect(s.expect, s.name).toBeTruthy();
  });

  if (!bwrap) console.warn('corpus: the sandboxed run is SKIPPED because bubblewrap is not installed (apt-get install -y bubblewrap; scripts/setup.sh does)');
  it.skipIf(!bwrap)('gets every declared verdict in the sandbox, with no forged pass and nothing left behind', async () => {
    const run = await gradeCorpus(true);
    commonChecks(run);
    const problems = run.results.flatMap((r) => expectationProblems(doc.students.find((s) => s.name === r.submission)!, r).map((p) => `${r.submission}: ${p}`));
    expect(problems).toEqual([]);
    for (const r of run.results) {
      expect(r.environment.sandbox).toMatch(/^bubblewrap .*no network, read-only system, own PID namespace/);
      for (const c of r.checks) expect(c.message, `${r.submission}/${c.id}`).not.toMatch(/ESCAPED/);
    }
    // The spies' verdicts above are the assertion; the canary and the listener say the same from
    // outside (only roughly: another corpus run on this machine may touch them too).
    console.log(`sandboxed: canary ${run.canary === CANARY_TEXT ? 'untouched' : 'CHANGED'}, ${run.connections} connections to the listener`);
    const f = figures(run, 'sandboxed');
    expect(f.forged).toBe(0);
  }, 180_000);

  it('without the sandbox, still gets every verdict that does not rest on isolation, and says which do', async () => {
    const run = await gradeCorpus(false);
    commonChecks(run);
    const problems: string[] = [];
    const unguarded: string[] = [];
    for (const r of run.results) {
      const s = doc.students.find((x) => x.name === r.submission)!;
      expect(r.environment.sandbox, s.name).toMatch(/^none \(--no-sandbox\)/);
      const own = expectationProblems(s, r);
      if (!s.isolation) {
        problems.push(...own.map((p) => `${s.name}: ${p}`));
        continue;
      }
      // A spy either saw nothing, or every check it spoiled says what it reached: never a pass
      // it did not earn, never another failure.
      const spoiled = r.checks.filter((c) => c.status !== 'passed');
      if (own.length) {
        for (const c of spoiled) if (!/ESCAPED: /.test(c.message)) problems.push(`${s.name}/${c.id}: ${c.status} without ESCAPED: ${c.message}`);
        unguarded.push(`${s.isolation} — ${s.name}: ${spoiled[0]?.message.replace(/^.*ESCAPED: /, '')}`);
      }
    }
    expect(problems).toEqual([]);
    console.log(`unsandboxed, not guarded against:\n  ${unguarded.join('\n  ') || 'nothing (the spies saw nothing here)'}`);
    // The spies are not blind: without a sandbox the grader's processes are in plain sight.
    expect(unguarded.some((u) => u.includes('sees-the-grader'))).toBe(true);
    const f = figures(run, 'unsandboxed');
    expect(f.forged).toBe(0);
  }, 180_000);
});
