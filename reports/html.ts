/**
 * report.html: one self-contained page per submission (inline CSS and SVG, no script, no
 * network, a Content-Security-Policy that forbids both). Rendered from handlebars templates in
 * reports/templates; every value the student controls goes through handlebars' escaping: the
 * templates never use the raw {{{ }}} form.
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fmt } from '../harness/results/format.ts';
import type { Comparison } from '../harness/results/types.ts';
import type { CaseResult, CheckResult, Status, SubmissionResult } from '../harness/results/types.ts';
import { heatmapView, plotViews } from './plots.ts';
import type { PlotView } from './plots.ts';
import type { SubmissionReporter } from './reporter.ts';
import { STATUS_WORD, cacheNote, caseLabel, isBad, lateLine, passedCount, pts, studentLine, tail, visibleControls } from './text.ts';

const TEMPLATES = path.join(import.meta.dirname, 'templates');

/** A handlebars instance with the shared partials (files starting with _) registered. */
export function templates(): { render: (name: string, model: unknown) => string } {
  // Loaded when a page is first rendered: most runs of the CLI render none (a cached re-run).
  const hb = (createRequire(import.meta.url)('handlebars') as typeof import('handlebars')).create();
  for (const f of fs.readdirSync(TEMPLATES)) {
    if (f.startsWith('_') && f.endsWith('.hbs')) hb.registerPartial(f.slice(0, -4), fs.readFileSync(path.join(TEMPLATES, f), 'utf8'));
  }
  const cache = new Map<string, HandlebarsTemplateDelegate>();
  return {
    render: (name, model) => {
      if (!cache.has(name)) cache.set(name, hb.compile(fs.readFileSync(path.join(TEMPLATES, `${name}.hbs`), 'utf8'), { strict: false }));
      return cache.get(name)!(model);
    },
  };
}

const num = (v: number | null | undefined) => (v === null || v === undefined ? 'NaN/inf' : fmt(v));
const shapeText = (s: number[]) => `(${s.join(', ')}${s.length === 1 ? ',' : ''})`;
const ORDER: Status[] = ['failed', 'error', 'timeout', 'skipped'];

export const meterClass = (pct: number) => (pct >= 80 ? '' : pct >= 50 ? 'mid' : 'low');

function comparisonView(c: Comparison, gid: string, withMap: boolean) {
  const d = c.detail;
  // The bar only means "within tolerance" on the rel_error map when it is a rel_error bar.
  const floor = c.metric === 'rel_error' || c.metric === 'rel_or_abs' ? c.bar : 1e-12;
  return {
    output: c.output,
    message: c.message,
    gid,
    errorName: c.metric === 'rel_or_abs' ? 'error' : c.metric === 'sum_abs' ? 'abs diff' : c.metric,
    shape: d ? shapeText(d.shape) : '',
    top: (d?.top ?? (c.worst ? [c.worst] : [])).map((w) => ({ index: w.index.join(','), expected: num(w.expected), got: num(w.got), error: num(w.error) })),
    heatmap: d?.heatmap && withMap ? heatmapView(d.heatmap, floor) : undefined,
  };
}

function plotModel(p: PlotView) {
  const f = p.frame;
  return { ...p, frame: { ...f, right: f.x + f.w, bottom: f.y + f.h, tick: f.y + f.h + 5, labelX: f.x - 6, labelY: f.y + f.h + 18 } };
}

function caseView(c: CheckResult, i: number, mapCase: number) {
  return (k: CaseResult, j: number) => {
    const comparisons = k.comparisons.filter((x) => !x.passed && (x.detail || x.worst)).map((x, n) => comparisonView(x, `${i}-${j}-${n}`, j === mapCase));
    return {
      label: caseLabel(k),
      status: k.status,
      statusWord: STATUS_WORD[k.status],
      // The comparisons repeat the case's message output by output; say it once.
      message: comparisons.length ? '' : k.message,
      traceback: k.traceback && visibleControls(k.traceback),
      comparisons,
      mapsElsewhere: j !== mapCase && mapCase >= 0 && k.comparisons.some((x) => x.detail?.heatmap),
    };
  };
}

