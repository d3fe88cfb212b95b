/**
 * `npm run bench`: dlgrade against the usual ways of grading, side by side, in one run on one
 * machine. Generates the class (bench/class.ts), then grades it
 *   - with dlgrade (the CLI, both packs, --jobs 1 and 2, a fresh --out and an empty result cache
 *     each, --seed bench, training checks skipped like the baselines have none), then the same
 *     command again (re-grading: results kept in --out), and once more into a new --out (every
 *     result from the cache, every report written);
 *   - with baseline 1, a pytest suite run once per submission (bench/baselines/pytest);
 *   - with baseline 2, the course's notebook checks with full numerical gradients
 *     (bench/baselines/course), on a sample of the class, extrapolated and labelled as such;
 * and prints one table (also written to bench/results/latest.json).
 *
 *   npm run bench -- [--n 60] [--jobs 1,2] [--course-sample 8|all] [--course-budget 10]
 *                    [--course-elements 30] [--json FILE] [--keep]
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { packFixtures } from '../harness/checks/fixtures.ts';
import { resolvePython } from '../harness/python/environment.ts';
import { loadPack, resolvePackDir } from '../harness/spec/load.ts';
import { type BenchClass, type BenchSubmission, PACKS, generateClass, trainingChecks } from './class.ts';
import { type Finished, TreeMemory, addCounts, forwardCounts, pool, requireGnuTime, scheduleWall, sumCounts, timed } from './measure.ts';

const BENCH = path.dirname(fileURLToPath(import.meta.url));
const REPO = path.dirname(BENCH);
const BIN = path.join(REPO, 'bin', 'dlgrade.mjs');

// ---------------------------------------------------------------- options

const argv = process.argv.slice(2);
const opt = (name: string, fallback: string) => {
  const i = argv.indexOf(name);
  return i >= 0 && i + 1 < argv.length ? argv[i + 1] : fallback;
};
const N = Number(opt('--n', '60'));
const JOBS = opt('--jobs', '1,2').split(',').map(Number);
const COURSE_SAMPLE = opt('--course-sample', '8');
const COURSE_BUDGET = Number(opt('--course-budget', '10'));
const COURSE_ELEMENTS = Number(opt('--course-elements', '30'));
const JSON_OUT = path.resolve(opt('--json', path.join(BENCH, 'results', 'latest.json')));
const KEEP = argv.includes('--keep');
if (!Number.isInteger(N) || N < 2) throw new Error('--n: at least 2 submissions');
if (!JOBS.length || JOBS.some((j) => !Number.isInteger(j) || j < 1)) throw new Error('--jobs: e.g. 1,2');

// ---------------------------------------------------------------- model of a run

interface Outcome {
  name: string;
  /** Check ids (of both packs) that did not pass. */
  notPassed: string[];
  /** Checks that ran at all (0: the grader never got to this submission's checks). */
  ran: number;
  counts?: Record<string, number>;
  wall?: number;
  cpu?: number;
}

interface GraderRun {
  grader: 'dlgrade' | 'dlgrade re-run' | 'dlgrade re-run, new --out' | 'pytest (baseline 1)' | 'course (baseline 2)';
  jobs: number;
  /** Submissions actually graded. */
  ran: number;
  wall: number;
  cpu: number;
  peakTreeMiB: number;
  maxProcMiB: number;
  counts: Record<string, number>;
  /** Submissions whose forward counts were found (the instrumentation reached them). */
  counted: number;
  outcomes: Outcome[];
  /** Set when figures are estimates for the whole class, with how. */
  estimate?: { wall: number; cpu: number; counts: Record<string, number>; note: string };
  verify?: Verification;
  extra?: Record<string, unknown>;
}

interface Verification {
  mutants: number;
  /** Every check the mutant must fail failed. */
  caught: number;
  /** At least one check failed. */
  detected: number;
  correct: number;
  correctPassed: number;
  problems: string[];
}

const log = (s: string) => process.stderr.write(`${s}\n`);
const fmtS = (s: number) => (s >= 100 ? s.toFixed(0) : s >= 10 ? s.toFixed(1) : s.toFixed(2));
const fmtN = (n: number) => Math.round(n).toLocaleString('en-US');

// ---------------------------------------------------------------- setup

requireGnuTime();
const benchStarted = performance.now();
const load0 = os.loadavg();
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'dlgrade-bench-'));
const classDir = path.join(root, 'class');
const cls: BenchClass = generateClass(classDir, N);
const byName = new Map(cls.submissions.map((s) => [s.name, s]));
const kinds = cls.submissions.reduce<Record<string, number>>((a, s) => ({ ...a, [s.kind]: (a[s.kind] ?? 0) + 1 }), {});
log(`bench: ${N} submissions in ${classDir} (${Object.entries(kinds).map(([k, v]) => `${v} ${k}`).join(', ')})`);

// The pytest and course baselines read expected values precomputed from dlgrade's reference.
const fixturesDir = path.join(root, 'fixtures');
const fixturesStarted = performance.now();
for (const pack of PACKS) {
  for (const [rel, bytes] of packFixtures(loadPack(pack))) {
    const file = path.join(fixturesDir, pack, rel);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, bytes);
  }
}
const fixturesSeconds = (performance.now() - fixturesStarted) / 1000;

