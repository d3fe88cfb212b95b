/**
 * Due dates and the roster, without grading anyone: the options read as documented and refuse
 * what they cannot read with words saying what would do; the submission time comes from the best
 * witness there is (Gradescope's metadata, a zip's entries, the last commit, the files' times);
 * the penalty is counted by the started day and capped; the roster matches folders by a folder
 * column, a login, an email or a commit's author, and lists what it could not match.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { latePenalty, totals, withLate } from '../../harness/checks/verdict.ts';
import { annotator } from '../../harness/runner/annotate.ts';
import { DueError, duePolicy, lateVerdict, parseDue, parseDuration, parsePenalty, submissionTime } from '../../harness/runner/late.ts';
import { RosterError, matchRoster, parseCsv, readRoster, rosterWarnings } from '../../harness/runner/roster.ts';
import { loadPack } from '../../harness/spec/load.ts';
import { expectValidResult } from '../helpers/grade.ts';
import { packVariant } from '../helpers/pack-variant.ts';
import { syntheticResult } from '../helpers/results.ts';

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'dlgrade-late-'));
const H = 3600, D = 86_400;

describe('due-date options', () => {
  it('read dates with a zone, durations, penalties and caps', () => {
    expect(parseDue('2026-10-01T23:59:00Z').toISOString()).toBe('2026-10-01T23:59:00.000Z');
    // 23:59 at UTC-7 is 06:59 the next day in UTC.
    expect(parseDue('2026-10-01T23:59:00-07:00').toISOString()).toBe('2026-10-02T06:59:00.000Z');
    expect(parseDuration('15m')).toBe(15 * 60);
    expect(parseDuration('2h')).toBe(2 * H);
    expect(parseDuration('1d')).toBe(D);
    expect(parseDuration('0')).toBe(0);
    expect(parsePenalty('10%/day')).toEqual({ rate: 0.1, per: 'day' });
    expect(parsePenalty('2.5% / hour')).toEqual({ rate: 0.025, per: 'hour' });
  });

  it('refuse what they cannot read, saying what would do', () => {
    expect(() => parseDue('2026-10-01')).toThrow(/--due takes a date and time with its time zone, such as 2026-10-01T23:59:00Z.*got "2026-10-01"/);
    expect(() => parseDue('2026-10-01T23:59:00')).toThrow(DueError); // no zone: whose 23:59?
    expect(() => parseDue('2026-13-45T99:00:00Z')).toThrow(/--due takes/);
    expect(() => parseDuration('15 minutes')).toThrow(/--grace takes a length of time such as 30s, 15m/);
    expect(() => parseDuration('15')).toThrow(/--grace/);
    expect(() => parsePenalty('10%')).toThrow(/--penalty takes a share of the points per day or hour late, such as 10%\/day/);
    expect(() => duePolicy({ cap: '150%' }, undefined, 'a.yaml')).toThrow(/--penalty-cap takes a percentage from 0% to 100%/);
    // A pack's bad value names the pack's file and field.
    expect(() => duePolicy({}, { date: 'next friday' }, 'packs/x/assignment.yaml')).toThrow(/packs\/x\/assignment.yaml: due.date takes a date/);
  });

  it('take each part from the options over the pack', () => {
    const p = duePolicy({ penalty: '5%/day' }, { date: '2026-10-01T23:59:00Z', grace: '1h', penalty: '10%/day', cap: '30%' }, 'a.yaml')!;
    expect(p.due!.toISOString()).toBe('2026-10-01T23:59:00.000Z');
    expect(p.dueFrom).toBe('pack');
    expect(p.graceSeconds).toBe(H);
    expect(p.rule).toEqual({ rate: 0.05, per: 'day', cap: 0.3 });
    expect(p.ruleText).toBe('5%/day, at most 30%');
    expect(duePolicy({}, undefined, 'a.yaml')).toBeUndefined();
  });
});

describe("a pack's due date", () => {
  const PACK = path.resolve(import.meta.dirname, '../../assignments/mlp-numpy');
  it('is read from assignment.yaml, validated by its schema, and the options override it', () => {
    const dir = packVariant(PACK, path.join(tmp(), 'pack'), [['\nchecks:\n', '\ndue:\n  date: "2026-10-01T23:59:00-04:00"\n  grace: 10m\n  penalty: 5%/day\n  cap: 25%\nchecks:\n']]);
    const pack = loadPack(dir);
    expect(pack.spec.due).toEqual({ date: '2026-10-01T23:59:00-04:00', grace: '10m', penalty: '5%/day', cap: '25%' });
    const p = duePolicy({}, pack.spec.due, 'assignment.yaml')!;
    expect([p.due!.toISOString(), p.dueFrom, p.graceSeconds, p.ruleText]).toEqual(['2026-10-02T03:59:00.000Z', 'pack', 600, '5%/day, at most 25%']);
    expect(duePolicy({ date: '2026-11-01T00:00:00Z' }, pack.spec.due, 'assignment.yaml')!.dueFrom).toBe('option');
    const bad = packVariant(PACK, path.join(tmp(), 'bad'), [['\nchecks:\n', '\ndue:\n  penalty: 5% a day\nchecks:\n']]);
    expect(() => loadPack(bad)).toThrow(/due\.penalty \(line \d+\): "5% a day" does not match .*\(The share of the points won taken per day \(or hour\) late, counted up: e\.g\. 10%\/day\.\)/);
  });
});

describe('the penalty', () => {
  const rule = { rate: 0.1, per: 'day' as const, cap: 0.5 };
  it('counts every started day and stops at the cap', () => {
    expect(latePenalty(rule, 0)).toBe(0);
    expect(latePenalty(rule, 1)).toBe(0.1); // a second late is a day late
    expect(latePenalty(rule, D)).toBe(0.1);
    expect(latePenalty(rule, D + 1)).toBe(0.2);
    expect(latePenalty(rule, 4.5 * D)).toBe(0.5);
    expect(latePenalty(rule, 30 * D)).toBe(0.5);
    expect(latePenalty({ rate: 0.02, per: 'hour', cap: 1 }, 3 * H + 60)).toBe(0.08);
    expect(latePenalty({ rate: 0.4, per: 'day', cap: 1 }, 10 * D)).toBe(1); // never more than everything
  });

  it('verdict: due + grace, days counted up, the score after the penalty with the raw score beside it', () => {
    const policy = duePolicy({ date: '2026-10-01T23:59:00Z', grace: '15m', penalty: '10%/day', cap: '50%' }, undefined, 'a.yaml');
    // Submitted 2026-10-03 00:30 UTC: 24 h 31 min after the due date, 24 h 16 min after the grace: 2 started days.
    const at = new Date('2026-10-03T00:30:00Z');
    const v = lateVerdict(policy, { at, source: 'git', users: [] })!;
    expect(v.seconds_late).toBe(24 * H + 16 * 60);
    expect(v.days_late).toBe(2);
    expect(v.penalty).toBe(0.2);
    expect(v.due_from).toBe('option');
    // Inside the grace: on time.
    const inGrace = lateVerdict(policy, { at: new Date('2026-10-02T00:10:00Z'), source: 'mtime', users: [] })!;
    expect([inGrace.seconds_late, inGrace.days_late, inGrace.penalty]).toEqual([0, 0, 0]);

    const r = syntheticResult();
    const raw = r.checks.reduce((s, c) => s + c.score, 0);
    const late = withLate(r, v);
    expect(late.late!.raw_score).toBe(raw);
    expect(late.score).toBeCloseTo(raw * 0.8, 9);
    expect(late.score).toBe(totals(r.checks, v).score);
    expectValidResult(late);
    // Taken off again (a run without a due date): the score is the checks' once more.
    const back = withLate(late, undefined);
    expect(back.late).toBeUndefined();
    expect(back.score).toBe(raw);
  });
});

describe('the submission time', () => {
  it("is Gradescope's created_at where there is submission_metadata.json, and its due_date beats the pack's, not --due", () => {
    const dir = tmp();
    fs.writeFileSync(path.join(dir, 'submission_metadata.json'), JSON.stringify({
      id: 1, created_at: '2026-10-02T10:00:00.000000-07:00', assignment: { due_date: '2026-10-02T23:00:00.000000-07:00', title: 'HW' },
      users: [{ email: 'ada@uni.edu', id: 7, name: 'Ada Lovelace' }],
    }));
    fs.writeFileSync(path.join(dir, 'x.py'), '');
    const t = submissionTime(dir, false);
    expect(t.source).toBe('gradescope');
    expect(t.at.toISOString()).toBe('2026-10-02T17:00:00.000Z');
    expect(t.gradescopeDue!.toISOString()).toBe('2026-10-03T06:00:00.000Z');
    expect(t.users).toEqual([{ email: 'ada@uni.edu', name: 'Ada Lovelace' }]);
    const pack = duePolicy({}, { date: '2026-10-01T00:00:00Z', penalty: '10%/day' }, 'a.yaml');
    // The pack said 2026-10-01; Gradescope (an extension, say) says 2026-10-03 06:00 UTC: on time.
    expect(lateVerdict(pack, t)).toMatchObject({ due_from: 'gradescope', due: '2026-10-03T06:00:00.000Z', seconds_late: 0, penalty: 0 });
    // --due overrides Gradescope: 2026-10-02 17:00 is 17 h past 2026-10-02 00:00, one day.
    const option = duePolicy({ date: '2026-10-02T00:00:00Z', penalty: '10%/day' }, undefined, 'a.yaml');
    expect(lateVerdict(option, t)).toMatchObject({ due_from: 'option', seconds_late: 17 * H, days_late: 1, penalty: 0.1 });
  });

  it("is a zip's newest entry", () => {
    const dir = tmp();
    const older = new Date(2026, 9, 1, 8, 0, 0), newer = new Date(2026, 9, 2, 9, 30, 17);
    const zip = path.join(dir, 'bob.zip');
    fs.writeFileSync(zip, zipSync({ 'bob/a.py': [new Uint8Array([1]), { mtime: older }], 'bob/b.py': [new Uint8Array([2]), { mtime: newer }] }));
    const t = submissionTime(zip, true);
    expect(t.source).toBe('zip');
    // The DOS time a zip stores is the zipping machine's wall clock, to the even second, with no
    // zone: read as UTC (fflate writes no extended timestamp).
    expect(t.at.getTime()).toBe(Date.UTC(2026, 9, 2, newer.getHours(), 30, 16));
  });

  it('is the last commit of a repository, with its author', () => {
    const dir = tmp();
    fs.writeFileSync(path.join(dir, 'a.py'), 'x = 1\n');
    const git = (...a: string[]) => execFileSync('git', ['-C', dir, ...a], { env: { ...process.env, GIT_COMMITTER_DATE: '2026-10-04T05:06:07+02:00', GIT_AUTHOR_DATE: '2026-10-01T00:00:00Z' } });
    git('init', '-q');
    git('add', '-A');
    git('-c', 'user.email=cara@uni.edu', '-c', 'user.name=Cara Diaz', 'commit', '-qm', 'done');
    const t = submissionTime(dir, false);
    expect(t.source).toBe('git');
    expect(t.at.toISOString()).toBe('2026-10-04T03:06:07.000Z');
    expect(t.gitAuthor).toEqual({ email: 'cara@uni.edu', name: 'Cara Diaz' });
  });

  it('is the newest file otherwise', () => {
    const dir = tmp();
    fs.mkdirSync(path.join(dir, 'lib'));
    for (const [f, iso] of [['a.py', '2026-10-01T10:00:00Z'], ['lib/b.py', '2026-10-02T11:00:00Z']]) {
      fs.writeFileSync(path.join(dir, f), '');
      fs.utimesSync(path.join(dir, f), new Date(iso), new Date(iso));
    }
    const t = submissionTime(dir, false);
    expect(t.source).toBe('mtime');
    expect(t.at.toISOString()).toBe('2026-10-02T11:00:00.000Z');
  });
});

describe('the roster', () => {
  const write = (text: string) => {
    const f = path.join(tmp(), 'roster.csv');
    fs.writeFileSync(f, text);
    return f;
  };

  it("reads Canvas's gradebook export as it is: quoted names, the Points Possible row skipped, CRLF, a BOM", () => {
    const f = write('\ufeffStudent,ID,SIS User ID,SIS Login ID,Section,HW1 (55)\r\n    Points Possible,,,,,10\r\n"Lovelace, Ada",101,S1,ada,L01,\r\n"O""Neil, Bo",102,S2,bo,"L01, L02",\r\n');
    const r = readRoster(f);
    expect(r.columns).toEqual(['name', 'id', 'sis_user_id', 'sis_login_id', 'section']);
    expect(r.rows.map((x) => x.fields)).toEqual([
      { name: 'Lovelace, Ada', id: '101', sis_user_id: 'S1', sis_login_id: 'ada', section: 'L01' },
      { name: 'O"Neil, Bo', id: '102', sis_user_id: 'S2', sis_login_id: 'bo', section: 'L01, L02' },
    ]);
    expect(parseCsv('a,"b\nc",d\n')).toEqual([{ line: 1, cells: ['a', 'b\nc', 'd'] }]);
  });

  it('refuses a roster with no column to match folders by, and one that cannot be read', () => {
    expect(() => readRoster(write('name,section\nAda,L01\n'))).toThrow(/no column to match submission folders by \(its header: name, section\); add one named folder, email, SIS Login ID/);
    expect(() => readRoster(write('email\n"ada@uni.edu\n'))).toThrow(RosterError);
    expect(() => readRoster('/nonexistent/roster.csv')).toThrow(/cannot be read \(ENOENT\)/);
  });

  it('matches by folder column, login, email and commit author, and lists the rest', () => {
    const roster = readRoster(write([
      'name,email,SIS Login ID,folder,section',
      'Ada Lovelace,ada@uni.edu,alove,hw-ada,A',
      'Bo Neil,bo@uni.edu,bneil,,A',
      'Cara Diaz,cara@uni.edu,cdiaz,,B',
      '"Diaz, Dan",dan@uni.edu,ddiaz,,B',
      'Eve Noone,eve@uni.edu,enoone,,B',
    ].join('\n')));
    const m = matchRoster(roster, [
      { folder: 'hw-ada', emails: [], names: [] },
      { folder: 'bneil', emails: [], names: [] },
      { folder: 'submission-17', emails: ['Cara@Uni.edu'], names: [] },
      { folder: 'repo-dan', emails: ['dan@laptop.local'], names: ['Dan Diaz'] },
      { folder: 'stranger', emails: ['x@y.z'], names: ['Nobody'] },
    ]);
    expect(Object.fromEntries([...m.students].map(([f, s]) => [f, [s.name, s.matched_by]]))).toEqual({
      'hw-ada': ['Ada Lovelace', 'folder'],
      bneil: ['Bo Neil', 'folder'],
      'submission-17': ['Cara Diaz', 'email'],
      'repo-dan': ['Diaz, Dan', 'git author'],
    });
    expect(m.students.get('hw-ada')).toEqual({ name: 'Ada Lovelace', email: 'ada@uni.edu', sis_login_id: 'alove', section: 'A', matched_by: 'folder' });
    expect(m.unknown).toEqual([{ folder: 'stranger', why: 'no row matches it' }]);
    expect(m.missing.map((r) => r.fields.name)).toEqual(['Eve Noone']);
    const warnings = rosterWarnings(m, 'roster.csv');
    expect(warnings[0]).toMatch(/^1 submission not in roster.csv \(graded and in the gradebook, but in no LMS export .*\): stranger \(no row matches it\)$/);
    expect(warnings[1]).toMatch(/^1 student in roster.csv with no submission: Eve Noone \(eve@uni.edu, enoone\) \(line 6\)$/);
  });

  it('gives every result of a batch its student and due verdict, and keeps the ones it cannot match', () => {
    const subs = tmp();
    fs.mkdirSync(path.join(subs, 'ada'));
    fs.writeFileSync(path.join(subs, 'ada', 'a.py'), '');
    fs.utimesSync(path.join(subs, 'ada', 'a.py'), new Date('2026-10-05T00:00:00Z'), new Date('2026-10-05T00:00:00Z'));
    fs.mkdirSync(path.join(subs, 'zed'));
    const roster = readRoster(write('folder,email\nada,ada@uni.edu\n'));
    const due = duePolicy({ date: '2026-10-01T23:59:00Z', penalty: '10%/day', cap: '50%' }, undefined, 'a.yaml');
    const a = annotator(['ada', 'zed'].map((n) => ({ name: n, source: path.join(subs, n), zip: false })), { due, roster });
    expect(a.warnings).toHaveLength(1);
    const r = a.apply({ ...syntheticResult(), submission: 'ada' });
    expect(r.student).toEqual({ email: 'ada@uni.edu', matched_by: 'folder' });
    // 2026-10-05 00:00 is 3 days and 1 minute past 2026-10-01 23:59: 4 started days, 40%.
    expect(r.late).toMatchObject({ source: 'mtime', days_late: 4, penalty: 0.4 });
    expectValidResult(r);
    const z = a.apply({ ...syntheticResult(), submission: 'zed', student: { name: 'stale', matched_by: 'folder' } });
    expect(z.student).toBeUndefined();
    expect(z.late).toBeDefined();
  });
});
