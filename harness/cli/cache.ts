/** `dlgrade cache`: where the result cache is and how much it holds; --clear empties it. */
import type { Command } from 'commander';
import { CACHE_HELP, type Cli } from './options.ts';
import { openCache } from './setup.ts';

export function cacheCommand(program: Command, _cli: Cli) {
  program
    .command('cache')
    .description('say where the result cache is and how much it holds; --clear empties it')
    .option('--cache <dir>', CACHE_HELP)
    .option('--clear', 'remove every cached result and remembered interpreter')
    .action((o) => {
      const store = openCache(o.cache)!;
      if (o.clear) store.clear();
      const { entries, bytes } = store.usage();
      console.log(`${store.root}: ${entries} entr${entries === 1 ? 'y' : 'ies'}, ${(bytes / 2 ** 20).toFixed(1)} MiB${o.clear ? ' (cleared)' : ''}`);
    });
}