const python = await resolvePython(loadPack('mlp-numpy').spec.python);
const cnnPython = await resolvePython(loadPack('cnn-numpy').spec.python);
if (cnnPython.executable !== python.executable) log(`bench: note: the packs resolve different interpreters (${python.executable}, ${cnnPython.executable}); the baselines use ${python.executable}`);
const env: NodeJS.ProcessEnv = {
  ...process.env,
  // Forward calls are counted from outside the student's code (bench/instrument/sitecustomize.py).
  PYTHONPATH: [path.join(BENCH, 'instrument'), process.env.PYTHONPATH].filter(Boolean).join(path.delimiter),
  // dlgrade's workers run numpy single-threaded; the baselines get the same.
  OMP_NUM_THREADS: '1', OPENBLAS_NUM_THREADS: '1', MKL_NUM_THREADS: '1',
  PYTHONDONTWRITEBYTECODE: '1',
};

// Training checks are not compared: neither baseline trains a model.
const TRAINING = Object.fromEntries(PACKS.map((p) => [p, trainingChecks(p)])) as Record<string, string[]>;
const allCheckIds = new Set(PACKS.flatMap((p) => loadPack(p).spec.checks.map((c) => c.id).filter((id) => !TRAINING[p].includes(id))));

/**
 * The packs as dlgrade grades them here: copies whose probes count the student's forward calls
 * (bench/instrument, as `_bench_counter`) and report them on stderr after each call. The sandbox
 * shows the worker nothing of the bench's files and gives it no PYTHONPATH, and the worker leaves
 * with os._exit (no atexit hook runs), so the counter travels with the probes.
 */
function instrumentedPack(pack: string): string {
  const dir = path.join(root, 'packs', pack);
  fs.cpSync(resolvePackDir(pack), dir, { recursive: true });
  const probes = path.join(dir, 'probes');
  fs.copyFileSync(path.join(BENCH, 'instrument', 'sitecustomize.py'), path.join(probes, '_bench_counter.py'));
  for (const f of fs.readdirSync(probes)) {
    if (!f.endsWith('.py') || f.startsWith('_bench')) continue;
    const file = path.join(probes, f);
    fs.writeFileSync(file, `import _bench_counter\n${fs.readFileSync(file, 'utf8')}\n` +
      `for _name in ("run", "forward"):\n    if _name in globals():\n        globals()[_name] = _bench_counter.reporting(globals()[_name])\n`);
  }
  return dir;
}
const packDirs = Object.fromEntries(PACKS.map((p) => [p, instrumentedPack(p)]));

// ---------------------------------------------------------------- dlgrade

interface DlgradeCheck { id: string; kind: string; status: string; seconds: number; cases: { name: string; hidden: boolean; status: string; seconds: number }[] }
interface DlgradeResult { submission: string; seconds: number; started_at: string; stderr: string; checks: DlgradeCheck[]; environment: { sandbox?: string }; cache?: { hit: boolean } }
type DlgradeResults = Record<string, Record<string, DlgradeResult>>;

/** `before`: an earlier run's results; a result it already held ran no student code now. */
interface Profile { wall_seconds: number; phases: { phase: string; seconds: number; count: number; describe: string }[] }

async function runDlgrade(jobs: number, outDir: string, grader: GraderRun['grader'], cache: string, before?: DlgradeResults): Promise<GraderRun & { perPack: Record<string, Finished>; results: DlgradeResults; profiles: Profile[] }> {
  const mem = new TreeMemory().start();
  const perPack: Record<string, Finished> = {};
  for (const pack of PACKS) {
    const skip = TRAINING[pack].flatMap((id) => ['--skip', id]);
    const r = await timed([process.execPath, BIN, 'grade', classDir, '--assignment', packDirs[pack], '--out', path.join(outDir, pack), '--jobs', String(jobs), '--seed', 'bench', '--cache', cache, '--profile', ...skip],
      { env, cwd: REPO, timeFile: path.join(root, `time-${grader.replace(/\W+/g, '-')}-${jobs}-${pack}`) });
    if (r.code !== 0) throw new Error(`dlgrade grade (${pack}, --jobs ${jobs}) exited ${r.code}:\n${r.stderr.slice(-2000)}`);
    perPack[pack] = r;
    log(`bench: ${grader} ${pack} --jobs ${jobs}: ${r.wall.toFixed(1)} s`);
  }
  const peak = mem.stop();
  const results: Record<string, Record<string, DlgradeResult>> = {};
  const outcomes: Outcome[] = [];
  const counts: Record<string, number> = {};
  let counted = 0;
  for (const s of cls.submissions) {
    results[s.name] = {};
    const notPassed: string[] = [];
    let ran = 0;
    let subCounts: Record<string, number> | undefined;
    for (const pack of PACKS) {
      const file = path.join(outDir, pack, s.name, 'result.json');
      if (!fs.existsSync(file)) continue;
      const r = JSON.parse(fs.readFileSync(file, 'utf8')) as DlgradeResult;
      results[s.name][pack] = r;
      ran += r.checks.length;
      notPassed.push(...r.checks.filter((c) => c.status !== 'passed').map((c) => c.id));
      const reused = r.cache?.hit || before?.[s.name]?.[pack]?.started_at === r.started_at;
      const c = reused ? {} : forwardCounts(r.stderr ?? '');
      if (c) subCounts = addCounts(subCounts ?? {}, c);
    }
    if (subCounts) {
      counted++;
      addCounts(counts, subCounts);
    }
    outcomes.push({ name: s.name, notPassed, ran, counts: subCounts });
  }
  const parts = Object.values(perPack);
  const profiles = PACKS.map((p) => JSON.parse(fs.readFileSync(path.join(outDir, p, 'profile.json'), 'utf8')) as Profile);
  return {
    grader, jobs, ran: cls.submissions.length, outcomes, counts, counted, perPack, results, profiles,
    wall: parts.reduce((a, r) => a + r.wall, 0),
    cpu: parts.reduce((a, r) => a + r.user + r.sys, 0),
    peakTreeMiB: peak,
    maxProcMiB: Math.max(...parts.map((r) => r.maxRssKb)) / 1024,
  };
}

