/**
 * Synthetic results for the report tests: every status, a hidden case, a traceback carrying
 * markup and control characters, a 2-D and a 4-D failed output with their details, training
 * curves. Built with the engine's own compareOutput so the comparisons are what grading makes.
 */
import { compareOutput } from '../../harness/checks/compare.ts';
import type { CaseResult, CheckResult, SubmissionResult } from '../../harness/results/types.ts';
import { tensor } from '../../harness/tensor/tensor.ts';

export const XSS = '<script>alert("pwned")</script><img src=x onerror=alert(1)>';

const range = (n: number, f: (i: number) => number) => Array.from({ length: n }, (_, i) => f(i));

function failedMatrix(): CaseResult {
  const expected = tensor([6, 8], range(48, (i) => Math.sin(i + 1)));
  const got = tensor([6, 8], range(48, (i) => Math.sin(i + 1) * (i % 8 === 7 ? 1.5 : 1)));
  const cmp = compareOutput('dx', got, [expected], { output: 'dx', rel_error: 1e-8 });
  return { name: 'published', hidden: false, status: 'failed', message: cmp.message, comparisons: [cmp], seconds: 0.01 };
}

function failedImages(hidden: boolean): CaseResult {
  // An NHWC output wrong only on the border, as a padding mistake would be.
  const [N, H, W, C] = [2, 5, 5, 3];
  const expected = tensor([N, H, W, C], range(N * H * W * C, (i) => Math.cos(i / 7) + 2));
  const got = tensor([N, H, W, C], expected.data.map((v, i) => {
    const h = Math.floor(i / (W * C)) % H, w = Math.floor(i / C) % W;
    return h === 0 || w === 0 || h === H - 1 || w === W - 1 ? v * 0.5 : v;
  }));
  const cmp = compareOutput('out', got, [expected], { output: 'out', rel_error: 1e-7 });
  return { name: hidden ? 'random' : 'published', hidden, status: 'failed', message: cmp.message, comparisons: [cmp], seconds: 0.02 };
}

function passedCase(name: string, hidden = false): CaseResult {
  const t = tensor([3], [1, 2, 3]);
  const cmp = compareOutput('out', t, [t], { output: 'out', rel_error: 1e-8 });
  return { name, hidden, status: 'passed', message: cmp.message, comparisons: [cmp], seconds: 0.01 };
}

const check = (c: Partial<CheckResult> & Pick<CheckResult, 'id' | 'status' | 'cases'>): CheckResult => ({
  title: `the ${c.id} check`, kind: 'compare', score: c.status === 'passed' ? 2 : 0, max_score: 2, message: '', seconds: 0.05, ...c,
});

export function syntheticResult(): SubmissionResult {
  const matrix = failedMatrix();
  const checks: CheckResult[] = [
    check({ id: 'fc_forward', status: 'passed', cases: [passedCase('published'), passedCase('random', true)], message: '2 cases passed' }),
    check({ id: 'fc_backward', status: 'failed', kind: 'gradient', cases: [matrix, passedCase('random', true)], message: `case published: ${matrix.message}`, hint: 'dx needs the shape of x' }),
    check({ id: 'conv_forward', status: 'failed', cases: [passedCase('published'), failedImages(true)], message: `hidden case random: ${failedImages(true).message}` }),
    check({
      id: 'softmax', status: 'error',
      cases: [{ name: 'published', hidden: false, status: 'error', message: `ValueError: ${XSS}`, traceback: `  File "lib/layers.py", line 3, in softmax\n    raise ValueError("${XSS}")\n\x1b[31mValueError\x1b[0m: ${XSS} \`\`\` breaks fences`, comparisons: [], seconds: 0.1 }],
      message: `case published: ValueError: ${XSS}`,
    }),
    check({ id: 'sgd_step', status: 'timeout', kind: 'step', cases: [{ name: 'published', hidden: false, status: 'timeout', message: 'stopped after 10 s: an infinite loop, or far too slow?', comparisons: [], seconds: 10 }], message: 'case published: stopped after 10 s: an infinite loop, or far too slow?' }),
    check({ id: 'gpu_parity', status: 'skipped', kind: 'property', cases: [{ name: 'published', hidden: false, status: 'skipped', message: 'needs a runner tagged cuda', comparisons: [], seconds: 0 }], message: 'case published: needs a runner tagged cuda' }),
    check({
      id: 'train_tinynet', status: 'passed', kind: 'property', cases: [passedCase('heldout', true)], message: '1 case passed',
      curves: [
        { name: 'train loss', x: range(20, (i) => i + 1), y: range(20, (i) => 2.3 * Math.exp(-i / 6) + 0.2), plot: 'loss' },
        { name: 'val loss', x: range(20, (i) => i + 1), y: range(20, (i) => (i === 9 ? NaN : 2.3 * Math.exp(-i / 7) + 0.35)), plot: 'loss' },
        { name: 'val accuracy', x: range(20, (i) => i + 1), y: range(20, (i) => 0.9 - 0.8 * Math.exp(-i / 5)) },
      ],
    }),
  ];
  return {
    schema_version: 1,
    submission: 'zoe<b>',
    assignment: 'mlp-numpy',
    score: checks.reduce((s, c) => s + c.score, 0),
    max_score: checks.reduce((s, c) => s + c.max_score, 0),
    pending_score: 0,
    seed: 'seed-42',
    environment: { python: '3.11.2', executable: '/usr/bin/python3', platform: 'Linux-x86_64', modules: { numpy: '1.24.2' }, sandbox: 'none', grader_version: '0.1.0', node: 'v20.0.0', runner: { tags: ['cpu'], source: 'detected', devices: [] } },
    checks,
    errors: ['not copied into the workspace: link (a symbolic link)'],
    stdout: `epoch 1 loss 2.3\n${XSS}\n\x00\x07 bell`,
    stderr: 'warning: something',
    started_at: '2026-01-02T03:04:05.678Z',
    seconds: 12.5,
  };
}
