/**
 * The library policy (worker/dlgrade_forbid.py, worker/forbid.ts): a forbidden module or function
 * used while a check runs fails that check with the student's function and the place; imports
 * and names bound at the top of a file are notes; the grader's own code, and checks that do not
 * forbid it, are never touched; the scan of the hand-in reads aliases and notebooks.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveInterpreter } from '../../harness/python/environment.ts';
import { gradeSubmission } from '../../harness/runner/submission.ts';
import { REPO_ROOT, loadPack } from '../../harness/spec/load.ts';
import { deriveSubmission } from '../../harness/spec/mutants.ts';
import { forbiddenMessage, forbiddenNoteLines } from '../../harness/worker/forbid.ts';
import { readReply } from '../../harness/worker/protocol.ts';
import { expectValidResult, testIsolation } from '../helpers/grade.ts';

const WORKER = path.join(REPO_ROOT, 'harness', 'worker');
const FORBID = ['torch', 'scipy.signal', 'scipy.special.softmax', 'scipy.special.logsumexp'];

/** A submission of one module (lib/m.py) and a "probe" outside it, run under the guard. */
function runGuard(module: string, probe: string, files: Record<string, string> = {}): Record<string, unknown> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dlgrade-forbid-'));
  const sub = path.join(dir, 'sub');
  fs.mkdirSync(path.join(sub, 'lib'), { recursive: true });
  fs.writeFileSync(path.join(sub, 'lib', '__init__.py'), '');
  fs.writeFileSync(path.join(sub, 'lib', 'm.py'), module);
  for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(sub, name), text);
  fs.mkdirSync(path.join(dir, 'grader'));
  fs.writeFileSync(path.join(dir, 'grader', 'probe.py'), probe);
  const script = `
import json, sys
sys.path.insert(0, ${JSON.stringify(WORKER)})
import dlgrade_forbid
scan = dlgrade_forbid.scan(${JSON.stringify(sub)}, ${JSON.stringify(FORBID)})
policy = dlgrade_forbid.install(${JSON.stringify(sub)}, ${JSON.stringify(FORBID)})
sys.path.insert(0, ${JSON.stringify(sub)})
sys.path.insert(0, ${JSON.stringify(path.join(dir, 'grader'))})
out = {"scan": scan}
def request(name, enforced, fn):
    policy.begin(enforced)
    try:
        value = fn()
        raised = None
    except BaseException as e:
        value, raised = None, "%s: %s" % (type(e).__name__, e)
    calls, notes = policy.end()
    out[name] = {"calls": calls, "notes": notes, "raised": raised, "value": value}
import probe
request("load", ${JSON.stringify(FORBID)}, probe.load)
for name in probe.CASES:
    request(name, ${JSON.stringify(FORBID)}, getattr(probe, name))
    request(name + "_allowed", [], getattr(probe, name))
print(json.dumps(out))
`;
  return JSON.parse(execFileSync('python3', ['-c', script], { encoding: 'utf8' }).trim().split('\n').pop()!);
}

