/** `dlgrade merge`: shards, or runs of differently tagged runners, into one set of results and one gradebook. */
import path from 'node:path';
import type { Command } from 'commander';
import { writeResult } from '../results/write.ts';
import { PREFER, type Prefer, mergeRuns, readResults } from '../runner/merge.ts';
import { batchFile, writeBatchReports } from '../../reports/registry.ts';
import { type Cli, UsageError } from './options.ts';

export function mergeCommand(program: Command, _cli: Cli) {
  program
    .command('merge')
    .description('combine the results of shards, or of runners with different tags, into one gradebook')
    .argument('<dirs...>', 'results folders written by dlgrade grade --out')
    .requiredOption('-o, --out <dir>', 'where the merged results and gradebook go')
    .option('--prefer <which>', `where two runs graded the same check of a submission: ${PREFER.join(' or ')} (the newer run by its results' started_at, or the first folder given)`, 'newer')
    .action((dirs: string[], o) => {
      if (!(PREFER as readonly string[]).includes(o.prefer)) throw new UsageError(`--prefer takes ${PREFER.join(' or ')} (got "${o.prefer}")`);
      const prefer = o.prefer as Prefer;
      let merged;
      try {
        merged = mergeRuns(dirs.map(readResults), { prefer });
      } catch (e) {
        throw new UsageError((e as Error).message);
      }
      for (const r of merged.results) writeResult(path.join(o.out, r.submission), r);
      writeBatchReports(o.out, merged.results.map((r) => ({ result: r, dir: r.submission, files: {} })), ['gradebook']);
      for (const c of merged.choices) {
        const others = c.others.map((i) => dirs[i]).join(', ');
        console.log(`${c.submission}: graded differently by ${dirs[c.kept]} and ${others} (${c.checks.join(', ')}): kept ${dirs[c.kept]}'s (${prefer === 'newer' ? 'the newer run' : 'the first given'}; --prefer ${prefer === 'newer' ? 'first' : 'newer'} keeps the other)`);
      }
      const pending = merged.results.filter((r) => r.pending_score > 0).length;
      console.log(`Merged ${dirs.length} runs: ${merged.results.length} submissions${pending ? `, ${pending} with checks still pending` : ''}${merged.choices.length ? `, ${merged.choices.length} graded differently (listed above)` : ''}; gradebook: ${path.join(o.out, batchFile('gradebook'))}`);
    });
}