// ---------------------------------------------------------------- baseline 1: pytest

function junitOutcome(xmlFile: string): { ran: number; notPassed: string[] } {
  if (!fs.existsSync(xmlFile)) return { ran: 0, notPassed: [...allCheckIds] };
  const xml = fs.readFileSync(xmlFile, 'utf8');
  const notPassed = new Set<string>();
  let ran = 0;
  for (const m of xml.matchAll(/<testcase\b[^>]*\bname="([^"]+)"[^>]*?(\/>|>([\s\S]*?)<\/testcase>)/g)) {
    ran++;
    const [, name, , body] = m;
    const base = name.replace(/^test_/, '').replace(/\[.*$/, '');
    const param = /\[(.*)\]$/.exec(name)?.[1];
    const id = allCheckIds.has(base) ? base : param && allCheckIds.has(param) ? param : base;
    if (body && /<(failure|error)\b/.test(body)) notPassed.add(id);
  }
  return { ran, notPassed: [...notPassed] };
}

async function runPytest(jobs: number): Promise<GraderRun> {
  const dir = path.join(root, `pytest-j${jobs}`);
  fs.mkdirSync(dir, { recursive: true });
  const items = cls.submissions.map((s) => ({
    name: s.name,
    command: [python.executable, '-m', 'pytest', '-q', path.join(BENCH, 'baselines', 'pytest'), '--submission', path.join(classDir, s.name),
      '--fixtures-dir', fixturesDir, `--junitxml=${path.join(dir, `${s.name}.xml`)}`],
  }));
  const mem = new TreeMemory().start();
  const t0 = performance.now();
  const done = await pool(items, jobs, { env, cwd: REPO, timeDir: dir, timeoutSeconds: 900 });
  const wall = (performance.now() - t0) / 1000;
  const peak = mem.stop();
  log(`bench: pytest --jobs ${jobs}: ${wall.toFixed(1)} s`);
  const counts: Record<string, number> = {};
  let counted = 0;
  const outcomes = done.map((r) => {
    const c = forwardCounts(r.stderr);
    if (c) { counted++; addCounts(counts, c); }
    return { name: r.name, ...junitOutcome(path.join(dir, `${r.name}.xml`)), counts: c, wall: r.wall, cpu: r.user + r.sys };
  });
  return {
    grader: 'pytest (baseline 1)', jobs, ran: items.length, wall, cpu: done.reduce((a, r) => a + r.user + r.sys, 0),
    peakTreeMiB: peak, maxProcMiB: Math.max(...done.map((r) => r.maxRssKb)) / 1024, counts, counted, outcomes,
  };
}

// ---------------------------------------------------------------- baseline 2: the course

interface NumgradRecord { what: string; elements: number; differenced: number; sampled: boolean; seconds: number; seconds_full: number; forward_calls_measured: Record<string, number>; forward_calls_full: Record<string, number> }
interface CourseReport { checks: Record<string, { passed: boolean; message?: string }>; numgrad: NumgradRecord[]; seconds: number }

/** The course baseline's sample: the loop-written convolution, the solution, and evenly spread others. */
function courseSample(): BenchSubmission[] {
  if (COURSE_SAMPLE === 'all') return cls.submissions;
  const k = Math.max(2, Number(COURSE_SAMPLE));
  if (!Number.isInteger(k)) throw new Error('--course-sample: a number or "all"');
  const loop = cls.submissions.find((s) => s.kind === 'loop-conv')!;
  const solution = cls.submissions.find((s) => s.kind === 'solution')!;
  const rest = cls.submissions.filter((s) => s !== loop && s !== solution);
  const picks = new Set<BenchSubmission>([solution, loop]);
  const want = Math.min(k, cls.submissions.length) - picks.size;
  for (let i = 0; i < want; i++) picks.add(rest[Math.floor((i * rest.length) / Math.max(1, want))]);
  return cls.submissions.filter((s) => picks.has(s));
}

