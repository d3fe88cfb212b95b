/**
 * Training checks on the real, full Fashion-MNIST (Debian's dataset-fashion-mnist, which
 * scripts/setup.sh installs): the solutions pass their bars within the budget, a model that does
 * not learn fails, and the bundled subset is exactly what `dlgrade data subset` makes of it.
 * Where the full set is not installed these tests are skipped, saying so; in CI it must be there.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DATASETS, loadDataSet, resolveData, systemDataPresent } from '../../harness/data/datasets.ts';
import { SUBSET_DEFAULTS, encodeSubset } from '../../harness/data/subset.ts';
import { deriveSubmission, loadMutants } from '../../harness/spec/mutants.ts';
import { REPO_ROOT } from '../../harness/spec/load.ts';
import { grade } from '../helpers/grade.ts';

const known = DATASETS['fashion-mnist'];
const present = systemDataPresent('fashion-mnist');
const why = `the full Fashion-MNIST is not installed at ${known.system} (apt-get install -y ${known.debianPackage})`;
if (!present) console.warn(`full-fashion.test.ts: skipped: ${why}`);

it.runIf(process.env.CI)('is installed where CI runs (scripts/setup.sh installs it)', () => {
  expect(present, why).toBe(true);
});

describe.skipIf(!present)(`training checks on the full Fashion-MNIST${present ? '' : ` (skipped: ${why})`}`, () => {
  const pack = (name: string) => path.join(REPO_ROOT, 'assignments', name);

  it('holds 60000 training and 10000 test images, and the bundled subset is drawn from them', () => {
    const ds = loadDataSet('fashion-mnist', resolveData('fashion-mnist', 'system'));
    expect([ds.train.count, ds.test.count, ds.bundled]).toEqual([60000, 10000, false]);
    const bytes = encodeSubset(ds, SUBSET_DEFAULTS);
    expect(Buffer.compare(Buffer.from(bytes), fs.readFileSync(known.bundled)), 'the bundled subset differs: npm run -s dlgrade -- data subset').toBe(0);
  });

  it('mlp-numpy: TinyNet passes its bar on all 10000 test images within its budget', async () => {
    const r = await grade('mlp-numpy', path.join(pack('mlp-numpy'), 'solution'), { only: ['tinynet_train'], data: 'system' });
    const c = r.checks[0];
    expect(c.status, c.message).toBe('passed');
    expect(c.cases[0].comparisons[0].message).toMatch(/on 10000 images/);
    expect(r.notes).toContain(`training data: fashion-mnist, ${known.system}`);
    console.log(`full Fashion-MNIST, mlp-numpy tinynet_train: ${c.cases[0].comparisons[0].message} (${c.seconds.toFixed(1)} s)`);
  });

  it('mlp-numpy: a train_net that never steps fails there too', async () => {
    const m = loadMutants(pack('mlp-numpy')).find((x) => x.name === 'train-net-no-optimizer-step')!;
    const dir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'dlgrade-full-')), m.name);
    deriveSubmission(path.join(pack('mlp-numpy'), 'solution'), dir, m.edits);
    const c = (await grade('mlp-numpy', dir, { only: ['tinynet_train'], data: 'system' })).checks[0];
    expect(c.status).toBe('failed');
    expect(c.cases[0].comparisons[0].value).toBeLessThan(0.3);
  });

  it('cnn-numpy: SmallConvolutionalNetwork\'s predictions pass the bar on 2000 held-out images within the budget', async () => {
    const r = await grade('cnn-numpy', path.join(pack('cnn-numpy'), 'solution'), { only: ['smallcnn_train'], data: 'system' });
    const c = r.checks[0];
    expect(c.status, c.message).toBe('passed');
    expect(c.cases[0].comparisons[0].message).toMatch(/on 2000 images/);
    console.log(`full Fashion-MNIST, cnn-numpy smallcnn_train: ${c.cases[0].comparisons[0].message} (${c.seconds.toFixed(1)} s)`);
  });

  it('cnn-numpy: a train_net that never steps fails there too', async () => {
    const m = loadMutants(pack('cnn-numpy')).find((x) => x.name === 'train-net-no-optimizer-step')!;
    const dir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'dlgrade-full-')), m.name);
    deriveSubmission(path.join(pack('cnn-numpy'), 'solution'), dir, m.edits);
    const c = (await grade('cnn-numpy', dir, { only: ['smallcnn_train'], data: 'system' })).checks[0];
    expect(c.status).toBe('failed');
    expect(c.cases[0].comparisons[0].value).toBeLessThan(0.3);
  });

  it('mnist-mlp-numpy: the solution notebook passes its bar on all 10000 test images', async () => {
    const r = await grade('mnist-mlp-numpy', path.join(pack('mnist-mlp-numpy'), 'solution'), { only: ['train'], data: 'system' });
    const c = r.checks[0];
    expect(c.status, c.message).toBe('passed');
    console.log(`full Fashion-MNIST, mnist-mlp-numpy train: ${c.cases[0].comparisons[0].message} (${c.seconds.toFixed(1)} s)`);
  });

  it('predictions mode: a student-designed model on 32x32x3 images from the full set', async () => {
    const dir = path.join(REPO_ROOT, 'tests', 'fixtures', 'packs', 'train-predict');
    const c = (await grade(dir, path.join(dir, 'solution'), { data: 'system' })).checks[0];
    expect(c.status, c.message).toBe('passed');
  });
});
