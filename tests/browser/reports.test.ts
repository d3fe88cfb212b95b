/**
 * The HTML reports as a person sees them, in a real headless Chromium (Debian's, driven by
 * playwright-core): a graded sample class's index and every student's report, plus a synthetic
 * result with training curves and markup in a traceback. Each page is checked for what a
 * student needs at a glance and saved as a screenshot under test-results/browser/.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { execa } from 'execa';
import { type BrowserContext, type Page, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadClass, materializeClass } from '../../harness/cli/sample-class.ts';
import type { SubmissionResult } from '../../harness/results/types.ts';
import { htmlReport } from '../../reports/html.ts';
import { calibrationHtml } from '../../reports/calibration.ts';
import { type Graded, calibrate } from '../../harness/results/calibration.ts';
import { syntheticResult } from '../helpers/results.ts';

const root = path.resolve(import.meta.dirname, '../..');
const shots = path.join(root, 'test-results', 'browser');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
// A few checks keep the batch quick and still give every kind of outcome: heat maps (gelu,
// cross-entropy), a step check, written answers, a syntax error, a starter.
const ONLY = ['gelu_*', 'cross_entropy_*', 'adam_step', 'answer_*'];
// A student name with markup in it: the calibration page must show it as text.
const XSS_NAME = '<img src=x onerror=alert(1)>';

let context: BrowserContext;
let out: string;
const offsite: string[] = [];
const dialogs: string[] = [];

async function open(file: string): Promise<Page> {
  const page = await context.newPage();
  page.on('dialog', (d) => {
    dialogs.push(d.message());
    void d.dismiss();
  });
  await page.goto(pathToFileURL(file).href);
  return page;
}

const result = (name: string): SubmissionResult => JSON.parse(fs.readFileSync(path.join(out, name, 'result.json'), 'utf8'));

beforeAll(async () => {
  if (!fs.existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} not found: run bash scripts/setup.sh (it installs Debian's chromium), or set CHROMIUM_PATH`);
  fs.mkdirSync(shots, { recursive: true });
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'dlgrade-browser-'));
  const classDir = materializeClass('mlp-numpy', path.join(work, 'class'))!;
  out = path.join(work, 'results');
  const r = await execa('node', [path.join(root, 'bin/dlgrade.mjs'), 'grade', classDir, '--assignment', 'mlp-numpy', '--out', out, '--jobs', '2', '--seed', 'browser', ...ONLY.flatMap((g) => ['--only', g])], { reject: false, env: { NO_COLOR: '1' } });
  expect(r.exitCode, r.stderr).toBe(0);
  context = await chromium.launchPersistentContext(fs.mkdtempSync(path.join(os.tmpdir(), 'dlgrade-chromium-')), {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync'],
    viewport: { width: 1100, height: 900 },
  });
  // Self-contained means nothing but the report's own files is ever asked for.
  await context.route('**/*', (route) => {
    const url = route.request().url();
    if (url.startsWith('file:')) return route.continue();
    offsite.push(url);
    return route.abort();
  });
});

afterAll(async () => {
  await context?.close();
});

