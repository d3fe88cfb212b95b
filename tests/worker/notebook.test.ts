/**
 * Notebook submissions, at the driver: what of a notebook is run (imports, definitions, constant
 * assignments) and what is skipped and reported (training loops, plots, downloads, shell and
 * magic lines); then, through the whole grader, a notebook that would train forever at top
 * level is graded in seconds and its report lists the skipped cells.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DRIVER } from '../../harness/worker/worker.ts';
import { REPO_ROOT } from '../../harness/spec/load.ts';
import { deriveSubmission } from '../../harness/spec/mutants.ts';
import { grade } from '../helpers/grade.ts';

interface Extracted {
  kept: { cell: number; statements: string[] }[];
  skipped: { cell: number; line: number; text: string; why: string }[];
  names: Record<string, number>;
  /** What importing the kept code defined (names to a type), or the error it raised. */
  module?: Record<string, string>;
  error?: string;
}

const notebook = (cells: (string | { md: string })[]) => JSON.stringify({
  nbformat: 4, nbformat_minor: 5, metadata: {},
  cells: cells.map((c) => (typeof c === 'string'
    ? { cell_type: 'code', metadata: {}, execution_count: null, outputs: [], source: c.split(/(?<=\n)/) }
    : { cell_type: 'markdown', metadata: {}, source: [c.md] })),
});

/** Runs the worker's notebook filter (dlgrade_notebook.py) on a notebook; with `load`, also imports the result. */
function extract(cells: (string | { md: string })[], load = false): Extracted {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dlgrade-nb-'));
  fs.writeFileSync(path.join(dir, 'hw.ipynb'), notebook(cells));
  const script = `
import importlib.util, json, os, sys
sys.path.append(os.path.dirname(sys.argv[1]))
spec = importlib.util.spec_from_file_location("driver", sys.argv[1])
d = importlib.util.module_from_spec(spec); spec.loader.exec_module(d)
import dlgrade_notebook
kept, skipped, names = dlgrade_notebook.extract_notebook(open("hw.ipynb").read(), "hw.ipynb")
out = {"kept": [{"cell": n, "statements": [type(s).__name__ for s in nodes]} for n, _, nodes in kept],
       "skipped": skipped, "names": {k: v["cell"] for k, v in names.items()}}
if sys.argv[2] == "load":
    d.install_notebook(".", "hw", ["*.ipynb"])
    try:
        import hw
        out["module"] = {k: type(v).__name__ for k, v in vars(hw).items() if not k.startswith("__")}
    except BaseException as e:
        out["error"] = d.describe(e, d.os.path.realpath("."))["message"]
print(json.dumps(out))`;
  return JSON.parse(execFileSync('python3', ['-c', script, DRIVER, load ? 'load' : ''], { cwd: dir }).toString());
}

const why = (x: Extracted, cell: number, line = 1) => x.skipped.find((s) => s.cell === cell && s.line === line)?.why;