async function runCourse(jobs: number, sample: BenchSubmission[]): Promise<GraderRun> {
  const dir = path.join(root, `course-j${jobs}`);
  const items = sample.map((s) => ({
    name: s.name,
    command: [python.executable, path.join(BENCH, 'baselines', 'course', 'grade_course.py'), path.join(classDir, s.name),
      '--fixtures-dir', fixturesDir, '--budget-seconds', String(COURSE_BUDGET), '--sample', String(COURSE_ELEMENTS)],
  }));
  const mem = new TreeMemory().start();
  const t0 = performance.now();
  const done = await pool(items, jobs, { env, cwd: REPO, timeDir: dir, timeoutSeconds: 1800 });
  const wall = (performance.now() - t0) / 1000;
  const peak = mem.stop();
  log(`bench: course --jobs ${jobs} on ${sample.length} submissions: ${wall.toFixed(1)} s`);

  const counts: Record<string, number> = {};
  let counted = 0;
  const sampledGrads: string[] = [];
  const outcomes: Outcome[] = [];
  // Per submission, its measured figures plus what the sampled numerical gradients would have added.
  const full = new Map<string, { wall: number; cpu: number; counts: Record<string, number> }>();
  for (const r of done) {
    let report: CourseReport | undefined;
    try {
      report = JSON.parse(r.stdout.trim().split('\n').pop() ?? '') as CourseReport;
    } catch {
      report = undefined;
    }
    const c = forwardCounts(r.stderr);
    if (c) { counted++; addCounts(counts, c); }
    const extraCounts: Record<string, number> = {};
    let extraSeconds = 0;
    for (const g of report?.numgrad ?? []) {
      if (!g.sampled) continue;
      extraSeconds += g.seconds_full - g.seconds;
      for (const [k, v] of Object.entries(g.forward_calls_full)) extraCounts[k] = (extraCounts[k] ?? 0) + v - (g.forward_calls_measured[k] ?? 0);
      sampledGrads.push(`${r.name} ${g.what}: ${g.differenced} of ${g.elements} elements, ${g.seconds.toFixed(1)} s measured, ${g.seconds_full.toFixed(0)} s in full`);
    }
    full.set(r.name, { wall: r.wall + extraSeconds, cpu: r.user + r.sys + extraSeconds, counts: addCounts({ ...(c ?? {}) }, extraCounts) });
    outcomes.push({
      name: r.name, ran: report ? Object.keys(report.checks).length : 0, counts: c, wall: r.wall, cpu: r.user + r.sys,
      notPassed: report ? Object.entries(report.checks).filter(([, v]) => !v.passed).map(([k]) => k) : [...allCheckIds],
    });
  }

  // The class: a submission that was run counts as measured (plus its extrapolated gradients);
  // one that was not counts as the mean of the run ones other than the loop-written convolution.
  const fast = sample.filter((s) => s.kind !== 'loop-conv').map((s) => full.get(s.name)!);
  const mean = {
    wall: fast.reduce((a, f) => a + f.wall, 0) / fast.length,
    cpu: fast.reduce((a, f) => a + f.cpu, 0) / fast.length,
    counts: fast.reduce<Record<string, number>>((a, f) => addCounts(a, f.counts, 1 / fast.length), {}),
  };
  const perSub = cls.submissions.map((s) => full.get(s.name) ?? mean);
  const estCounts = perSub.reduce<Record<string, number>>((a, f) => addCounts(a, f.counts), {});
  const note = [
    sample.length < cls.submissions.length ? `${sample.length} of ${cls.submissions.length} submissions run; the others estimated as the mean of the run ones (loop-written convolution excluded from the mean)` : 'every submission run',
    sampledGrads.length ? `numerical gradients over ${COURSE_BUDGET} s sampled and extrapolated: ${sampledGrads.join('; ')}` : 'no numerical gradient sampled',
    'class wall estimated by scheduling the per-submission times on the job pool',
  ].join('. ');
  return {
    grader: 'course (baseline 2)', jobs, ran: sample.length, wall, cpu: done.reduce((a, r) => a + r.user + r.sys, 0),
    peakTreeMiB: peak, maxProcMiB: Math.max(...done.map((r) => r.maxRssKb)) / 1024, counts, counted, outcomes,
    estimate: { wall: scheduleWall(perSub.map((f) => f.wall), jobs), cpu: perSub.reduce((a, f) => a + f.cpu, 0), counts: estCounts, note },
  };
}

// ---------------------------------------------------------------- verification

