/** `dlgrade fixtures`: every published case's inputs and expected outputs as .npz, regenerated or checked. */
import path from 'node:path';
import type { Command } from 'commander';
import { syncFixtures } from '../checks/fixtures.ts';
import { REPO_ROOT, listPacks, loadPack } from '../spec/load.ts';
import type { Cli } from './options.ts';

export function fixturesCommand(program: Command, cli: Cli) {
  program
    .command('fixtures')
    .description("regenerate fixtures/<pack>/: every published case's inputs and expected outputs as .npz")
    .option('--check', 'only report fixtures that are out of date (exit 1 if any)')
    .action((o) => {
      for (const name of listPacks()) {
        const differ = syncFixtures(loadPack(name), path.join(REPO_ROOT, 'fixtures', name), !!o.check);
        if (o.check && differ.length) {
          console.log(`${name}: out of date: ${differ.join(', ')} (run: npm run -s dlgrade -- fixtures)`);
          cli.setExit(1);
        } else if (!o.check) console.log(`${name}: wrote fixtures/${name}/`);
      }
    });
}