function checkView(c: CheckResult, i: number) {
  // Heat maps for the first case that has them: the others usually repeat the picture, and a
  // page of dozens of maps is slow to read and to load.
  const mapCase = c.cases.findIndex((k) => k.status !== 'passed' && k.comparisons.some((x) => x.detail?.heatmap));
  const bad = c.cases.map((k, j) => [k, j] as const).filter(([k]) => k.status !== 'passed');
  const view = caseView(c, i, mapCase);
  const passedCases = c.cases.filter((k) => k.status === 'passed').map(caseLabel);
  return {
    id: c.id,
    title: c.title,
    status: c.status,
    statusWord: STATUS_WORD[c.status],
    passed: c.status === 'passed',
    score: pts(c.score),
    max: pts(c.max_score),
    message: c.message,
    // The summary line stays short; the full message is in the cases below it.
    summary: c.message.length > 240 ? `${c.message.slice(0, 239)}…` : c.message,
    hint: c.hint,
    open: c.status !== 'passed' || !!c.curves?.length,
    // The first case that went wrong in full; the others folded, since they mostly repeat it.
    first: bad.slice(0, 1).map(([k, j]) => view(k, j)),
    more: bad.slice(1).map(([k, j]) => view(k, j)),
    moreLabel: `${bad.length - 1} more case${bad.length === 2 ? '' : 's'} did not pass`,
    passedCases: c.status !== 'passed' && passedCases.length ? `Passed: ${passedCases.join(', ')}.` : '',
    plots: plotViews(c.curves ?? []).map(plotModel),
  };
}

export function reportModel(r: SubmissionResult) {
  const pct = r.max_score > 0 ? Math.round((r.score / r.max_score) * 1000) / 10 : 100;
  const env = r.environment;
  return {
    assignment: r.assignment,
    submission: r.submission,
    started: r.started_at.replace('T', ' ').replace(/\.\d+Z$/, ' UTC'),
    seconds: r.seconds.toFixed(1),
    cached: cacheNote(r),
    score: pts(r.score),
    max: pts(r.max_score),
    scoreText: `${pts(r.score)}/${pts(r.max_score)}`,
    late: lateLine(r),
    lateClass: r.late && r.late.seconds_late > 0 ? 't-failed' : 't-passed',
    student: studentLine(r),
    pct,
    meterClass: meterClass(pct),
    ok: r.checks.every((c) => !isBad(c.status)),
    passed: passedCount(r),
    total: r.checks.length,
    counts: ORDER.map((s) => {
      const n = r.checks.filter((c) => c.status === s).length;
      return { status: s, n, word: s === 'error' && n > 1 ? 'errors' : STATUS_WORD[s] };
    }).filter((x) => x.n),
    errors: r.errors,
    checks: r.checks.map(checkView),
    notPassed: r.checks.filter((c) => c.status !== 'passed').map((c) => ({ id: c.id, status: c.status })),
    stdout: r.stdout.trim() ? visibleControls(tail(r.stdout, 400, 40_000)) : '',
    stderr: r.stderr.trim() ? visibleControls(tail(r.stderr, 400, 40_000)) : '',
    seed: r.seed,
    graderVersion: env.grader_version,
    env: [
      ['python', env.python ?? 'not found'],
      ['interpreter', env.executable ?? '—'],
      ['platform', env.platform ?? '—'],
      ...Object.entries(env.modules),
      ['sandbox', env.sandbox],
      ['dlgrade', env.grader_version],
      ['node', env.node],
    ].map(([k, v]) => ({ k, v })),
  };
}

let shared: ReturnType<typeof templates> | undefined;
export const renderTemplate = (name: string, model: unknown) => (shared ??= templates()).render(name, model);

export const htmlReport = (r: SubmissionResult) => renderTemplate('report', reportModel(r));

export const htmlReporter: SubmissionReporter = {
  name: 'html',
  file: 'report.html',
  describe: 'a self-contained HTML report (score, failures with where they differ, plots, environment)',
  render: (r) => htmlReport(r),
};
