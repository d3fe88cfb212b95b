/** `dlgrade merge`: shards, or runs of differently tagged runners, into one set of results and one gradebook. */
import path from 'node:path';
import type { Command } from 'commander';
import { writeResult } from '../results/write.ts';
import { mergeResults, readResults } from '../runner/merge.ts';
import { batchFile, writeBatchReports } from '../../reports/registry.ts';
import { type Cli, UsageError } from './options.ts';

export function mergeCommand(program: Command, _cli: Cli) {
  program
    .command('merge')
    .description('combine the results of shards, or of runners with different tags, into one gradebook')
    .argument('<dirs...>', 'results folders written by dlgrade grade --out')
    .requiredOption('-o, --out <dir>', 'where the merged results and gradebook go')
    .action((dirs: string[], o) => {
      let merged;
      try {
        merged = mergeResults(dirs.map(readResults));
      } catch (e) {
        throw new UsageError((e as Error).message);
      }
      for (const r of merged) writeResult(path.join(o.out, r.submission), r);
      writeBatchReports(o.out, merged.map((r) => ({ result: r, dir: r.submission, files: {} })), ['gradebook']);
      const pending = merged.filter((r) => r.pending_score > 0).length;
      console.log(`Merged ${dirs.length} runs: ${merged.length} submissions${pending ? `, ${pending} with checks still pending` : ''}; gradebook: ${path.join(o.out, batchFile('gradebook'))}`);
    });
}