describe('HTML reports in Chromium', () => {
  it('the index shows the histogram, each check’s pass rate, and its links open the reports', async () => {
    const page = await open(path.join(out, 'index.html'));
    await expect.poll(() => page.locator('h1').textContent()).toBe('mlp-numpy');
    expect(await page.locator('#histogram svg').isVisible()).toBe(true);
    const counts = await page.locator('#histogram rect.bar title').allTextContents();
    expect(counts.reduce((s, t) => s + Number(t.match(/: (\d+) submission/)![1]), 0)).toBe(loadClass('mlp-numpy').length);
    const rows = page.locator('tr.check-rate');
    expect(await rows.count()).toBe(7);
    const gelu = await page.locator('tr.check-rate[data-check="gelu_backward"] .rate').textContent();
    // farid (wrong gelu derivative), ben (starter) and hugo (syntax error) fail it; the rest pass.
    const n = loadClass('mlp-numpy').length;
    expect(gelu).toBe(`${((100 * (n - 3)) / n).toFixed(1)}%`);
    expect(await page.locator('a.report-link').count()).toBe(loadClass('mlp-numpy').length);
    await page.screenshot({ path: path.join(shots, 'index.png'), fullPage: true });
    await page.locator('a.report-link', { hasText: 'farid' }).click();
    await page.waitForURL(/farid\/report\.html$/);
    expect(await page.locator('#score .score').textContent()).toMatch(new RegExp(`^${result('farid').score} / ${result('farid').max_score} points$`));
    await page.close();
  });

  it('a report shows the score, the failed check with where it differs, the environment and the seed', async () => {
    const page = await open(path.join(out, 'farid', 'report.html'));
    const r = result('farid');
    expect(await page.locator('#score .score').innerText()).toBe(`${r.score} / ${r.max_score} points`);
    const check = page.locator('#check-gelu_backward');
    expect(await check.getAttribute('open')).not.toBeNull();
    expect(await check.locator('summary .msg').innerText()).toMatch(/^case published: dx: worst \|diff\| [\d.e-]+ of the largest \|expected\| \([\d.]+\) at \[\d+,\d+\], expected/);
    const map = check.locator('figure.heatmap svg[role="img"]');
    expect(await map.isVisible()).toBe(true);
    expect(await map.locator('rect').count()).toBe(15 * 15);
    const box = await map.boundingBox();
    expect(box!.width).toBeGreaterThan(100);
    expect(await check.locator('.case').first().locator('table.worst tbody tr').count()).toBe(5);
    expect(await page.locator('#seed').innerText()).toBe('browser');
    expect(await page.locator('#environment').innerText()).toMatch(/numpy\s+1\.\d+/);
    // Passed checks stay folded.
    expect(await page.locator('#check-gelu_forward').getAttribute('open')).toBeNull();
    await page.screenshot({ path: path.join(shots, 'farid.png'), fullPage: true });
    await check.screenshot({ path: path.join(shots, 'farid-gelu_backward.png') });
    await page.close();
  });

  it('every student’s report opens and shows their score and what did not pass', async () => {
    for (const s of loadClass('mlp-numpy')) {
      const r = result(s.name);
      const page = await open(path.join(out, s.name, 'report.html'));
      expect(await page.locator('#score .score').innerText(), s.name).toBe(`${r.score} / ${r.max_score} points`);
      const bad = r.checks.filter((c) => c.status !== 'passed');
      expect(await page.locator('details.check[open]').count(), s.name).toBe(bad.length);
      for (const c of bad) expect(await page.locator(`#check-${c.id} summary .msg`).isVisible(), `${s.name} ${c.id}`).toBe(true);
      if (s.name === 'hugo') expect(await page.locator('pre.traceback').first().innerText()).toContain('class flatten(object)');
      await page.screenshot({ path: path.join(shots, `${s.name}.png`), fullPage: true });
      await page.close();
    }
  });

  it('the calibration page draws one strip per output: a dot per submission, the bar as a line', async () => {
    // Two outputs, each graded for a solution, a variant, a mutant and a real hand-in.
    const sub = (role: Graded['role'], name: string, dx: number, db: number): Graded => ({
      role, name, seed: 's1',
      result: { checks: [{ id: 'conv_backward', title: 't', kind: 'gradient', status: 'passed', score: 1, max_score: 1, message: '', seconds: 0, cases: [{ name: 'published', hidden: false, status: 'passed', message: '', seconds: 0, comparisons: [
        { output: 'dx', metric: 'scaled_error', value: dx, bar: 3e-5, passed: dx <= 3e-5, message: '' },
        { output: 'db', metric: 'scaled_error', value: db, bar: 3e-5, passed: db <= 3e-5, message: '' },
      ] }] }] } as unknown as SubmissionResult,
    });
    const outputs = calibrate([sub('solution', 'solution', 1e-15, 0), sub('variant', 'float32', 1e-7, 2e-8), sub('mutant', 'stride', 2, 0.5), sub('real', `${XSS_NAME}`, 4e-6, 1e-9)]);
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'dlgrade-calibration-')), 'calibration.html');
    fs.writeFileSync(file, calibrationHtml('cnn-numpy', ['s1'], outputs, (_c, o) => (o === 'db' ? 'exact in correct code' : undefined)));
    const page = await open(file);
    const sections = page.locator('section.output');
    expect(await sections.count()).toBe(2);
    const dx = page.locator('section.output[data-output="dx"]');
    expect(await dx.locator('circle.dot').count()).toBe(4);
    expect(await dx.locator('line.bar').count()).toBe(1);
    expect(await dx.locator('svg.strip').isVisible()).toBe(true);
    // The bar sits between the variant's dot and the mutant's.
    const xs = await dx.locator('circle.dot').evaluateAll((els) => els.map((e) => Number(e.getAttribute('cx'))));
    const bar = Number(await dx.locator('line.bar').getAttribute('x1'));
    expect(xs[1]).toBeLessThan(bar);
    expect(xs[2]).toBeGreaterThan(bar);
    expect(await dx.locator('.flag').allInnerTexts()).toEqual([expect.stringMatching(/^real hand-in .* passes at 4\.0e-6, within 10x below the bar/)]);
    expect(await page.locator('section.output[data-output="db"]').innerText()).toContain('narrow, as the pack says: exact in correct code');
    expect(await page.locator('script, img').count()).toBe(0);
    await page.screenshot({ path: path.join(shots, 'calibration.png'), fullPage: true });
    await page.close();
  });

  it('draws training curves and shows a traceback’s markup as text, running nothing', async () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'dlgrade-synthetic-')), 'report.html');
    fs.writeFileSync(file, htmlReport(syntheticResult()));
    const page = await open(file);
    const plots = page.locator('figure.plot');
    expect(await plots.count()).toBe(2);
    expect(await plots.first().locator('path').count()).toBe(2);
    expect(await plots.first().isVisible()).toBe(true);
    expect(await plots.first().locator('figcaption').innerText()).toBe('loss: train loss val loss');
    const tb = page.locator('#check-softmax pre.traceback');
    expect(await tb.innerText()).toContain('<script>alert("pwned")</script><img src=x onerror=alert(1)>');
    expect(await page.locator('#check-softmax script, #check-softmax img').count()).toBe(0);
    expect(await page.locator('#check-conv_forward figure.heatmap svg[role="img"] rect').count()).toBe(25);
    await page.screenshot({ path: path.join(shots, 'synthetic-curves.png'), fullPage: true });
    await page.close();
    expect(dialogs).toEqual([]);
    expect(offsite).toEqual([]);
  });
});