describe('the guard in the worker', () => {
  const module = `import numpy as np
import scipy.signal as s
from scipy import special as sp
from scipy.special import expit
_bound = sp.softmax
_top = sp.softmax(np.zeros(3))

def alias(x):
    return s.correlate2d(x, x)

def hides(x):
    try:
        return sp.logsumexp(x)
    except Exception:
        return "hidden"

def allowed(x):
    return expit(x)

def helper(x):
    return sorted(x)
`;
  const probe = `import numpy as np
CASES = ["alias", "hides", "allowed", "bound", "grader_own"]
def load():
    import lib.m
def alias():
    import lib.m
    lib.m.alias(np.ones((2, 2)))
def hides():
    import lib.m
    return lib.m.hides(np.ones(3))
def allowed():
    import lib.m
    return float(lib.m.allowed(0.0))
def bound():
    import lib.m
    lib.m._bound(np.ones(3))
def grader_own():
    # The grader's own use of what the hand-in may not use: never judged.
    import scipy.signal, scipy.special
    return float(scipy.signal.correlate2d(np.ones((2, 2)), np.ones((1, 1))).sum() + scipy.special.softmax(np.zeros(2)).sum())
`;
  const r = runGuard(module, probe, { 'hw.ipynb': JSON.stringify({ cells: [{ cell_type: 'markdown', source: 'import torch' }, { cell_type: 'code', source: ['%matplotlib inline\n', 'import importlib\n', 'tf = importlib.import_module("torch")'] }] }) }) as Record<string, { calls: { verb: string; name: string; caller: string | null; where: string }[]; notes: unknown[]; raised: string | null; value: unknown }> & { scan: unknown[] };

  it('fails a use during a check, naming the student\'s function and the line', () => {
    expect(r.alias.calls).toEqual([{ verb: 'called', name: 'scipy.signal.correlate2d', caller: 'alias', where: 'lib/m.py:9' }]);
    expect(r.alias.raised).toBe('Forbidden: alias called scipy.signal.correlate2d, which this assignment does not allow, at lib/m.py:9');
  });

  it('is not hidden by the student catching Exception', () => {
    expect(r.hides.value).toBeNull();
    expect(r.hides.calls).toMatchObject([{ name: 'scipy.special.logsumexp', caller: 'hides', where: 'lib/m.py:13' }]);
  });

  it('lets a check that does not forbid it use it, and never judges what is not forbidden', () => {
    expect(r.alias_allowed).toMatchObject({ calls: [], raised: null });
    expect(r.hides_allowed).toMatchObject({ calls: [], value: expect.any(Number) });
    expect(r.allowed).toMatchObject({ calls: [], notes: [], raised: null, value: 0.5 });
  });

  it('reports uses while the module is imported as notes, and fails the check that calls what was bound there', () => {
    expect(r.load.calls).toEqual([]);
    expect(r.load.raised).toBeNull();
    expect(r.load.notes).toEqual(expect.arrayContaining([
      { verb: 'imports', name: 'scipy.signal', where: 'lib/m.py:2' },
      { verb: 'calls', name: 'scipy.special.softmax', where: 'lib/m.py:6' },
    ]));
    // A probe calls the name directly: no frame of the student's is running, so the place is where it was bound.
    expect(r.bound.calls).toEqual([{ verb: 'called', name: 'scipy.special.softmax', caller: null, where: 'lib/m.py:5' }]);
  });

  it('never judges the grader\'s own imports and calls', () => {
    expect(r.grader_own).toMatchObject({ calls: [], notes: [], raised: null, value: 5 });
  });

  it('scans the hand-in without running it: aliases, a notebook\'s code cells, importlib with a constant name', () => {
    expect(r.scan).toEqual(expect.arrayContaining([
      { file: 'lib/m.py', line: 2, verb: 'imports', name: 'scipy.signal' },
      { file: 'lib/m.py', line: 5, verb: 'uses', name: 'scipy.special.softmax' },
      { file: 'lib/m.py', line: 13, verb: 'uses', name: 'scipy.special.logsumexp' },
      { file: 'hw.ipynb#cell2', line: 3, verb: 'imports', name: 'torch' },
    ]));
    // expit is allowed; markdown is not code.
    expect(JSON.stringify(r.scan)).not.toMatch(/expit|"line":1,"verb":"imports","name":"torch"/);
  });
});

describe('the guard, on a forbidden function reached through the module that defines it', () => {
  it('fails the call though scipy.special was first loaded by that private path', () => {
    const r = runGuard('from scipy.special._logsumexp import softmax as q\n\ndef private(x):\n    return q(x)\n', `import numpy as np
CASES = ["private"]
def load():
    import lib.m
def private():
    import lib.m
    return float(lib.m.private(np.zeros(2)).sum())
`) as Record<string, { calls: unknown[] }>;
    expect(r.private.calls).toEqual([{ verb: 'called', name: 'scipy.special._logsumexp.softmax', caller: 'private', where: 'lib/m.py:4' }]);
    expect(r.private_allowed.calls).toEqual([]);
  });
});