function verify(run: GraderRun): Verification {
  const v: Verification = { mutants: 0, caught: 0, detected: 0, correct: 0, correctPassed: 0, problems: [] };
  for (const o of run.outcomes) {
    const s = byName.get(o.name)!;
    if (s.mustPassAll) {
      v.correct++;
      if (o.ran > 0 && o.notPassed.length === 0) v.correctPassed++;
      else v.problems.push(`${o.name} (${s.kind}) should pass every check but did not pass: ${o.ran ? o.notPassed.join(', ') : 'nothing ran'}`);
    } else {
      v.mutants++;
      if (o.ran > 0 && o.notPassed.length > 0) v.detected++;
      const must = PACKS.flatMap((p) => s.mustFail[p]).filter((id) => allCheckIds.has(id));
      const missed = must.filter((id) => !o.notPassed.includes(id));
      if (!missed.length && o.ran > 0) v.caught++;
      else v.problems.push(`${o.name} (${s.pack} mutant ${s.mutant}) must fail ${missed.join(', ')} but passed ${missed.length > 1 ? 'them' : 'it'}`);
    }
  }
  return v;
}

// ---------------------------------------------------------------- where dlgrade's time goes

async function breakdown(j1: Awaited<ReturnType<typeof runDlgrade>>) {
  const fast = cls.submissions.find((s) => s.kind === 'solution')!;
  const loop = cls.submissions.find((s) => s.kind === 'loop-conv')!;
  const micro = async (label: string, command: string[], cwd = REPO) => {
    const runs: number[] = [];
    for (let i = 0; i < 3; i++) runs.push((await timed(command, { env, cwd, timeFile: path.join(root, 'time-micro') })).wall);
    return { label, seconds: Math.min(...runs) };
  };
  const startup = [
    await micro('node, the CLI from its bundle: `dlgrade --version`', [process.execPath, BIN, '--version']),
    await micro('python start (no imports)', [python.executable, '-c', 'pass']),
    await micro('python start + import numpy', [python.executable, '-c', 'import numpy']),
    await micro("python start + numpy + the student's modules", [python.executable, '-c', 'import sys; sys.path.insert(0, "."); import numpy, lib.cnn.cnn_models, lib.mlp.fully_conn, lib.optim, conv2d'], path.join(classDir, fast.name)),
  ];
  const probe = async (s: BenchSubmission) => {
    const r = await timed([python.executable, path.join(BENCH, 'probe_compute.py'), path.join(classDir, s.name), fixturesDir, ...PACKS], { env, cwd: REPO, timeFile: path.join(root, 'time-probe') });
    try {
      return JSON.parse(r.stdout) as { imports_seconds: number; checks: Record<string, { seconds: number; published_cases: number }> };
    } catch {
      return undefined;
    }
  };
  // Per check: cases (building inputs, the round trip to the worker with the student's compute,
  // .npy files both ways) and judging (the reference's expected values and the comparison: a
  // case's seconds are taken before it is judged, the check's after).
  const split = (r: DlgradeResult) => {
    const cases = r.checks.reduce((a, c) => a + c.cases.reduce((b, k) => b + k.seconds, 0), 0);
    const checks = r.checks.reduce((a, c) => a + c.seconds, 0);
    const first = r.checks.find((c) => c.cases.length)?.cases[0]?.seconds ?? 0;
    return { total: r.seconds, first_case: first, cases, judging: checks - cases, outside_checks: r.seconds - checks };
  };
  const perSubmission = [];
  for (const s of [fast, loop]) {
    const own = await probe(s);
    const rows = [];
    for (const pack of PACKS) {
      const r = j1.results[s.name][pack];
      if (!r) continue;
      for (const c of r.checks) {
        const cases = c.cases.reduce((a, k) => a + k.seconds, 0);
        rows.push({
          check: `${pack}/${c.id}`, kind: c.kind, check_seconds: c.seconds, cases_seconds: cases, judging_seconds: c.seconds - cases,
          published_seconds: c.cases.filter((k) => !k.hidden).reduce((a, k) => a + k.seconds, 0),
          hidden_seconds: c.cases.filter((k) => k.hidden).reduce((a, k) => a + k.seconds, 0),
          student_compute_published_seconds: own?.checks[`${pack}/${c.id}`]?.seconds,
        });
      }
    }
    const byPack = Object.fromEntries(PACKS.filter((p) => j1.results[s.name][p]).map((p) => [p, split(j1.results[s.name][p])]));
    perSubmission.push({ submission: s.name, kind: s.kind, by_pack: byPack, student_imports_seconds: own?.imports_seconds, checks: rows });
  }
  // The class's mean per submission and pack.
  const classMean = Object.fromEntries(PACKS.map((p) => {
    const parts = cls.submissions.map((s) => j1.results[s.name][p]).filter(Boolean).map(split);
    const mean = (k: keyof ReturnType<typeof split>) => parts.reduce((a, x) => a + x[k], 0) / Math.max(1, parts.length);
    return [p, { total: mean('total'), first_case: mean('first_case'), cases: mean('cases'), judging: mean('judging'), outside_checks: mean('outside_checks') }];
  }));
  // The CLI's own share: a pack's wall at --jobs 1 minus the submissions' own seconds.
  const cli = Object.fromEntries(PACKS.map((p) => {
    const subs = cls.submissions.reduce((a, s) => a + (j1.results[s.name][p]?.seconds ?? 0), 0);
    return [p, { wall: j1.perPack[p].wall, submissions_seconds: subs, outside_submissions: j1.perPack[p].wall - subs }];
  }));
  return { startup, cli, classMean, perSubmission };
}

