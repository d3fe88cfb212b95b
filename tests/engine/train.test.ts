/**
 * Train checks: the student's code trains on data the grader hands over, and the grader measures
 * the accuracy itself, from returned parameters (mlp-numpy's TinyNet) or from predictions on
 * held-out images that come without labels (a test-only pack; cnn-numpy's SmallConvolutionalNetwork,
 * whose design rule is checked before it trains). A model that does not learn fails; a printed
 * accuracy counts for nothing; held-out labels never reach the workspace; a training that
 * overruns its budget is stopped and reported as such.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { trainData } from '../../harness/data/train.ts';
import { deriveSubmission } from '../../harness/spec/mutants.ts';
import { REPO_ROOT, loadPack } from '../../harness/spec/load.ts';
import { readNpy } from '../../harness/tensor/npy.ts';
import { grade } from '../helpers/grade.ts';
import { packVariant as copyPack } from '../helpers/pack-variant.ts';

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'dlgrade-train-'));
const MLP = path.join(REPO_ROOT, 'assignments', 'mlp-numpy');
const PREDICT = path.join(REPO_ROOT, 'tests', 'fixtures', 'packs', 'train-predict');

const packVariant = (from: string, name: string, edits: [string, string][]) => copyPack(from, path.join(scratch, 'packs', name), edits);

function student(from: string, name: string, edits: { file: string; find?: string; replace?: string; content?: string }[]): string {
  const dir = path.join(scratch, 'students', name);
  deriveSubmission(from, dir, edits);
  return dir;
}

const check = (r: Awaited<ReturnType<typeof grade>>) => r.checks[0];

describe('mlp-numpy: TinyNet trained by the student, parameters scored by the grader', () => {
  it('passes the solution, records its loss curve and says which data it used', async () => {
    const r = await grade('mlp-numpy', path.join(MLP, 'solution'), { only: ['tinynet_train'] });
    const c = check(r);
    expect(c.status, c.message).toBe('passed');
    const cmp = c.cases[0].comparisons[0];
    expect(cmp.value).toBeGreaterThanOrEqual(0.75);
    expect(cmp.bar).toBe(0.7);
    expect(cmp.message).toMatch(/held-out accuracy 0\.\d+ >= bar 0\.7 on 1000 images/);
    const curve = c.curves![0];
    expect(curve.name).toMatch(/training loss/);
    expect(curve.x.length).toBe(curve.y.length);
    // 3 epochs of 54 batches, one loss per batch
    expect(curve.x.length).toBe(162);
    expect(curve.y[curve.y.length - 1]).toBeLessThan(curve.y[0] / 2);
    expect(r.notes).toContain('training data: fashion-mnist, bundled subset (fixtures/data/fashion-mnist/fashion-mnist-subset.npz)');
  });

  it('fails the same code with a learning rate of 0', async () => {
    const pack = packVariant(MLP, 'mlp-lr0', [['inputs: { lr: 1.0e-3, batch_size: 100, seed: 1 }', 'inputs: { lr: 0, batch_size: 100, seed: 1 }']]);
    const c = check(await grade(pack, path.join(MLP, 'solution'), { only: ['tinynet_train'] }));
    expect(c.status).toBe('failed');
    expect(c.cases[0].comparisons[0].value).toBeLessThan(0.3);
    expect(c.message).toMatch(/held-out accuracy 0\.\d+ < bar 0\.7 .*solution reaches about 0\.8/);
  });

  it('gives nothing for a printed accuracy: the model trained on shuffled labels fails', async () => {
    const dir = student(path.join(MLP, 'solution'), 'prints-accuracy', [
      { file: 'lib/mlp/train.py', find: '            labels_batch = labels_train[batch_idx]\n', replace: '            labels_batch = np.random.permutation(labels_train)[:len(batch_idx)]\n' },
      { file: 'lib/mlp/train.py', find: '    return opt_params, loss_hist, train_acc_hist, val_acc_hist\n', replace: '    print("accuracy: 0.99")\n    print("test accuracy: 0.99")\n    return opt_params, [0.01] * 10, [0.99], [0.99]\n' },
    ]);
    const r = await grade('mlp-numpy', dir, { only: ['tinynet_train'] });
    expect(r.stdout).toContain('accuracy: 0.99');
    expect(check(r).status).toBe('failed');
    expect(check(r).cases[0].comparisons[0].value).toBeLessThan(0.3);
    expect(r.score).toBe(0);
  });

  it('rebuilds a course TinyNet that has no input_dim/num_classes arguments around its own layers', async () => {
    const dir = student(path.join(MLP, 'solution'), 'course-tinynet', [{
      file: 'lib/mlp/fully_conn.py',
      find: '    def __init__(self, keep_prob=0, dtype=np.float32, seed=None,\n                 input_dim=3072, num_classes=20):\n',
      replace: '    def __init__(self, keep_prob=0, dtype=np.float32, seed=None):\n        input_dim, num_classes = 3072, 20\n',
    }]);
    const c = check(await grade('mlp-numpy', dir, { only: ['tinynet_train'] }));
    expect(c.status, c.message).toBe('passed');
  });

  it('reports parameters of the wrong shape as the student\'s failure, not a grader crash', async () => {
    const dir = student(path.join(MLP, 'solution'), 'transposed-params', [{
      file: 'lib/mlp/train.py',
      find: '            opt_params = {k: np.array(v, copy=True) for k, v in model.net.params.items()}\n',
      replace: '            opt_params = {k: np.array(v, copy=True).T for k, v in model.net.params.items()}\n',
    }]);
    const c = check(await grade('mlp-numpy', dir, { only: ['tinynet_train'] }));
    expect(c.status).toBe('failed');
    expect(c.message).toMatch(/(returned model could not be evaluated|what your code returned cannot be used): fc_forward: .* but w is \[256,784\]/);
  });
});

describe('train-predict: a model of the student\'s design predicts images that come without labels', () => {
  it('scores the predictions of a model that learns, on 32x32x3 images', async () => {
    const c = check(await grade(PREDICT, path.join(PREDICT, 'solution')));
    expect(c.status, c.message).toBe('passed');
    expect(c.cases[0].comparisons[0].message).toMatch(/on 500 images/);
  });

  it('fails a model trained on shuffled labels, and one that predicts a single class', async () => {
    const shuffled = student(path.join(PREDICT, 'solution'), 'predict-shuffled', [
      { file: 'model.py', find: '        x = images.reshape(len(images), -1) / 255.0\n        self.centroids', replace: '        labels = np.random.permutation(labels)\n        x = images.reshape(len(images), -1) / 255.0\n        self.centroids' },
    ]);
    const constant = student(path.join(PREDICT, 'solution'), 'predict-constant', [
      { file: 'model.py', find: '        return np.argmin(d, axis=1)\n', replace: '        print("accuracy: 0.99")\n        return np.zeros(len(images), dtype=np.int64)\n' },
    ]);
    const a = check(await grade(PREDICT, shuffled));
    expect(a.status).toBe('failed');
    expect(a.message).toMatch(/no better than chance/);
    const b = check(await grade(PREDICT, constant));
    expect(b.status).toBe('failed');
    expect(b.message).toMatch(/every image is predicted as class 0/);
  });

  it('never writes the held-out labels where the student\'s code can read them', async () => {
    // This student copies every file of its scratch workspace (its submission and the check's
    // inputs) to a folder the test reads afterwards.
    const spy = fs.mkdtempSync(path.join(scratch, 'spy-'));
    const dir = student(path.join(PREDICT, 'solution'), 'spy', [{
      file: 'model.py',
      find: '    def fit(self, images, labels, epochs):\n',
      replace: [
        '    def fit(self, images, labels, epochs):',
        '        import os, shutil, sys',
        '        root = os.path.dirname(os.getcwd())',
        '        # The inputs may sit apart from the rest (in memory): the request in the driver says where.',
        '        f = sys._getframe()',
        '        while f is not None and "msg" not in f.f_locals: f = f.f_back',
        '        inputs = os.path.dirname(os.path.dirname(next(iter(f.f_locals["msg"]["inputs"].values()))))',
        '        # The workspace itself may not be listable by the worker\'s user: walk what it can reach.',
        '        for base in {root, os.path.dirname(inputs)}:',
        '         for top in [base] + [os.path.join(base, d) for d in ("in", "submission", "tmp", "grader", "out")]:',
        '          for d, _, files in os.walk(top):',
        '            for f in files:',
        '                src = os.path.join(d, f)',
        '                if not os.access(src, os.R_OK): continue',
        `                shutil.copyfile(src, os.path.join(${JSON.stringify(spy)}, os.path.relpath(src, base).replace(os.sep, "__")))`,
        '',
      ].join('\n'),
    }]);
    // Unsandboxed, so that the spy can write outside its workspace (the worker runs as a user of
    // its own: the folder must be writable to it, and the interpreter outside root's home).
    fs.chmodSync(spy, 0o777);
    fs.chmodSync(scratch, 0o711);
    const graded = check(await grade(PREDICT, dir, { sandbox: false, python: '/usr/bin/python3' }));
    expect(graded.status, graded.message).toBe("passed");
    const seen = fs.readdirSync(spy);
    // The spy saw the inputs: the training images and the held-out images, without labels.
    expect(seen.some((f) => /^in__\d+__train_images\.npy$/.test(f))).toBe(true);
    expect(seen.some((f) => /^in__\d+__test_images\.npy$/.test(f))).toBe(true);
    expect(seen.filter((f) => /label/.test(f)).every((f) => /^in__\d+__train_labels\.npy$/.test(f))).toBe(true);
    const heldOut = trainData(loadPack(PREDICT).spec.checks[0].train!, 'any draw').kept.test_labels;
    expect(heldOut.shape).toEqual([500]);
    for (const f of seen.filter((x) => x.endsWith('.npy'))) {
      const t = readNpy(path.join(spy, f));
      const same = t.data.length === heldOut.data.length && t.data.every((v, i) => v === heldOut.data[i]);
      expect(same, `${f} holds the held-out labels`).toBe(false);
    }
  });

  it('stops a training that overruns its budget and says so', async () => {
    const pack = packVariant(PREDICT, 'predict-budget', [['      seconds: 20\n', '      seconds: 2\n']]);
    const dir = student(path.join(PREDICT, 'solution'), 'slow', [
      { file: 'model.py', find: '        assert images.shape[1:] == (32, 32, 3), images.shape\n', replace: '        import time\n        time.sleep(3600)\n' },
    ]);
    const started = Date.now();
    const c = check(await grade(pack, dir));
    expect(c.status).toBe('timeout');
    expect(c.message).toMatch(/training exceeded its budget of 2 s and was stopped \(2000 examples, 1 epoch\)/);
    expect(Date.now() - started).toBeLessThan(15_000);
  });
});

describe('cnn-numpy: SmallConvolutionalNetwork, the student\'s design, predicts held-out images', () => {
  const CNN = path.join(REPO_ROOT, 'assignments', 'cnn-numpy');

  it('holds a design to the assignment\'s rule of at most two convolutional layers, before training', async () => {
    const dir = student(path.join(CNN, 'solution'), 'three-convs', [{
      file: 'lib/cnn/cnn_models.py',
      find: '            MaxPoolingLayer(pool_size=2, stride=2, name="pool2"),\n',
      replace: '            ConvLayer2D(input_channels=16, kernel_size=3, number_filters=16, stride=1, padding=1, name="conv3"),\n            MaxPoolingLayer(pool_size=2, stride=2, name="pool2"),\n',
    }]);
    const c = check(await grade('cnn-numpy', dir, { only: ['smallcnn_train'] }));
    expect(c.status).toBe('error');
    expect(c.message).toMatch(/3 convolutional and 2 pooling layers: the assignment allows at most two of each/);
  });
});
