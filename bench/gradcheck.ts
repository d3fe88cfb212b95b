/**
 * Gradient checks on a convolution written with plain Python loops (the sample class's gita):
 * dlgrade's conv_backward check against the course's full numerical gradient. Prints forward
 * calls and seconds for each.
 *
 *   npx tsx bench/gradcheck.ts [--limit N]   (N: elements the course's way really differences; the rest is extrapolated)
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { materializeClass } from '../harness/cli/sample-class.ts';
import { resolvePython } from '../harness/python/environment.ts';
import { gradeSubmission } from '../harness/runner/submission.ts';
import { loadPack } from '../harness/spec/load.ts';
import { findBubblewrap, resolveIsolation } from '../harness/worker/sandbox.ts';

const limitArg = process.argv.indexOf('--limit');
const limit = limitArg > 0 ? Number(process.argv[limitArg + 1]) : 400;

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'dlgrade-bench-'));
const classDir = materializeClass('cnn-numpy', path.join(root, 'class'))!;
const student = path.join(classDir, 'gita');
// Count forward calls the honest way: the student's own forward reports each call on stderr.
fs.appendFileSync(path.join(student, 'lib/cnn/layer_utils.py'), `
import sys as _sys
_forward = ConvLayer2D.forward
def _counted(self, img):
    _sys.stderr.write("FORWARD_CALL\\n")
    return _forward(self, img)
ConvLayer2D.forward = _counted
`);

const pack = loadPack('cnn-numpy');
const python = await resolvePython(pack.spec.python);
const isolation = await resolveIsolation({ sandbox: !!(await findBubblewrap()), python: python.executable });
const r = await gradeSubmission(pack, student, { seed: 'bench', python, isolation, only: ['conv_backward'] });
const check = r.checks[0];
const ours = { status: check.status, cases: check.cases.length, forward_calls: (r.stderr.match(/FORWARD_CALL/g) ?? []).length, seconds: check.seconds };

const course = JSON.parse(execFileSync(python.executable, [path.join(import.meta.dirname, 'gradcheck-course.py'), student, String(limit)], { encoding: 'utf8', maxBuffer: 1 << 20, stdio: ['ignore', 'pipe', 'ignore'] }));

const rows = [
  ['method', 'forward calls', 'seconds', 'note'],
  ['dlgrade conv_backward', String(ours.forward_calls), ours.seconds.toFixed(2), `${ours.cases} cases (published + hidden), ${ours.status}`],
  ['course: numerical gradient', String(course.forward_calls), course.seconds.toFixed(1), course.extrapolated ? `${course.differenced} of ${course.elements} elements timed, rest extrapolated` : 'all elements'],
];
for (const row of rows) console.log(row[0].padEnd(28) + row[1].padStart(14) + row[2].padStart(10) + '  ' + row[3]);
console.log(`ratio: ${(course.forward_calls / ours.forward_calls).toFixed(0)}x fewer forward calls, ${(course.seconds / ours.seconds).toFixed(0)}x less time (one case of the course's way vs all of dlgrade's cases)`);
fs.rmSync(root, { recursive: true, force: true });
