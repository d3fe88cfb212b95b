/**
 * The instructor's gradebook work on a small graded class: four students of mlp-numpy (the
 * solution, the starter, a planted cross-entropy mistake, a zipped solution) handed in at known
 * times, with a Canvas-style roster. Canvas's and Moodle's import files carry the roster's
 * identifiers and the scores after the late penalty; every report shows the penalty; `diff` of a
 * run against a regrade with one loosened bar lists exactly the student it moved, and the index
 * links it; `merge` of the two runs keeps the newer unless told --prefer first, and says so.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { zipSync } from 'fflate';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { grade } from '../../harness/cli/grade.ts';
import { main } from '../../harness/cli/main.ts';
import { materializeClassFile } from '../../harness/cli/sample-class.ts';
import type { SubmissionResult } from '../../harness/results/types.ts';
import { mergeRuns, readResults } from '../../harness/runner/merge.ts';
import { findBubblewrap } from '../../harness/worker/sandbox.ts';
import { diffRuns } from '../../reports/diff.ts';
import { expectValidResult } from '../helpers/grade.ts';
import { packVariant } from '../helpers/pack-variant.ts';

const root = path.resolve(import.meta.dirname, '../..');
const PACK = path.join(root, 'assignments/mlp-numpy');
const ONLY = ['fc_forward', 'cross_entropy_forward'];
const DUE = { due: '2026-10-01T23:59:00Z', grace: '15m', penalty: '10%/day', penaltyCap: '50%' };
const H = 3600;

/** Points as the exports write them: at most two decimals. */
const p2 = (x: number) => String(Number(x.toFixed(2)));
const rawOf = (r: SubmissionResult) => r.checks.reduce((s, c) => s + c.score, 0);

let work: string, subs: string, out1: string, out2: string, roster: string;
let run1: Map<string, SubmissionResult>, run2: Map<string, SubmissionResult>;

/**
 * The penalties, from the hand-in times below: due 2026-10-01 23:59 UTC with 15 min grace,
 * 10% per started day, at most 50%.
 * - ada: last commit 2026-10-01 20:00 UTC: on time.
 * - ben: files dated 2026-10-01 12:00 UTC: on time.
 * - elena: Gradescope's created_at 2026-10-03 10:00 UTC: 34 h 1 min after the due date,
 *   33 h 46 min after the grace: 2 started days, 20%.
 * - dan: zip entries dated 2026-10-04 12:00 (read as UTC): 60 h 1 min, 59 h 46 min after the
 *   grace: 3 started days, 30%.
 */
const PENALTY: Record<string, number> = { ada: 0, ben: 0, elena: 0.2, dan: 0.3 };
const SOURCE: Record<string, string> = { ada: 'git', ben: 'mtime', elena: 'gradescope', dan: 'zip' };