// ---------------------------------------------------------------- the runs

const runs: GraderRun[] = [];
const dlgradeRuns = new Map<number, Awaited<ReturnType<typeof runDlgrade>>>();
// A cache of its own per job count, empty at the start: the first runs grade everything.
const cacheOf = (j: number) => path.join(root, `cache-j${j}`);
// The bundle the CLI starts from is built by a first call, not by the first timed run.
await timed([process.execPath, BIN, '--version'], { env, cwd: REPO, timeFile: path.join(root, 'time-warmup') });
for (const j of JOBS) {
  const r = await runDlgrade(j, path.join(root, `dlgrade-j${j}`), 'dlgrade', cacheOf(j));
  dlgradeRuns.set(j, r);
  runs.push(r);
}
const rerunJobs = JOBS[JOBS.length - 1];
const dl0 = (j: number) => dlgradeRuns.get(j)!;
const rerun = await runDlgrade(rerunJobs, path.join(root, `dlgrade-j${rerunJobs}`), 'dlgrade re-run', cacheOf(rerunJobs), dl0(rerunJobs).results);
runs.push(rerun);
const rerunNewOut = await runDlgrade(rerunJobs, path.join(root, `dlgrade-j${rerunJobs}-again`), 'dlgrade re-run, new --out', cacheOf(rerunJobs));
runs.push(rerunNewOut);
const fromCache = (r: typeof rerun) => Object.values(r.results).reduce((a, p) => a + Object.values(p).filter((x) => x.cache?.hit).length, 0);
for (const j of JOBS) runs.push(await runPytest(j));
const sample = courseSample();
for (const j of JOBS) runs.push(await runCourse(j, sample));
for (const r of runs) r.verify = verify(r);
const timeGoes = await breakdown(dlgradeRuns.get(Math.min(...JOBS)) ?? dlgradeRuns.values().next().value!);
const benchSeconds = (performance.now() - benchStarted) / 1000;
const load1 = os.loadavg();

// ---------------------------------------------------------------- the table

const conv = (c: Record<string, number>) => c.ConvLayer2D ?? 0;
const dl = (j: number) => dlgradeRuns.get(j)!;
const wallOf = (r: GraderRun) => r.estimate?.wall ?? r.wall;
const cpuOf = (r: GraderRun) => r.estimate?.cpu ?? r.cpu;
const countsOf = (r: GraderRun) => r.estimate?.counts ?? r.counts;

const header = ['grader', 'jobs', 'ran', 'wall s', 'CPU s', 's/sub', 'fwd calls', 'conv fwd', 'peak MiB', '1-proc MiB', 'mutants caught', 'correct pass', 'vs dlgrade'];
const rows: string[][] = runs.map((r) => {
  const est = r.estimate ? '*' : '';
  const v = r.verify!;
  const base = dl(r.jobs);
  const vs = r.grader === 'dlgrade' ? '1x'
    : r.grader.startsWith('dlgrade re-run') ? `${(base.wall / r.wall).toFixed(1)}x faster than 1st`
    : `${(wallOf(r) / base.wall).toFixed(r.grader.startsWith('course') ? 0 : 2)}x slower${est}`;
  const counts = countsOf(r);
  const countsKnown = r.counted > 0;
  return [
    r.grader, String(r.jobs), r.estimate ? `${r.ran}/${N}*` : String(r.ran),
    fmtS(wallOf(r)) + est, fmtS(cpuOf(r)) + est, fmtS(wallOf(r) / N) + est,
    countsKnown ? fmtN(sumCounts(counts)) + est : 'n/a', countsKnown ? fmtN(conv(counts)) + est : 'n/a',
    r.peakTreeMiB ? r.peakTreeMiB.toFixed(0) : 'n/a', r.maxProcMiB.toFixed(0),
    `${v.caught}/${v.mutants}${v.detected !== v.caught ? ` (${v.detected} det.)` : ''}`, `${v.correctPassed}/${v.correct}`, vs,
  ];
});
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');

