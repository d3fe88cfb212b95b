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
    .option('-a, --assignment <pack>', "one pack (a shipped pack's name or a path): its fixtures go to fixtures/ inside the pack folder, or --into")
    .option('--into <dir>', 'where the fixtures of --assignment go')
    .action((o) => {
      const shipped = (name: string) => ({ pack: loadPack(name), into: path.join(REPO_ROOT, 'fixtures', name), shown: `fixtures/${name}/` });
      const one = (nameOrPath: string) => {
        const pack = loadPack(nameOrPath);
        if (listPacks().includes(nameOrPath) && !o.into) return shipped(nameOrPath);
        const into = path.resolve(o.into ?? path.join(pack.dir, 'fixtures'));
        return { pack, into, shown: into };
      };
      for (const { pack, into, shown } of o.assignment ? [one(o.assignment)] : listPacks().map(shipped)) {
        const name = pack.spec.name;
        const differ = syncFixtures(pack, into, !!o.check);
        if (o.check && differ.length) {
          console.log(`${name}: out of date: ${differ.join(', ')} (run: npm run -s dlgrade -- fixtures${o.assignment ? ` --assignment ${o.assignment}` : ''})`);
          cli.setExit(1);
        } else if (!o.check) console.log(`${name}: wrote ${shown}`);
      }
    });
}