function buildClass() {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'dlgrade-lms-'));
  fs.chmodSync(work, 0o711);
  const classFile = path.join(work, 'class.yaml');
  fs.writeFileSync(classFile, [
    'students:',
    '  - { name: ada, from: solution }',
    '  - { name: ben, from: starter }',
    '  - { name: elena, from: solution, mutant: cross-entropy-ignores-size-average }',
    '  - { name: dan, from: solution }',
  ].join('\n') + '\n');
  subs = materializeClassFile(classFile, path.join(work, 'subs'), 'mlp-numpy');
  const files = (d: string): string[] => fs.readdirSync(d, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(path.join(d, e.name)) : [path.join(d, e.name)]));
  const dated = (d: string, iso: string) => {
    for (const f of files(d)) fs.utimesSync(f, new Date(iso), new Date(iso));
  };
  // ada: a repository whose last commit is on time (the files' own times say late: git wins).
  const ada = path.join(subs, 'ada');
  dated(ada, '2026-10-09T00:00:00Z');
  const git = (...a: string[]) => execFileSync('git', ['-C', ada, ...a], { env: { ...process.env, GIT_COMMITTER_DATE: '2026-10-01T20:00:00Z', GIT_AUTHOR_DATE: '2026-10-01T20:00:00Z' } });
  git('init', '-q');
  git('add', '-A');
  git('-c', 'user.email=ada@laptop.local', '-c', 'user.name=Ada Lovelace', 'commit', '-qm', 'hw');
  dated(path.join(subs, 'ben'), '2026-10-01T12:00:00Z');
  fs.writeFileSync(path.join(subs, 'elena', 'submission_metadata.json'), JSON.stringify({
    id: 4242, created_at: '2026-10-03T03:00:00.000000-07:00', assignment: { due_date: null, title: 'HW2' },
    users: [{ email: 'elena@uni.edu', id: 9, name: 'Elena Moreau' }],
  }));
  dated(path.join(subs, 'elena'), '2026-10-01T00:00:00Z');
  // dan hands in a zip; its entries' DOS times are wall-clock fields, read as UTC.
  const dan = path.join(subs, 'dan');
  const mtime = new Date(2026, 9, 4, 12, 0, 0);
  const entries = Object.fromEntries(files(dan).map((f) => [`dan/${path.relative(dan, f)}`, [fs.readFileSync(f), { mtime }] as [Uint8Array, { mtime: Date }]]));
  fs.writeFileSync(path.join(subs, 'dan.zip'), zipSync(entries));
  fs.rmSync(dan, { recursive: true });
  // Canvas's export with an Email column added; ben is not in it, Zoe has no submission.
  roster = path.join(work, 'roster.csv');
  fs.writeFileSync(roster, [
    'Student,ID,SIS User ID,SIS Login ID,Section,Email',
    '    Points Possible,,,,,',
    '"Lovelace, Ada",101,S-1,alovelace,"DL 1, Tue",ada@uni.edu',
    '"Moreau, Elena",103,S-3,emoreau,DL 2,elena@uni.edu',
    '"Park, Dan",104,S-4,dan,DL 2,dan@uni.edu',
    '"Zed, Zoe",105,S-5,zzed,DL 1,zoe@uni.edu',
  ].join('\r\n') + '\r\n');
}

async function gradeInto(pack: string, out: string, o: { penalty?: string; force?: boolean } = {}) {
  const errors: string[] = [];
  const spy = vi.spyOn(console, 'error').mockImplementation((m: unknown) => void errors.push(String(m)));
  try {
    await grade(subs, pack, out, {
      jobs: 2, seed: 'lms', only: ONLY, sandbox: !!(await findBubblewrap()), force: o.force ?? true, cache: false,
      reports: ['json', 'gradescope', 'text', 'markdown', 'html', 'index', 'gradebook'], gradebook: { ...DUE, ...(o.penalty ? { penalty: o.penalty } : {}), roster },
    });
  } finally {
    spy.mockRestore();
  }
  return errors;
}

const byName = (dir: string) => new Map(readResults(dir).map((r) => [r.submission, r]));

/** Runs the CLI in this process; returns the exit code and what it printed. */
async function cli(...args: string[]) {
  const out: string[] = [], err: string[] = [];
  const log = vi.spyOn(console, 'log').mockImplementation((m: unknown) => void out.push(String(m)));
  const error = vi.spyOn(console, 'error').mockImplementation((m: unknown) => void err.push(String(m)));
  const write = vi.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array) => (out.push(String(s)), true));
  try {
    const code = await main(args);
    return { code, out: out.join('\n'), err: err.join('\n') };
  } finally {
    log.mockRestore();
    error.mockRestore();
    write.mockRestore();
  }
}

let warnings: string[];
beforeAll(async () => {
  buildClass();
  out1 = path.join(work, 'run1');
  out2 = path.join(work, 'run2');
  warnings = await gradeInto('mlp-numpy', out1);
  // The regrade: the same class and seed, cross_entropy_forward's loss bar loosened to 1 (every
  // finite answer of the right shape is within rel_error 1 of the expected).
  const loose = packVariant(PACK, path.join(work, 'pack-loose'), [[
    '      - output: loss\n        rel_error: 1.0e-8\n        source: course\n        mistakes:\n          - { expected: loss_summed',
    '      - output: loss\n        rel_error: 1.0\n        source: course\n        mistakes:\n          - { expected: loss_summed',
  ]]);
  await gradeInto(loose, out2);
  run1 = byName(out1);
  run2 = byName(out2);
}, 300_000);