// Targets
const course = (j: number) => runs.find((r) => r.grader === 'course (baseline 2)' && r.jobs === j)!;
const pytest = (j: number) => runs.find((r) => r.grader === 'pytest (baseline 1)' && r.jobs === j)!;
const loop = cls.submissions.find((s) => s.kind === 'loop-conv')!;
const loopGradSeconds = (j: number) => {
  const r = dl(j).results[loop.name]['cnn-numpy'];
  return r ? r.checks.filter((c) => c.kind === 'gradient').reduce((a, c) => a + c.seconds, 0) : NaN;
};
const loopGradChecks = dl(JOBS[0]).results[loop.name]['cnn-numpy']?.checks.filter((c) => c.kind === 'gradient').map((c) => c.id) ?? [];
const sandboxes = [...new Set(Object.values(dl(JOBS[0]).results).flatMap((p) => Object.values(p).map((r) => r.environment?.sandbox ?? 'unknown')))];
const dlFwd = sumCounts(dl(JOBS[0]).counts), courseFwd = sumCounts(countsOf(course(JOBS[0])));
const targets = [
  ...JOBS.map((j) => ({ target: `dlgrade no slower than pytest at --jobs ${j}`, value: `${fmtS(dl(j).wall)} s vs ${fmtS(pytest(j).wall)} s (${(pytest(j).wall / dl(j).wall).toFixed(2)}x)`, met: dl(j).wall <= pytest(j).wall })),
  ...JOBS.map((j) => ({ target: `dlgrade >= 50x faster than the course at --jobs ${j}`, value: `${(wallOf(course(j)) / dl(j).wall).toFixed(0)}x (course estimated*)`, met: wallOf(course(j)) / dl(j).wall >= 50 })),
  ...JOBS.map((j) => ({ target: `loop-written conv: gradient checks <= 2 s (--jobs ${j})`, value: `${loopGradSeconds(j).toFixed(2)} s (${loopGradChecks.join(' + ')})`, met: loopGradSeconds(j) <= 2 })),
  { target: 'forward calls <= 1% of the course', value: dl(JOBS[0]).counted ? `${fmtN(dlFwd)} vs ${fmtN(courseFwd)}* = ${((100 * dlFwd) / courseFwd).toFixed(2)}%` : 'not counted (instrumentation did not reach the worker)', met: dl(JOBS[0]).counted > 0 && dlFwd <= 0.01 * courseFwd },
  ...JOBS.map((j) => ({ target: `dlgrade catches every mutant, passes every correct submission (--jobs ${j})`, value: `${dl(j).verify!.caught}/${dl(j).verify!.mutants} caught, ${dl(j).verify!.correctPassed}/${dl(j).verify!.correct} correct pass`, met: dl(j).verify!.problems.length === 0 })),
  { target: 're-running an unchanged batch >= 20x faster (same --out)', value: `${(dl(rerunJobs).wall / rerun.wall).toFixed(1)}x (${fmtS(dl(rerunJobs).wall)} s then ${fmtS(rerun.wall)} s, --jobs ${rerunJobs})`, met: dl(rerunJobs).wall / rerun.wall >= 20 },
  { target: 're-running an unchanged batch >= 20x faster (new --out: every result from the cache, every report written)', value: `${(dl(rerunJobs).wall / rerunNewOut.wall).toFixed(1)}x (${fmtS(rerunNewOut.wall)} s; ${fromCache(rerunNewOut)} of ${N * PACKS.length} results from the cache)`, met: dl(rerunJobs).wall / rerunNewOut.wall >= 20 && fromCache(rerunNewOut) === N * PACKS.length },
  { target: 'graded in the sandbox', value: `result.json environment.sandbox: ${sandboxes.join(', ')}`, met: !sandboxes.includes('none') && !sandboxes.includes('unknown') },
];

const out: string[] = [];
out.push(`dlgrade benchmark: ${N} submissions (${Object.entries(kinds).map(([k, v]) => `${v} ${k}`).join(', ')}), each graded on mlp-numpy and cnn-numpy`);
out.push(`machine: ${os.availableParallelism()} cores, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB; load average ${load0[0].toFixed(1)} at start, ${load1[0].toFixed(1)} at end; node ${process.version}; ${python.executable} ${python.python}, numpy ${python.modules.numpy ?? '?'}`);
out.push('');
out.push(line(header));
out.push(line(header.map((_, i) => '-'.repeat(widths[i]))));
for (const r of rows) out.push(line(r));
out.push('');
const courseRun = course(JOBS[0]);
out.push(`* course (baseline 2): measured on ${courseRun.ran} of ${N} submissions and estimated for the class: ${courseRun.estimate!.note}.`);
for (const r of runs.filter((x) => x.grader.startsWith('course'))) out.push(`  course --jobs ${r.jobs}: measured ${fmtS(r.wall)} s wall, ${fmtS(r.cpu)} s CPU for the ${r.ran} run submissions`);
out.push(`fwd calls: forward calls of the student's layers (flatten, fc, gelu, dropout, cross_entropy, ConvLayer2D, MaxPoolingLayer) and my_conv2d over the class, counted by bench/instrument/sitecustomize.py in every grader (in dlgrade's sandboxed worker through its probes); conv fwd: ConvLayer2D alone. Re-runs count only code they ran.`);
out.push(`dlgrade figures are both packs' \`dlgrade grade\` runs added (two CLI runs per job count, each with an empty result cache; training checks skipped: ${Object.values(TRAINING).flat().join(', ') || 'none'}, which no baseline has; the fixtures the baselines read took ${fixturesSeconds.toFixed(1)} s to generate, not counted).`);
out.push('');
out.push('targets:');
for (const t of targets) out.push(`  [${t.met ? 'met' : 'NOT met'}] ${t.target}: ${t.value}`);
const problems = runs.filter((r) => r.verify!.problems.length);
if (problems.length) {
  out.push('');
  out.push('checks a grader got wrong (mutants not caught, correct submissions failed):');
  for (const r of problems) {
    const uniq = [...new Set(r.verify!.problems.map((p) => p.replace(/^s\d+ /, '')))];
    out.push(`  ${r.grader} --jobs ${r.jobs}: ${uniq.join('; ')}`);
  }
}
out.push('');
out.push(`where dlgrade's time goes (--jobs ${Math.min(...JOBS)}, dlgrade grade --profile, both packs added):`);
{
  const j = dl(Math.min(...JOBS));
  const phases = new Map<string, { seconds: number; count: number; describe: string }>();
  for (const p of j.profiles) for (const x of p.phases) {
    const t = phases.get(x.phase) ?? { seconds: 0, count: 0, describe: x.describe };
    t.seconds += x.seconds;
    t.count += x.count;
    phases.set(x.phase, t);
  }
  const total = [...phases.values()].reduce((a, x) => a + x.seconds, 0);
  const w = Math.max(...[...phases.keys()].map((k) => k.length));
  for (const [k, x] of phases) out.push(`  ${k.padEnd(w)}  ${x.seconds.toFixed(2).padStart(7)} s  ${((100 * x.seconds) / total).toFixed(1).padStart(5)}%  ${String(x.count).padStart(6)} × ${((1000 * x.seconds) / Math.max(1, x.count)).toFixed(2).padStart(7)} ms  ${x.describe}`);
}
out.push('');
out.push('the same, measured from outside (--jobs 1):');
for (const s of timeGoes.startup) out.push(`  ${s.label}: ${s.seconds.toFixed(3)} s`);
for (const [p, c] of Object.entries(timeGoes.cli)) out.push(`  ${p}: CLI run ${c.wall.toFixed(1)} s, of which submissions ${c.submissions_seconds.toFixed(1)} s, outside them (node, pack, python resolution, preflight, gradebook) ${c.outside_submissions.toFixed(1)} s`);
const part = (x: { total: number; first_case: number; cases: number; judging: number; outside_checks: number }) =>
  `${x.total.toFixed(2)} s = cases ${x.cases.toFixed(2)} s (the first, with the worker's start and imports, ${x.first_case.toFixed(2)} s) + judging ${x.judging.toFixed(2)} s + outside the checks ${x.outside_checks.toFixed(2)} s`;
