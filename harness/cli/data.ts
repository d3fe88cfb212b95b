/** `dlgrade data`: the data sets behind training checks, and the subset bundled in fixtures/. */
import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import type { Cli } from './options.ts';
import { DATASETS, knownDataSet, loadDataSet, resolveData } from '../data/datasets.ts';
import { SUBSET_DEFAULTS, encodeSubset } from '../data/subset.ts';
import { writeAtomic } from '../results/write.ts';

export function dataCommand(program: Command, cli: Cli) {
  const setExit = (code: number) => cli.setExit(code);
  const data = program.command('data').description('the data sets of training checks: where they are read from, and the bundled subset');

  data
    .command('info')
    .description('say where each data set would be read from and what it holds')
    .option('--data <where>', "'bundled' (the default), 'system' (the installed full set) or a folder or .npz")
    .action((o) => {
      for (const name of Object.keys(DATASETS)) {
        const ds = loadDataSet(name, resolveData(name, o.data));
        const counts = (labels: Uint8Array) => Array.from({ length: ds.classes }, (_, c) => labels.filter((y) => y === c).length).join('/');
        console.log(`${name}: ${ds.source}`);
        console.log(`  training: ${ds.train.count} images of ${ds.train.height}x${ds.train.width} (per class ${counts(ds.train.labels)})`);
        console.log(`  test:     ${ds.test.count} images (per class ${counts(ds.test.labels)})`);
      }
      setExit(0);
    });

  data
    .command('subset')
    .description('write the bundled subset (a seeded, class-balanced draw) from the full data set')
    .option('--name <dataset>', 'which data set', 'fashion-mnist')
    .option('--from <where>', "the full set: 'system' or a folder of idx files", 'system')
    .option('--out <file>', 'where to write it (default: the bundled file in fixtures/data/)')
    .option('--train <n>', 'training examples', String(SUBSET_DEFAULTS.train))
    .option('--test <n>', 'held-out examples', String(SUBSET_DEFAULTS.test))
    .option('--check', 'only say whether the bundled file is what this command writes (exit 1 if not)')
    .action((o) => {
      const known = knownDataSet(o.name);
      const ds = loadDataSet(o.name, resolveData(o.name, o.from));
      const bytes = encodeSubset(ds, { ...SUBSET_DEFAULTS, train: Number(o.train), test: Number(o.test) });
      const out = path.resolve(o.out ?? known.bundled);
      if (o.check) {
        const same = fs.existsSync(out) && Buffer.compare(fs.readFileSync(out), Buffer.from(bytes)) === 0;
        console.log(same ? `${out}: up to date` : `${out}: differs from what \`dlgrade data subset\` writes`);
        setExit(same ? 0 : 1);
        return;
      }
      writeAtomic(out, bytes);
      console.log(`wrote ${out} (${(bytes.length / 1e6).toFixed(2)} MB): ${o.train} training and ${o.test} held-out examples of ${ds.source}`);
      setExit(0);
    });
}
