/**
 * Each per-submission output, from one synthetic result that has every status, a hidden case,
 * markup and control characters in what the student controls, and training curves.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { gradescopeResults } from '../../reports/gradescope.ts';
import { htmlReport } from '../../reports/html.ts';
import { junitXml } from '../../reports/junit.ts';
import { markdownSummary, mdInline } from '../../reports/markdown.ts';
import { BATCH_REPORTERS, SUBMISSION_REPORTERS } from '../../reports/registry.ts';
import { parseReports } from '../../harness/cli/options.ts';
import gradescopeSchema from '../../reports/schemas/gradescope-results.schema.json' with { type: 'json' };
import { parseJunit } from '../helpers/junit.ts';
import { XSS, syntheticResult } from '../helpers/results.ts';

const r = syntheticResult();
const root = path.resolve(import.meta.dirname, '../..');

describe('JUnit XML', () => {
  const xml = junitXml(r);
  const [suite] = parseJunit(xml);

  it('has one testcase per check, named by id and title, with the points as properties', () => {
    expect(suite.cases.map((c) => c.name)).toEqual(r.checks.map((c) => `${c.id}: ${c.title}`));
    expect(new Set(suite.cases.map((c) => c.classname))).toEqual(new Set(['mlp-numpy']));
    expect(suite.cases[1].properties).toMatchObject({ score: '0', max_score: '2', kind: 'gradient' });
    expect(suite.properties).toMatchObject({ seed: 'seed-42', score: String(r.score), 'module.numpy': '1.24.2', submission: 'zoe<b>' });
  });

  it('maps failed to <failure>, error and timeout to <error>, skipped to <skipped> with the reason', () => {
    const by = Object.fromEntries(suite.cases.map((c) => [c.name.split(':')[0], c]));
    expect(by.fc_forward.outcome).toBe('passed');
    expect(by.fc_backward).toMatchObject({ outcome: 'failure', type: 'failed' });
    expect(by.fc_backward.body).toMatch(/worst rel_error .* at \[\d,7\]/);
    expect(by.fc_backward.body).toMatch(/hint: dx needs the shape of x/);
    expect(by.softmax).toMatchObject({ outcome: 'error', type: 'error' });
    expect(by.sgd_step).toMatchObject({ outcome: 'error', type: 'timeout' });
    expect(by.gpu_parity).toMatchObject({ outcome: 'skipped', message: 'case published: needs a runner tagged cuda' });
    expect(suite.counts).toEqual({ tests: 7, failures: 2, errors: 2, skipped: 1 });
  });

  it('carries markup as text and control characters as visible escapes', () => {
    const softmax = suite.cases.find((c) => c.name.startsWith('softmax'))!;
    expect(softmax.message).toContain(XSS);
    expect(softmax.body).toContain('\\x1b[31mValueError');
    expect(xml).not.toMatch(/[\x00-\x08\x0b\x0c\x0e-\x1f]/);
    expect(suite.systemOut).toContain('\\x00\\x07 bell');
    expect(suite.systemOut).toContain(XSS);
  });
});

describe('Gradescope results.json', () => {
  // Strict, except that anyOf branches name required fields defined at the top.
  const ajv = new Ajv({ allErrors: true, strict: true, strictRequired: false, allowUnionTypes: true });
  const validate = ajv.compile(gradescopeSchema);
  const gs = gradescopeResults(r);

  it('validates against the schema written from Gradescope’s documented fields', () => {
    expect(validate(JSON.parse(JSON.stringify(gs))) ? [] : validate.errors).toEqual([]);
    expect(validate({ score: 1, tests: [{ name: 'x', status: 'maybe' }] })).toBe(false);
    expect(validate({ tests: [{ name: 'x' }] })).toBe(false); // no score anywhere
  });

  it('scores each check as a test, in order, and the whole as the result', () => {
    expect(gs.score).toBe(r.score);
    expect(gs.tests.map((t) => t.number)).toEqual(r.checks.map((_, i) => String(i + 1)));
    // A pending check (skipped for want of a runner tag) is an informational test worth 0.
    const pending = r.checks.filter((c) => c.status === 'skipped').reduce((s, c) => s + c.max_score, 0);
    expect(gs.tests.reduce((s, t) => s + t.max_score, 0)).toBeCloseTo(r.max_score - pending, 9);
    expect(gs.tests.map((t) => t.status)).toEqual(r.checks.map((c) => (c.status === 'skipped' ? undefined : c.status === 'passed' ? 'passed' : 'failed')));
    expect(gs.tests[1].tags).toEqual(['gradient', 'failed', 'hidden-inputs']);
    expect(gs.stdout_visibility).toBe('hidden');
  });

  it('shows published cases in full and never a hidden case’s values or traceback', () => {
    const conv = gs.tests.find((t) => t.name.includes('conv_forward'))!;
    const hidden = r.checks.find((c) => c.id === 'conv_forward')!.cases[1].comparisons[0];
    expect(conv.output).toMatch(/hidden case random \[failed\]: out: rel_error 0\.333333 > 1\.00e-7/);
    expect(conv.output).not.toContain(String(hidden.worst!.expected).slice(0, 6));
    expect(conv.output).not.toMatch(/expected|got|at \[/);
    const fc = gs.tests.find((t) => t.name.includes('fc_backward'))!;
    expect(fc.output).toMatch(/case published \[failed\]: dx: worst rel_error .* expected .* got/);
  });

  it('shows a pending check as an informational test with its reason, not a failed one', () => {
    const gpu = gs.tests.find((t) => t.name.includes('gpu_parity'))!;
    expect(gpu).toMatchObject({ score: 0, max_score: 0, tags: ['property', 'pending'] });
    expect(gpu.status).toBeUndefined();
    expect(gpu.output).toMatch(/^Pending, not failed: .*needs a runner tagged cuda/);
    expect(gs.output).toContain('Pending (not failed');
  });

  it('says how the code was isolated, at the top and in extra_data', () => {
    expect(gs.output).toContain(`Isolation: ${r.environment.sandbox}`);
    expect(gs.extra_data.isolation).toBe(r.environment.sandbox);
  });

  it('gives a check with only hidden cases the visibility the instructor chose', () => {
    const train = (v?: 'hidden') => gradescopeResults(r, v ? { gradescopeHiddenVisibility: v } : {}).tests.find((t) => t.name.includes('train_tinynet'))!;
    expect(train().visibility).toBe('after_published');
    expect(train('hidden').visibility).toBe('hidden');
    expect(gs.tests.find((t) => t.name.includes('fc_backward'))!.visibility).toBe('visible');
  });
});

describe('Markdown summary', () => {
  const md = markdownSummary(r);

  it('has the score, a row per check and a section per check that did not pass', () => {
    expect(md).toMatch(/^## ❌ mlp-numpy: 4\/14 points$/m);
    expect(md.split('\n').filter((l) => /^\| (✅|❌|💥|⏱️|⏭️) \|/.test(l))).toHaveLength(r.checks.length);
    expect(md.match(/^### /gm)).toHaveLength(r.checks.filter((c) => c.status !== 'passed').length + 3); // + notes, stdout, stderr
    expect(md).toContain('\nHint: dx needs the shape of x\n');
  });

  it('shows what the student controls as text, not markup', () => {
    // Outside code fences no raw tag survives; inside them everything is literal.
    const outside = md.replace(/^(`{3,}).*\n[\s\S]*?^\1$/gm, '');
    expect(outside).not.toMatch(/(?<!\\)<(script|img|\/script)/);
    expect(outside).toContain('\\<script\\>');
    expect(md).toMatch(/^````pytb\n[\s\S]*``` breaks fences\n````$/m);
    expect(md).toContain('Submission `zoe<b>`'); // in a code span: literal
    expect(md).not.toMatch(/[\x00-\x08\x1b]/);
    expect(md).toContain('\\x1b[31mValueError');
  });

  it('escapes inline markup but keeps an index and rel_error readable', () => {
    expect(mdInline('at [5,7] rel_error *x* <b> | [a](http://x) __init__ &amp;')).toBe('at [5,7] rel_error \\*x\\* \\<b\\> \\| [a\\](http://x) \\_\\_init\\_\\_ \\&amp;');
  });
});

describe('HTML report', () => {
  const html = htmlReport(r);

  it('is one self-contained file: no script, no external reference, a CSP that forbids both', () => {
    expect(html).toContain(`<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">`);
    expect(html).not.toMatch(/<script|<link|<img|@import|url\((?!#)/i);
    expect(html).not.toMatch(/(src|href)="(https?:)?\/\//i);
  });

  it('escapes everything the student controls', () => {
    expect(html).toContain('&lt;script&gt;alert(&quot;pwned&quot;)&lt;/script&gt;&lt;img src&#x3D;x onerror&#x3D;alert(1)&gt;');
    expect(html).toContain('zoe&lt;b&gt;');
    for (const f of fs.readdirSync(path.join(root, 'reports/templates'))) {
      expect(fs.readFileSync(path.join(root, 'reports/templates', f), 'utf8'), f).not.toContain('{{{');
    }
  });

  it('draws a heat map for 2-D and 4-D outputs and the curves as SVG paths', () => {
    const maps = [...html.matchAll(/<figure class="heatmap">([\s\S]*?)<\/figure>/g)];
    expect(maps).toHaveLength(2);
    expect(maps[0][1].match(/<rect x/g)).toHaveLength(6 * 8);
    expect(maps[1][1].match(/<rect x/g)).toHaveLength(5 * 5);
    expect(maps[1][1]).toMatch(/height × width/);
    const plots = [...html.matchAll(/<figure class="plot">([\s\S]*?)<\/figure>/g)];
    expect(plots.map((p) => p[1].match(/aria-label="plot: ([^"]+)"/)![1])).toEqual(['loss', 'val accuracy']);
    // The NaN in the validation loss breaks its line in two.
    const valLoss = plots[0][1].match(/<path d="([^"]+)"[^>]*><title>val loss/)![1];
    expect(valLoss.match(/M/g)).toHaveLength(2);
  });

  it('shows the score, the environment and the seed', () => {
    expect(html).toMatch(/data-score="4">4 <small>\/ 14 points/);
    expect(html).toContain('<dd class="mono" id="seed">seed-42</dd>');
    expect(html).toContain('numpy</dt><dd class="mono">1.24.2');
  });
});

describe('reporter registry', () => {
  it('gives every reporter its own file, under its own name, and refuses unknown names', () => {
    const all = [...Object.entries(SUBMISSION_REPORTERS), ...Object.entries(BATCH_REPORTERS)];
    expect(new Set(all.map(([, x]) => x.file)).size).toBe(all.length);
    for (const [key, x] of all) expect(x.name).toBe(key);
    expect(parseReports('html,junit')).toEqual(['html', 'junit']);
    expect(() => parseReports('html,pdf')).toThrow(/unknown report "pdf"/);
    expect(parseReports('all')).toContain('index');
  });
});
