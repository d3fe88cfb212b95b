/**
 * index.html for a batch: the score histogram, each check's pass rate and most common failure,
 * and a row per submission linking to its reports. Self-contained like report.html.
 */
import type { BatchEntry, BatchReporter, ReportOptions } from './reporter.ts';
import { meterClass, renderTemplate } from './html.ts';
import { histogramView } from './plots.ts';
import { pts } from './text.ts';

const href = (dir: string, file: string) => `${dir.split('/').map(encodeURIComponent).join('/')}/${encodeURIComponent(file)}`;
const pct1 = (a: number, b: number) => (b > 0 ? Math.round((a / b) * 1000) / 10 : 0);
const LABELS: Record<string, string> = { html: 'html', json: 'json', markdown: 'md', junit: 'junit', gradescope: 'gradescope', text: 'txt' };

const RANK: Record<string, number> = { failed: 0, timeout: 1, error: 2 };
const TODO = /returned None|NotImplementedError|still a TODO/;

/** A failure message without its numbers, so that the same mistake groups across students. */
const shapeOfMessage = (m: string) => m.replace(/^(hidden )?case \S+: /, '').replace(/-?\d[\d.e+-]*/g, '#').slice(0, 140);

export function indexModel(entries: BatchEntry[], opts: ReportOptions = {}) {
  const sorted = [...entries].sort((a, b) => a.result.submission.localeCompare(b.result.submission));
  const results = sorted.map((e) => e.result);
  const max = Math.max(0, ...results.map((r) => r.max_score));
  const scores = results.map((r) => r.score).sort((a, b) => a - b);
  const mean = scores.length ? scores.reduce((a, b) => a + b, 0) / scores.length : 0;
  const median = scores.length ? (scores[(scores.length - 1) >> 1] + scores[scores.length >> 1]) / 2 : 0;
  const h = histogramView(scores, max);

  const ids: { id: string; title: string; points: number }[] = [];
  for (const r of results) for (const c of r.checks) if (!ids.some((x) => x.id === c.id)) ids.push({ id: c.id, title: c.title, points: c.max_score });
  const checks = ids.map(({ id, title, points }) => {
    const all = results.flatMap((r) => r.checks.filter((c) => c.id === id));
    const graded = all.filter((c) => c.status !== 'skipped');
    const passed = graded.filter((c) => c.status === 'passed').length;
    const counts = new Map<string, { n: number; example: string; rank: number }>();
    for (const c of graded) {
      if (c.status === 'passed') continue;
      const key = shapeOfMessage(c.message);
      const rank = (RANK[c.status] ?? 3) + (TODO.test(c.message) ? 3 : 0);
      counts.set(key, { n: (counts.get(key)?.n ?? 0) + 1, example: c.message, rank });
    }
    // On a tie a wrong answer says more about the check than a crash or an unfinished TODO.
    const common = [...counts.values()].sort((a, b) => b.n - a.n || a.rank - b.rank)[0];
    const pct = pct1(passed, graded.length);
    return { id, title, points: pts(points), passed, graded: graded.length, pct, meterClass: meterClass(pct), common: common ? `${common.n} of ${graded.length - passed}: ${common.example.length > 160 ? `${common.example.slice(0, 159)}…` : common.example}` : '' };
  });

  const students = sorted.map((e) => {
    const r = e.result;
    const pct = pct1(r.score, r.max_score);
    const report = e.files.html ? href(e.dir, e.files.html) : undefined;
    return {
      name: r.submission,
      student: r.student?.name ?? '',
      score: pts(r.score),
      // The penalty beside the score it took from: "−20% late (8.5 before)".
      late: r.late && r.late.penalty > 0 ? `−${Math.round(r.late.penalty * 1000) / 10}% late (${pts(r.late.raw_score)} before)` : r.late && r.late.seconds_late > 0 ? 'late, no penalty' : '',
      max: pts(r.max_score),
      pct,
      meterClass: meterClass(pct),
      report,
      bad: r.checks.filter((c) => c.status !== 'passed' && c.status !== 'skipped').map((c) => ({ id: c.id, status: c.status, href: report ? `${report}#check-${encodeURIComponent(c.id)}` : '#' })),
      errors: r.errors.length ? r.errors.join('; ') : '',
      files: Object.entries(e.files).map(([name, file]) => ({ label: LABELS[name] ?? name, href: href(e.dir, file) })),
    };
  });

  const f = h.frame;
  const seeds = [...new Set(results.map((r) => r.seed))];
  return {
    assignment: [...new Set(results.map((r) => r.assignment))].join(', ') || 'no submissions',
    count: results.length,
    max: pts(max),
    mean: pts(Math.round(mean * 100) / 100),
    median: pts(median),
    full: results.filter((r) => r.max_score > 0 && r.score >= r.max_score).length,
    seed: seeds.length === 1 ? seeds[0] : '',
    graderVersion: results[0]?.environment.grader_version ?? '',
    hist: {
      ...h,
      bars: h.bars.map((b) => ({ ...b, center: Math.round((b.x + b.w / 2) * 10) / 10 })),
      right: f.x + f.w, bottom: f.y + f.h, labelX: f.x - 6, axisY: f.y + f.h + 14, titleY: f.y + f.h + 32, middle: f.x + f.w / 2,
    },
    checks,
    students,
    gradebook: 'gradebook.csv',
    late: results.filter((r) => r.late && r.late.seconds_late > 0).length,
    diff: opts.besides?.diff,
  };
}

export const indexReporter: BatchReporter = {
  name: 'index',
  file: 'index.html',
  describe: 'an HTML index: score histogram, pass rate of each check, links to every report',
  render: (entries, opts) => renderTemplate('index', indexModel(entries, opts)),
};