for (const [p, x] of Object.entries(timeGoes.classMean)) out.push(`  class mean, ${p}: ${part(x)}`);
for (const s of timeGoes.perSubmission) {
  const checks = s.checks;
  const sum = (f: (c: (typeof checks)[number]) => number | undefined) => checks.reduce((a, c) => a + (f(c) ?? 0), 0);
  out.push(`  ${s.submission} (${s.kind}): the student's own compute on the published cases ${sum((c) => c.student_compute_published_seconds).toFixed(3)} s (imports ${(s.student_imports_seconds ?? 0).toFixed(3)} s); dlgrade:`);
  for (const [p, x] of Object.entries(s.by_pack)) out.push(`    ${p}: ${part(x)}`);
  const top = [...checks].sort((a, b) => b.check_seconds - a.check_seconds).slice(0, 5);
  out.push(`    slowest checks: ${top.map((c) => `${c.check} ${c.check_seconds.toFixed(2)} s (cases ${c.cases_seconds.toFixed(2)}, judging ${c.judging_seconds.toFixed(2)}, own compute ${c.student_compute_published_seconds?.toFixed(3) ?? '?'} published)`).join('; ')}`);
}
out.push('');
out.push(`bench took ${benchSeconds.toFixed(0)} s${KEEP ? `; kept ${root}` : ''}`);
const text = out.join('\n');
console.log(text);

fs.mkdirSync(path.dirname(JSON_OUT), { recursive: true });
fs.writeFileSync(JSON_OUT, JSON.stringify({
  generated_at: new Date().toISOString(),
  options: { n: N, jobs: JOBS, course_sample: COURSE_SAMPLE, course_budget_seconds: COURSE_BUDGET, course_elements: COURSE_ELEMENTS },
  machine: { cores: os.availableParallelism(), memory_gib: os.totalmem() / 2 ** 30, loadavg_start: load0, loadavg_end: load1, node: process.version, python: python.executable, python_version: python.python, modules: python.modules },
  class: { n: N, kinds, submissions: cls.submissions },
  bench_seconds: benchSeconds,
  fixtures_seconds: fixturesSeconds,
  runs: runs.map((r) => ({
    grader: r.grader, jobs: r.jobs, ran: r.ran, wall_s: r.wall, cpu_s: r.cpu, seconds_per_submission: wallOf(r) / N,
    peak_tree_mib: r.peakTreeMiB, max_process_mib: r.maxProcMiB, forward_calls: r.counts, forward_calls_total: sumCounts(r.counts), counted_submissions: r.counted,
    estimate: r.estimate ? { wall_s: r.estimate.wall, cpu_s: r.estimate.cpu, forward_calls: r.estimate.counts, forward_calls_total: sumCounts(r.estimate.counts), note: r.estimate.note } : undefined,
    verification: r.verify,
    per_submission: r.outcomes,
  })),
  targets,
  where_time_goes: timeGoes,
  table: text,
}, null, 2));
log(`bench: wrote ${path.relative(process.cwd(), JSON_OUT)}`);
if (!KEEP) fs.rmSync(root, { recursive: true, force: true });