describe('what the driver keeps of a notebook', () => {
  it('imports, functions, classes, lambdas and constant assignments, counting cells as a student sees them', () => {
    const x = extract([
      { md: '# Homework' },
      'import numpy as np\nfrom math import pi',
      'LR = 0.003\nsizes = [784, 32, 32, 10]\nn_in = 28 * 28\nsig = lambda z: 1 / (1 + np.exp(-z))\nconfig = {"lr": LR, "epochs": 3}',
      'def f(x):\n    while True:\n        pass\n\nclass Net:\n    pass',
      'np.random.seed(0)\nweights = [np.random.normal(size=(a, b)) for a, b in zip(sizes[:-1], sizes[1:])]\nbiases = [np.zeros(b) for b in sizes[1:]]',
      'W = []\nfor i in range(3):\n    W.append(np.random.randn(sizes[i], sizes[i + 1]) * np.sqrt(1 / sizes[i]))',
    ], true);
    expect(x.skipped).toEqual([]);
    expect(x.kept.map((k) => k.cell)).toEqual([2, 3, 4, 5, 6]);
    expect(x.kept[2].statements).toEqual(['FunctionDef', 'ClassDef']);
    expect(x.module).toMatchObject({ np: 'module', pi: 'float', LR: 'float', sig: 'function', f: 'function', Net: 'type', weights: 'list', biases: 'list', W: 'list' });
  });

  it('skips training, evaluation, plotting, downloads, shell and magic lines, and says why', () => {
    const x = extract([
      '!pip install -q numpy\n%matplotlib inline\nimport numpy as np\nimport matplotlib.pyplot as plt',
      'X = np.load("mnist.npz")["x"]\nX_small = X[:100]',
      'for epoch in range(3):\n    train(X)',
      'while True:\n    train(X)',
      'plt.plot([1, 2])\nprint("accuracy: 0.99")',
      '%%time\nfor i in range(10):\n    pass',
      'import urllib.request\nurllib.request.urlretrieve("http://example.invalid/x.gz", "x.gz")',
      'with open("log.txt", "w") as f:\n    f.write("hi")',
      'def ok(x):\n    return x\nnp.sum?',
    ]);
    expect(why(x, 1, 1)).toBe('a shell command');
    expect(why(x, 1, 2)).toBe('an IPython magic');
    expect(why(x, 1, 4)).toMatch(/plotting/);
    expect(why(x, 2, 1)).toMatch(/needs code to run/);
    expect(why(x, 2, 2)).toMatch(/needs code to run/); // it uses X, which was skipped
    expect(why(x, 3)).toMatch(/loop at top level/);
    expect(why(x, 4)).toMatch(/loop at top level/);
    expect(why(x, 5, 1)).toBe('a call at top level');
    expect(why(x, 5, 2)).toBe('a call at top level');
    expect(why(x, 6)).toMatch(/a cell magic \(%%time\)/);
    expect(why(x, 7, 2)).toBe('a call at top level');
    expect(why(x, 8)).toMatch(/with block/);
    expect(why(x, 9, 3)).toMatch(/help line/);
    expect(x.kept.map((k) => k.cell)).toEqual([1, 7, 9]);
    expect(x.names).toMatchObject({ X: 2, X_small: 2, plt: 1 });
  });

  it('keeps the rest of a cell whose shell line sits inside a block', () => {
    const x = extract(['import numpy as np\nif True:\n    !ls\n    k = 3']);
    expect(why(x, 1, 3)).toBe('a shell command');
    expect(x.kept[0].statements).toEqual(['Import', 'If']);
  });

  it('explains a name the kept code needs but a skipped cell sets', () => {
    const x = extract(['import numpy as np', 'data = np.load("d.npz")', 'scale = 2\ndef f():\n    return data\nresult = scale * 2'], true);
    expect(x.module).toMatchObject({ f: 'function', scale: 'int', result: 'int' });
    const y = extract(['import numpy as np', 'mean = np.load("d.npz").mean()', 'centred = 1 - mean'], true);
    expect(why(y, 3)).toMatch(/needs code to run/);
    expect(y.names).toMatchObject({ mean: 2, centred: 3 });
  });

  it('reports a cell that does not parse, and names what it would have defined', () => {
    const x = extract(['import numpy as np', 'def softmax(x)\n    return x', 'def g(x):\n    return softmax(x)\ny = g(1)'], true);
    expect(why(x, 2)).toMatch(/^does not parse: expected ':'/);
    expect(x.names).toMatchObject({ softmax: 2 });
    expect(why(x, 3, 3)).toMatch(/needs code to run/);
  });

  it('lets an import the grader cannot satisfy fail only what uses it', () => {
    const x = extract(['import numpy as np\nimport tensorflow_not_installed as tf', 'def f():\n    return tf.zeros(3)\nk = np.float64(2)'], true);
    expect(x.module).toMatchObject({ np: 'module', f: 'function', k: 'float64' });
  });
});

describe('grading a notebook', () => {
  const solution = path.join(REPO_ROOT, 'assignments', 'mnist-mlp-numpy', 'solution');
  it('that trains forever and sleeps an hour at top level takes seconds, and lists the skipped cells', async () => {
    const dir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'dlgrade-nb-')), 'forever');
    deriveSubmission(solution, dir, [{
      file: 'mnist_mlp.ipynb',
      find: '"for epoch in range(3):\\n",',
      replace: '"import time\\n",\n    "time.sleep(3600)\\n",\n    "while True:\\n",',
    }]);
    const started = Date.now();
    const r = await grade('mnist-mlp-numpy', dir, { seed: 'nb' });
    expect(r.score, r.checks.map((c) => `${c.id}: ${c.message}`).join('\n')).toBe(r.max_score);
    expect(Date.now() - started).toBeLessThan(60_000);
    const notes = r.notes ?? [];
    expect(notes[0]).toMatch(/^notebook mnist_mlp\.ipynb: graded its imports, functions, classes and constant assignments/);
    expect(notes).toContainEqual(expect.stringMatching(/^notebook cell 16: partly skipped: line 3 `time\.sleep\(3600\)` \(a call at top level\); line 4 `while True:` \(a loop at top level/));
    expect(notes).toContainEqual(expect.stringMatching(/^notebook cell 18: skipped: line 1 `plt\.plot/));
    expect(notes).toContainEqual(expect.stringMatching(/^notebook cell 2: partly skipped: line 1 `!pip install/));
  });

  it('says so when there is no notebook to grade', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dlgrade-nb-empty-'));
    fs.writeFileSync(path.join(dir, 'README.md'), 'nothing here\n');
    const r = await grade('mnist-mlp-numpy', dir, { only: ['sigmoid'] });
    expect(r.notes).toEqual(['notebook: no notebook matching mnist_mlp.ipynb or *.ipynb in the submission']);
    expect(r.checks[0].message).toMatch(/no notebook matching mnist_mlp\.ipynb or \*\.ipynb in the submission \(nor a mnist_mlp\.py\)/);
  });
});
