/** The batch's outputs and the live ones: index, gradebook, progress line, GitHub annotations. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { SubmissionResult } from '../../harness/results/types.ts';
import { annotations, reportToGithub } from '../../reports/github.ts';
import { indexModel, indexReporter } from '../../reports/index-html.ts';
import { histogramView } from '../../reports/plots.ts';
import { Progress } from '../../reports/progress.ts';
import type { BatchEntry } from '../../reports/reporter.ts';
import { XSS, syntheticResult } from '../helpers/results.ts';

function student(name: string, passing: string[]): SubmissionResult {
  const r = syntheticResult();
  r.submission = name;
  r.checks = r.checks.map((c) => (passing.includes(c.id) ? { ...c, status: 'passed', score: c.max_score, message: 'ok' } : { ...c, status: 'failed', score: 0 }));
  r.score = r.checks.reduce((s, c) => s + c.score, 0);
  return r;
}

const entries: BatchEntry[] = [
  { result: student('ana', ['fc_forward', 'fc_backward', 'softmax', 'sgd_step', 'conv_forward', 'gpu_parity', 'train_tinynet']), dir: 'ana', files: { html: 'report.html', json: 'result.json' } },
  { result: student('bo b', ['fc_forward']), dir: 'bo b', files: { html: 'report.html' } },
  { result: student('cy', ['fc_forward', 'softmax']), dir: 'cy', files: {} },
];

describe('HTML index', () => {
  const m = indexModel(entries);

  it('gives each check its pass rate and most common failure', () => {
    const rate = Object.fromEntries(m.checks.map((c) => [c.id, `${c.passed}/${c.graded} ${c.pct}%`]));
    expect(rate).toMatchObject({ fc_forward: '3/3 100%', softmax: '2/3 66.7%', fc_backward: '1/3 33.3%' });
    expect(m.checks.find((c) => c.id === 'fc_backward')!.common).toMatch(/^2 of 2: case published: dx: worst rel_error/);
  });

  it('links each submission to its report, escaped for a URL, and its failed checks to their anchors', () => {
    expect(m.students.map((s) => s.report)).toEqual(['ana/report.html', 'bo%20b/report.html', undefined]);
    expect(m.students[1].bad[0].href).toBe('bo%20b/report.html#check-fc_backward');
    const html = indexReporter.render(entries);
    expect(html).toContain('href="bo%20b/report.html"');
    expect(html).not.toContain(XSS);
  });

  it('draws the score histogram with the counts in the right bins', () => {
    const h = histogramView([0, 1, 1, 14, 36, 35.5, 20], 36);
    expect(h.bars.map((b) => b.count)).toEqual([3, 0, 0, 1, 0, 1, 0, 0, 2]);
    expect(h.bars[8].label).toBe('32–36');
    const small = histogramView([0, 2, 2, 3], 3);
    expect(small.bars.map((b) => [b.label, b.count])).toEqual([['0', 1], ['1', 0], ['2', 2], ['3', 1]]);
  });
});

describe('progress', () => {
  const sink = (isTTY: boolean) => {
    const out: string[] = [];
    return { out, stream: { isTTY, columns: 80, write: (s: string) => out.push(s) } };
  };

  it('keeps one line up to date on a terminal', () => {
    const { out, stream } = sink(true);
    const p = new Progress(stream, 4);
    p.update(student('a', ['fc_forward']));
    p.update(student('b', ['fc_forward', 'fc_backward', 'softmax', 'sgd_step', 'conv_forward', 'train_tinynet']));
    p.finish();
    expect(out[0]).toBe('\r[....................] 0/4 graded, 0 failed checks');
    expect(out[2]).toMatch(/^\r\[##########\.{10}\] 2\/4 graded, 7 failed checks/);
    expect(out.join('').split('\n')).toHaveLength(2); // only finish() ends the line
  });

  it('fits a narrow terminal and takes a width of 0 (a pseudo-terminal) for 80', () => {
    const narrow: string[] = [];
    new Progress({ isTTY: true, columns: 30, write: (s) => narrow.push(s) }, 4);
    expect(narrow[0]).toBe('\r[....................] 0/4 gr');
    const zero: string[] = [];
    new Progress({ isTTY: true, columns: 0, write: (s) => zero.push(s) }, 4);
    expect(zero[0]).toBe('\r[....................] 0/4 graded, 0 failed checks');
  });

  it('counts on from the results a resumed batch kept, their failed checks included', () => {
    const all = syntheticResult().checks.map((c) => c.id);
    const kept = Array.from({ length: 12 }, (_, i) => student(`k${i}`, i === 0 ? all.filter((id) => id !== 'fc_forward') : all));
    const { out, stream } = sink(true);
    new Progress(stream, 40, kept).update(student('n', all));
    expect(out[0]).toMatch(/ 12\/40 graded, 1 failed check$/);
    expect(out[1]).toMatch(/ 13\/40 graded, 1 failed check$/);
    const lines = sink(false);
    new Progress(lines.stream, 40, kept).update(student('n', all));
    expect(lines.out).toEqual([expect.stringMatching(/^\[13\/40\] n /)]);
  });

  it('writes a line per submission elsewhere', () => {
    const { out, stream } = sink(false);
    const p = new Progress(stream, 12);
    p.update(student('a', ['fc_forward']));
    p.finish();
    expect(out).toEqual([expect.stringMatching(/^\[ 1\/12\] a {23} +2\/14 {2}\(1\/7 checks, 12\.5 s\)\n$/)]);
  });
});

describe('GitHub Actions', () => {
  const r = syntheticResult();

  it('annotates each check that failed, errored or timed out, escaping what would break the command', () => {
    const a = annotations(r);
    expect(a).toHaveLength(4);
    expect(a[0]).toMatch(/^::error title=fc_backward failed \(0\/2\)::the fc_backward check: case published: dx: worst/);
    expect(a[0]).toContain('%0Ahint: dx needs the shape of x');
    expect(a.every((l) => !l.includes('\n'))).toBe(true);
    r.checks[1].message = '100% wrong: a, b';
    expect(annotations(r)[0]).toContain('100%25 wrong: a, b');
  });

  it('prints them only under GitHub Actions and appends the step summary only when asked', () => {
    const printed: string[] = [];
    expect(reportToGithub(r, '# summary', {}, (l) => printed.push(l))).toEqual([]);
    expect(printed).toEqual([]);
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'dlgrade-gh-')), 'summary.md');
    fs.writeFileSync(file, 'earlier step\n');
    expect(reportToGithub(r, '# summary', { GITHUB_ACTIONS: 'true', GITHUB_STEP_SUMMARY: file }, (l) => printed.push(l))).toEqual(['4 annotations', 'step summary']);
    expect(printed).toHaveLength(4);
    expect(fs.readFileSync(file, 'utf8')).toBe('earlier step\n# summary\n\n');
  });
});
