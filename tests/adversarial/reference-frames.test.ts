/**
 * A hand-in that walks its own process for the grader's reference (sys._getframe up the stack,
 * gc.get_objects(), sys.modules) to call it or swap it reaches nothing: a pack's Python reference
 * runs in the grader's own process (reference/python/worker.ts), and nothing of it is written
 * into the student's workspace. Its all-zero answers fail, sandboxed and not.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { resolveInterpreter } from '../../harness/python/environment.ts';
import { gradeSubmission } from '../../harness/runner/submission.ts';
import { createWorkspace } from '../../harness/runner/workspace.ts';
import { callProbes } from '../../harness/runner/call-probe.ts';
import { REPO_ROOT, loadPack } from '../../harness/spec/load.ts';
import { gradedFiles } from '../../harness/spec/types.ts';
import { findBubblewrap, resolveIsolation } from '../../harness/worker/sandbox.ts';
import { closeReferenceProcesses } from '../../reference/python/worker.ts';

const pack = loadPack('cs231n-layers');
const ATTACK = fs.readFileSync(path.join(REPO_ROOT, 'fixtures', 'adversarial', 'reference-frames', 'attack.py'), 'utf8');
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'dlgrade-frames-'));
const handIn = path.join(root, 'hand-in');
fs.mkdirSync(handIn);
fs.writeFileSync(path.join(handIn, 'layers.py'), fs.readFileSync(path.join(pack.dir, 'solution', 'layers.py'), 'utf8') + ATTACK);
const bwrap = await findBubblewrap();

afterAll(() => {
  closeReferenceProcesses();
  fs.rmSync(root, { recursive: true, force: true });
});

describe('the frame-walking hand-in', () => {
  it.each([false, ...(bwrap ? [true] : [])])('finds no reference to call or swap (sandbox: %s)', async (sandbox) => {
    const python = await resolveInterpreter(pack.spec);
    const isolation = await resolveIsolation({ sandbox, python: python.executable, language: 'python' });
    const r = await gradeSubmission(pack, handIn, { seed: 'frames', python, isolation, only: ['svm_loss', 'batchnorm_backward', 'affine_forward'] });
    const byId = Object.fromEntries(r.checks.map((c) => [c.id, c]));
    // Its untouched functions still pass: the attack changed nothing else.
    expect(byId.affine_forward.status).toBe('passed');
    for (const id of ['svm_loss', 'batchnorm_backward']) {
      expect(byId[id].score, `${id}: ${byId[id].message}`).toBe(0);
      expect(byId[id].status).toBe('failed');
      // What it returned is its own fallback: nothing it looked for was there.
      expect(byId[id].message).toMatch(/got is all zeros: not computed yet\?/);
    }
  }, 120_000);

  it('has no file of the reference in its workspace', () => {
    const ws = createWorkspace(handIn, { scratch: root, probes: path.join(pack.dir, 'probes'), language: 'python', files: gradedFiles(pack.spec), generated: callProbes(pack) });
    const reference = fs.readFileSync(path.join(pack.dir, 'reference', 'layers.py'), 'utf8');
    const files: string[] = [];
    const walk = (d: string) => {
      for (const e of fs.readdirSync(d, { withFileTypes: true })) (e.isDirectory() ? walk : (p: string) => files.push(p))(path.join(d, e.name));
    };
    for (const d of [ws.submission, ws.inputs, ws.grader, ws.tmp]) walk(d);
    expect(files.length).toBeGreaterThan(5);
    expect(files.filter((f) => f.includes(`${path.sep}reference`) || fs.readFileSync(f, 'utf8') === reference)).toEqual([]);
    ws.dispose();
  });
});
