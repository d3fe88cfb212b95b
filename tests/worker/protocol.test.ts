/**
 * The worker's replies as the grader reads them (worker/protocol.ts): typed, capped, and never
 * trusted; and a reply that could have held a NaN fails fast instead of waiting out the check.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { deriveSubmission } from '../../harness/spec/mutants.ts';
import { readReply } from '../../harness/worker/protocol.ts';
import { resolvePackDir } from '../../harness/spec/load.ts';
import { grade } from '../helpers/grade.ts';

describe('readReply', () => {
  it('says a line is unreadable when it is not JSON (a NaN from an older driver, say)', () => {
    expect(readReply('{"type": "result", "ok": true, "values": {"x": NaN}}', 1)).toBe('unreadable');
    expect(readReply('[1, 2]', 1)).toBeUndefined();
    expect(readReply('{"type": "chatter"}', 1)).toBeUndefined();
  });

  it('takes only finite numbers as a self-check\'s values, and names outputs it refuses', () => {
    const r = readReply(JSON.stringify({ type: 'result', id: 1, nonce: 'n', ok: true, values: { x: 1.5, y: null, z: 'no' } }), 1);
    expect(r).toMatchObject({ ok: true, values: { x: 1.5 } });
    const bad = readReply(JSON.stringify({ type: 'result', id: 1, nonce: 'n', ok: true, outputs: { '../etc': 'x' } }), 1);
    expect(bad).toMatchObject({ ok: 'refused' });
  });

  it('carries the steps of a probe that raised, and the outputs that could not be sent', () => {
    const r = readReply(JSON.stringify({
      type: 'result', id: 2, nonce: 'n', ok: true, outputs: { out: { npy: '' } },
      problems: { dx: 'dx: the code returned None (is this part still a TODO?)', 'bad name': 'x' },
      failed_steps: [{ step: 'backward', error: { kind: 'exception', message: 'NotImplementedError: TODO', traceback: 'x'.repeat(20000) } }],
    }), 1);
    expect(r).toMatchObject({ ok: true, outputs: ['out'], problems: { dx: 'dx: the code returned None (is this part still a TODO?)' } });
    if (r && r !== 'unreadable' && r.type === 'result' && r.ok === true) {
      expect(Object.keys(r.problems)).toEqual(['dx']);
      expect(r.failedSteps[0].step).toBe('backward');
      expect(r.failedSteps[0].error.traceback.length).toBe(8000);
    }
  });

  it('caps what a hello may say of the environment', () => {
    expect(readReply(JSON.stringify({ type: 'hello', environment: { python: 'x'.repeat(100), numpy: 1 } }), 0)).toEqual({ type: 'hello', environment: { python: 'x'.repeat(40), numpy: '1' } });
  });
});

describe('a self-check whose forward returns NaN', () => {
  it('reports the wrong gradient at once, never a timeout', async () => {
    const dir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'dlgrade-nan-')), 'nan');
    // The forward is NaN everywhere and the backward wrong: the self-check's derivatives are NaN.
    deriveSubmission(path.join(resolvePackDir('mlp-numpy'), 'solution'), dir, []);
    const file = path.join(dir, 'lib/mlp/layer_utils.py');
    const text = fs.readFileSync(file, 'utf8');
    fs.writeFileSync(file, `${text}\n\ngelu.forward = lambda self, feat, is_training=True, seed=None: (setattr(self, 'meta', feat), feat * float('nan'))[1]\ngelu.backward = lambda self, dprev: dprev * 0.5\n`);
    const r = await grade('mlp-numpy', dir, { only: ['gelu_backward'] });
    const c = r.checks[0];
    expect(c.status).toBe('failed');
    expect(c.message).not.toMatch(/time limit|stopped after/);
    expect(c.seconds).toBeLessThan(5);
  });
});