describe('the policy as the grader reads and words it', () => {
  it('takes forbidden uses and notes from a reply, capped, and words them for the student', () => {
    const reply = readReply(JSON.stringify({
      type: 'result', id: 1, nonce: 'n', ok: false, error: { kind: 'exception', message: 'Forbidden: ...' },
      forbidden: [{ verb: 'called', name: 'scipy.signal.correlate2d', caller: 'ConvLayer2D.forward', where: 'lib/cnn/layer_utils.py:57' }, { verb: 'rm -rf', name: 'x'.repeat(500), where: 'a.py:1' }],
      forbidden_notes: [{ verb: 'imports', name: 'torch', where: 'lib/cnn/layer_utils.py:3' }, { verb: 'imports', name: 'jax', where: 'hw.ipynb#cell4:2' }],
    }), 1);
    if (!reply || reply === 'unreadable' || reply.type !== 'result') throw new Error('not a result');
    expect(reply.forbidden![1]).toMatchObject({ verb: 'used', caller: null });
    expect(reply.forbidden![1].name).toHaveLength(200);
    expect(forbiddenMessage(reply.forbidden!.slice(0, 1))).toBe('ConvLayer2D.forward called scipy.signal.correlate2d, which this assignment does not allow, at lib/cnn/layer_utils.py:57');
    expect(forbiddenMessage(reply.forbidden!)).toMatch(/ \(and 1 more use: x+ at a\.py:1\)$/);
    expect(forbiddenNoteLines(reply.forbiddenNotes)).toEqual([
      'lib/cnn/layer_utils.py:3: imports torch, which this assignment does not allow (a check fails only where its code uses it)',
      'hw.ipynb cell 4, line 2: imports jax, which this assignment does not allow (a check fails only where its code uses it)',
    ]);
  });
});

describe('grading under the policy', () => {
  it('fails only the checks that forbid what the code calls, with full marks and no note for the solution', async () => {
    const pack = loadPack('mlp-numpy');
    // The pack's list off, one check's own on: fc_forward forbids expit, softmax does not.
    pack.spec = { ...pack.spec, forbid: undefined, checks: pack.spec.checks.map((c) => (c.id === 'fc_forward' ? { ...c, forbid: ['scipy.special.expit'] } : c)) };
    const python = await resolveInterpreter(pack.spec, {});
    const isolation = await testIsolation(python.executable);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dlgrade-forbid-grade-'));
    const sub = path.join(dir, 'expit-everywhere');
    deriveSubmission(path.join(pack.dir, 'solution'), sub, [
      { file: 'lib/mlp/layer_utils.py', find: 'import numpy as np\n', replace: 'import numpy as np\nimport scipy.special as sps\n' },
      { file: 'lib/mlp/layer_utils.py', find: '        output = feat.dot(self.params[self.w_name]) + self.params[self.b_name]\n', replace: '        output = feat.dot(self.params[self.w_name]) + self.params[self.b_name] + 0 * sps.expit(0.0)\n' },
      { file: 'lib/mlp/layer_utils.py', find: '    scores = exp_scores / np.sum(exp_scores, axis=-1, keepdims=True)\n', replace: '    scores = exp_scores / np.sum(exp_scores, axis=-1, keepdims=True) + 0 * sps.expit(0.0)\n' },
    ]);
    const only = ['fc_forward', 'softmax'];
    const r = await gradeSubmission(pack, sub, { seed: 'forbid', python, isolation, only });
    expectValidResult(r);
    const fc = r.checks.find((c) => c.id === 'fc_forward')!;
    expect(fc.status).toBe('failed');
    expect(fc.cases.every((c) => /^(fc\.)?forward called scipy\.special\.expit, which this assignment does not allow, at lib\/mlp\/layer_utils\.py:\d+$/.test(c.message))).toBe(true);
    expect(r.checks.find((c) => c.id === 'softmax')!.status).toBe('passed');
    expect(r.notes).toEqual(expect.arrayContaining([expect.stringMatching(/^lib\/mlp\/layer_utils\.py:\d+: uses scipy\.special\.expit, which this assignment does not allow/)]));

    const solution = await gradeSubmission(loadPack('mlp-numpy'), path.join(pack.dir, 'solution'), { seed: 'forbid', python, isolation, only });
    expect(solution.score).toBe(solution.max_score);
    expect(solution.notes ?? []).toEqual([]);
  }, 60_000);
});
