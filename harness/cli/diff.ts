/**
 * `dlgrade diff OLD NEW`: who a regrade moved (reports/diff.ts), printed; --csv writes it as
 * CSV; --into writes diff.txt and diff.csv into NEW, whose index.html then links them.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import type { SubmissionResult } from '../results/types.ts';
import { RESULT_FILE, writeAtomic } from '../results/write.ts';
import { readResults } from '../runner/merge.ts';
import { diffCsv, diffRuns, diffText } from '../../reports/diff.ts';
import { DIFF_FILES, SUBMISSION_REPORTERS, batchFile, writeBatchReports } from '../../reports/registry.ts';
import type { BatchEntry } from '../../reports/reporter.ts';
import { type Cli, UsageError } from './options.ts';

const read = (dir: string): SubmissionResult[] => {
  try {
    return readResults(dir);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
};

export function diffCommand(program: Command, _cli: Cli) {
  program
    .command('diff')
    .description('list the submissions two runs scored differently, by how much and on which checks')
    .argument('<old>', 'the earlier results folder')
    .argument('<new>', 'the later results folder')
    .option('--csv <file>', 'also write the changes as CSV')
    .option('--into', "write diff.txt and diff.csv into NEW (NEW's index.html links them)")
    .action((oldDir: string, newDir: string, o) => {
      const d = diffRuns(read(oldDir), read(newDir));
      const text = diffText(d, { old: oldDir, new: newDir });
      process.stdout.write(text);
      if (o.csv) writeAtomic(o.csv, diffCsv(d), { durable: false });
      if (o.into) {
        writeAtomic(path.join(newDir, DIFF_FILES.text), text, { durable: false });
        writeAtomic(path.join(newDir, DIFF_FILES.csv), diffCsv(d), { durable: false });
        // The index, written again to link them (the submissions' reports are as they were).
        if (fs.existsSync(path.join(newDir, batchFile('index')))) {
          const entries: BatchEntry[] = read(newDir).map((r) => ({
            result: r, dir: r.submission,
            files: { json: RESULT_FILE, ...Object.fromEntries(Object.entries(SUBMISSION_REPORTERS).filter(([n, rep]) => n !== 'json' && fs.existsSync(path.join(newDir, r.submission, rep.file))).map(([n, rep]) => [n, rep.file])) },
          }));
          writeBatchReports(newDir, entries, ['index']);
        }
        console.log(`Wrote ${path.join(newDir, DIFF_FILES.text)} and ${path.join(newDir, DIFF_FILES.csv)}`);
      }
    });
}