afterEach(() => vi.restoreAllMocks());
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

describe('a graded class with a roster and a due date', () => {
  it('gives each result its student, its submission time and where it came from, and its penalty', () => {
    expect([...run1.keys()].sort()).toEqual(['ada', 'ben', 'dan', 'elena']);
    for (const [name, r] of run1) {
      expectValidResult(r);
      expect(r.late, name).toMatchObject({ source: SOURCE[name], penalty: PENALTY[name], due: '2026-10-01T23:59:00.000Z', grace_seconds: 900, rule: '10%/day, at most 50%' });
      expect(r.late!.raw_score, name).toBeCloseTo(rawOf(r), 9);
      expect(r.score, name).toBeCloseTo(rawOf(r) * (1 - PENALTY[name]), 6);
    }
    expect(run1.get('elena')!.late).toMatchObject({ submitted_at: '2026-10-03T10:00:00.000Z', seconds_late: 33 * H + 46 * 60, days_late: 2 });
    expect(run1.get('dan')!.late).toMatchObject({ submitted_at: '2026-10-04T12:00:00.000Z', seconds_late: 59 * H + 46 * 60, days_late: 3 });
    expect(run1.get('ada')!.late).toMatchObject({ submitted_at: '2026-10-01T20:00:00.000Z', seconds_late: 0, days_late: 0 });
    // A planted mistake that costs points, so that the penalty has something to take.
    expect(rawOf(run1.get('elena')!)).toBeGreaterThan(0);
    expect(rawOf(run1.get('elena')!)).toBeLessThan(run1.get('elena')!.max_score);

    expect(run1.get('ada')!.student).toEqual({ name: 'Lovelace, Ada', id: '101', sis_user_id: 'S-1', sis_login_id: 'alovelace', section: 'DL 1, Tue', email: 'ada@uni.edu', matched_by: 'git author' });
    expect(run1.get('elena')!.student?.matched_by).toBe('email');
    expect(run1.get('dan')!.student?.matched_by).toBe('folder');
    expect(run1.get('ben')!.student).toBeUndefined();
    // Neither the folder the roster lacks nor the student without a folder goes unsaid.
    expect(warnings.join('\n')).toMatch(/roster: 1 submission not in .*roster\.csv .*: ben \(no row matches it\)/);
    expect(warnings.join('\n')).toMatch(/roster: 1 student in .*roster\.csv with no submission: Zed, Zoe \(zoe@uni\.edu, zzed\) \(line 6\)/);
  });

  it('shows the penalty in every report: text, Markdown, HTML, Gradescope, the gradebook and the index', () => {
    const elena = run1.get('elena')!;
    const raw = p2(rawOf(elena)), after = p2(elena.score);
    const line = `Late: submitted 2026-10-03 10:00:00 UTC (Gradescope's submission time), due 2026-10-01 23:59:00 UTC + 15 min grace; 2 days late: 20% off (10%/day, at most 50%), ${raw} → ${after} points`;
    const text = fs.readFileSync(path.join(out1, 'elena', 'report.txt'), 'utf8');
    expect(text).toContain(line);
    expect(text).toContain(`Score ${after}/${p2(elena.max_score)} (${raw} before the late penalty)`);
    expect(fs.readFileSync(path.join(out1, 'elena', 'summary.md'), 'utf8')).toContain(`## ❌ mlp-numpy: ${after}/${p2(elena.max_score)} points`);
    expect(fs.readFileSync(path.join(out1, 'elena', 'summary.md'), 'utf8')).toContain('2 days late: 20% off');
    const html = fs.readFileSync(path.join(out1, 'elena', 'report.html'), 'utf8');
    expect(html).toContain(`data-score="${after}"`);
    expect(html).toMatch(/id="late">Late: submitted 2026-10-03 10:00:00 UTC .*2 days late: 20% off/);
    expect(fs.readFileSync(path.join(out1, 'ada', 'report.txt'), 'utf8')).toContain('On time: submitted 2026-10-01 20:00:00 UTC (the last git commit)');
    // Gradescope takes the top-level score over the tests' sum: the penalised one.
    const gs = JSON.parse(fs.readFileSync(path.join(out1, 'elena', 'results.json'), 'utf8'));
    expect(gs.score).toBe(elena.score);
    expect(gs.output).toContain(line);

    const [header, ...rows] = fs.readFileSync(path.join(out1, 'gradebook.csv'), 'utf8').trim().split('\n');
    expect(header).toBe('submission,student,fc_forward,cross_entropy_forward,score,raw_score,days_late,penalty,max_score,pending,advisories,errors');
    const check = (r: SubmissionResult, id: string) => r.checks.find((c) => c.id === id)!.score;
    expect(rows.find((l) => l.startsWith('elena,'))).toBe(`elena,"Moreau, Elena",${check(elena, 'fc_forward')},${check(elena, 'cross_entropy_forward')},${elena.score},${elena.late!.raw_score},2,20%,${elena.max_score},0,,`);
    const index = fs.readFileSync(path.join(out1, 'index.html'), 'utf8');
    expect(index).toContain(`−20% late (${raw} before)`);
    expect(index).toContain(' · 2 late');
  });

  it("exports Canvas's import file: its five columns, the assignment, Points Possible, the roster's identifiers, penalised scores", async () => {
    const file = path.join(work, 'canvas.csv');
    const r = await cli('export', 'canvas', out1, '-o', file);
    expect(r.code, r.err).toBe(0);
    const row = (name: string, id: string, sis: string, login: string, section: string, who: string) => `${name},${id},${sis},${login},${section},${p2(run1.get(who)!.score)}`;
    // Sorted by name; a name or section with a comma is quoted (RFC 4180); ben is not in the roster.
    expect(fs.readFileSync(file, 'utf8')).toBe([
      'Student,ID,SIS User ID,SIS Login ID,Section,mlp-numpy',
      `Points Possible,,,,,${p2(run1.get('ada')!.max_score)}`,
      row('"Lovelace, Ada"', '101', 'S-1', 'alovelace', '"DL 1, Tue"', 'ada'),
      row('"Moreau, Elena"', '103', 'S-3', 'emoreau', 'DL 2', 'elena'),
      row('"Park, Dan"', '104', 'S-4', 'dan', 'DL 2', 'dan'),
    ].join('\n') + '\n');
    expect(r.err).toMatch(/1 submission not in the roster, left out of the canvas file: ben/);
    // The penalised scores are what Canvas gets: elena's is 80%, dan's 70% of what they won.
    expect(Number(p2(run1.get('dan')!.score))).toBeCloseTo(rawOf(run1.get('dan')!) * 0.7, 2);
  });

  it("exports Moodle's import file: a header, the user identifiers to map from, one grade column", async () => {
    const file = path.join(work, 'moodle.csv');
    const r = await cli('export', 'moodle', out1, '-o', file, '--column', 'HW 2: MLP');
    expect(r.code, r.err).toBe(0);
    const row = (name: string, email: string, idn: string, user: string, who: string) => `${name},${email},${idn},${user},${p2(run1.get(who)!.score)}`;
    expect(fs.readFileSync(file, 'utf8')).toBe([
      'Full name,Email address,ID number,Username,HW 2: MLP',
      row('"Lovelace, Ada"', 'ada@uni.edu', 'S-1', 'alovelace', 'ada'),
      row('"Moreau, Elena"', 'elena@uni.edu', 'S-3', 'emoreau', 'elena'),
      row('"Park, Dan"', 'dan@uni.edu', 'S-4', 'dan', 'dan'),
    ].join('\n') + '\n');
    // Plain CSV keeps everyone, with the score before the penalty beside it.
    const plain = path.join(work, 'plain.csv');
    expect((await cli('export', 'csv', out1, '-o', plain)).code).toBe(0);
    const lines = fs.readFileSync(plain, 'utf8').trim().split('\n');
    expect(lines[0]).toBe('submission,name,id,sis_user_id,sis_login_id,email,section,score,raw_score,days_late,penalty,max_score,pending');
    expect(lines.map((l) => l.split(',')[0])).toEqual(['submission', 'ada', 'ben', 'dan', 'elena']);
    const dan = run1.get('dan')!;
    expect(lines[3]).toBe(`dan,"Park, Dan",104,S-4,dan,dan@uni.edu,DL 2,${p2(dan.score)},${p2(rawOf(dan))},3,30%,${p2(dan.max_score)},0`);
  });

  it('takes a new penalty rule on the next run without grading anyone again', async () => {
    const out3 = path.join(work, 'run3');
    fs.cpSync(out1, out3, { recursive: true });
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    await gradeInto('mlp-numpy', out3, { penalty: '5%/day', force: false });
    expect(log.mock.calls.map((c) => String(c[0])).join('\n')).toMatch(/Resuming \(seed lms\): 4 of 4 already graded/);
    log.mockRestore();
    const elena = byName(out3).get('elena')!;
    // 2 started days at 5%: 10% of the same raw score.
    expect(elena.late).toMatchObject({ penalty: 0.1, rule: '5%/day, at most 50%', raw_score: run1.get('elena')!.late!.raw_score });
    expect(elena.score).toBeCloseTo(rawOf(elena) * 0.9, 6);
    expect(elena.started_at).toBe(run1.get('elena')!.started_at);
    expect(fs.readFileSync(path.join(out3, 'elena', 'report.txt'), 'utf8')).toContain('2 days late: 10% off (5%/day, at most 50%)');
  });

  it('refuses bad input with words saying what to do', async () => {
    const unknown = await cli('export', 'blackboard', out1, '-o', path.join(work, 'x.csv'));
    expect(unknown.code).toBe(2);
    expect(unknown.err).toContain('unknown export format "blackboard" (known: canvas, moodle, csv)');
    const names = path.join(work, 'names.csv');
    fs.writeFileSync(names, 'Student,Section\n"Lovelace, Ada",1\n');
    const noColumn = await cli('export', 'canvas', out1, '-o', path.join(work, 'x.csv'), '--roster', names);
    expect(noColumn.code).toBe(2);
    expect(noColumn.err).toMatch(/--roster .*names\.csv: no column to match submission folders by \(its header: Student, Section\); add one named folder, email, SIS Login ID, SIS User ID or ID/);
    // A roster with emails only: Moodle can match it, Canvas cannot.
    const emails = path.join(work, 'emails.csv');
    fs.writeFileSync(emails, 'folder,email\nada,ada@uni.edu\n');
    const canvas = await cli('export', 'canvas', out1, '-o', path.join(work, 'x.csv'), '--roster', emails);
    expect(canvas.code).toBe(2);
    expect(canvas.err).toContain("Canvas matches students by ID, SIS User ID or SIS Login ID, and the roster has none of them: use Canvas's own gradebook export");
    expect((await cli('export', 'moodle', out1, '-o', path.join(work, 'm.csv'), '--roster', emails)).code).toBe(0);
    const due = await cli('grade', subs, '-a', 'mlp-numpy', '-o', path.join(work, 'never'), '--due', '1 October');
    expect(due.code).toBe(2);
    expect(due.err).toContain('--due takes a date and time with its time zone, such as 2026-10-01T23:59:00Z');
    expect(fs.existsSync(path.join(work, 'never'))).toBe(false);
  });
});

describe('a regrade', () => {
  it('diff lists exactly the student the loosened bar moved, by how much and on which check', () => {
    const d = diffRuns([...run1.values()], [...run2.values()]);
    expect(d.changed.map((r) => r.submission)).toEqual(['elena']);
    expect(d.unchanged).toBe(3);
    const [elena] = d.changed;
    const before = run1.get('elena')!.checks.find((c) => c.id === 'cross_entropy_forward')!;
    // Under the loosened bar every case passes: the check's full points, 20% off the total.
    expect(run2.get('elena')!.checks.find((c) => c.id === 'cross_entropy_forward')!.score).toBe(before.max_score);
    expect(elena.checks.map((c) => [c.id, c.change])).toEqual([['cross_entropy_forward', before.max_score - before.score]]);
    expect(elena.change).toBeCloseTo((before.max_score - before.score) * (1 - PENALTY.elena), 6);
  });

  it('diff --into writes diff.txt and diff.csv beside the new run, and its index links them', async () => {
    const csv = path.join(work, 'changes.csv');
    const r = await cli('diff', out1, out2, '--csv', csv, '--into');
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain('1 of 4 submissions changed (1 up, 0 down, 0 level), 3 unchanged');
    expect(r.out).toMatch(/^elena\s+\+[\d.]+\s+[\d.]+ → [\d.]+ of 4 {2}\(Moreau, Elena\)$/m);
    expect(r.out).toMatch(/^\s+cross_entropy_forward: failed [\d.]+\/2 → passed 2\/2 \(\+[\d.]+\)$/m);
    const [header, ...rows] = fs.readFileSync(csv, 'utf8').trim().split('\n');
    expect(header).toBe('submission,student,old_score,new_score,change,max_score,checks');
    expect(rows).toHaveLength(1);
    expect(rows[0].startsWith(`elena,"Moreau, Elena",${run1.get('elena')!.score},${run2.get('elena')!.score},`)).toBe(true);
    expect(fs.readFileSync(path.join(out2, 'diff.csv'), 'utf8')).toBe(fs.readFileSync(csv, 'utf8'));
    expect(fs.readFileSync(path.join(out2, 'diff.txt'), 'utf8')).toContain('elena');
    const index = fs.readFileSync(path.join(out2, 'index.html'), 'utf8');
    expect(index).toContain('<a id="diff-link" href="diff.txt">diff.txt</a>');
    expect(index).toContain('href="diff.csv"');
    // The first run has no diff beside it, and its index links none.
    expect(fs.readFileSync(path.join(out1, 'index.html'), 'utf8')).not.toContain('diff-link');
  });

  it('merge keeps the newer run where two graded a submission differently, or the first with --prefer first, and says which', async () => {
    const newer = mergeRuns([readResults(out1), readResults(out2)]);
    expect(newer.choices).toEqual([{ submission: 'elena', kept: 1, others: [0], checks: ['cross_entropy_forward'] }]);
    expect(newer.results.find((r) => r.submission === 'elena')!.score).toBe(run2.get('elena')!.score);
    // The order given does not decide: the newer run is still kept.
    expect(mergeRuns([readResults(out2), readResults(out1)]).choices[0].kept).toBe(0);
    const first = mergeRuns([readResults(out1), readResults(out2)], { prefer: 'first' });
    expect(first.results.find((r) => r.submission === 'elena')!.score).toBe(run1.get('elena')!.score);
    // The late verdict survives the merge, its penalty on the kept checks.
    const merged = newer.results.find((r) => r.submission === 'elena')!;
    expect(merged.late?.penalty).toBe(0.2);
    expectValidResult(merged);

    const r = await cli('merge', out1, out2, '-o', path.join(work, 'merged'));
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain(`elena: graded differently by ${out2} and ${out1} (cross_entropy_forward): kept ${out2}'s (the newer run; --prefer first keeps the other)`);
    expect(r.out).toContain('1 graded differently (listed above)');
    const bad = await cli('merge', out1, out2, '-o', path.join(work, 'merged2'), '--prefer', 'latest');
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('--prefer takes newer or first (got "latest")');
  });
});
