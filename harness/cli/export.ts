/**
 * `dlgrade export canvas|moodle|csv RESULTS -o FILE`: the gradebook in the file an LMS imports
 * (reports/lms.ts), scores after any late penalty. The students come from the results (grade
 * --roster) or from --roster here, matched by folder name or the email the results carry.
 */
import type { Command } from 'commander';
import type { SubmissionResult } from '../results/types.ts';
import { writeAtomic } from '../results/write.ts';
import { readResults } from '../runner/merge.ts';
import { matchRoster, rosterWarnings } from '../runner/roster.ts';
import { EXPORT_FORMATS, ExportError, exportGradebook, isExportFormat } from '../../reports/lms.ts';
import { type Cli, UsageError, rosterOf } from './options.ts';

export function exportCommand(program: Command, _cli: Cli) {
  program
    .command('export')
    .description("write a results folder's gradebook in an LMS's import format (Canvas, Moodle) or as plain CSV")
    .argument('<format>', EXPORT_FORMATS.join(', '))
    .argument('<results>', 'a results folder written by dlgrade grade --out (or merge)')
    .requiredOption('-o, --out <file>', 'the file to write')
    .option('--roster <csv>', "class roster to match the folders against (default: the students grade --roster recorded)")
    .option('--column <name>', "the grade column's header (default: the pack's name; for Canvas, \"Name (id)\" from its export updates that assignment)")
    .action((format: string, dir: string, o) => {
      if (!isExportFormat(format)) throw new UsageError(`unknown export format "${format}" (known: ${EXPORT_FORMATS.join(', ')})`);
      let results: SubmissionResult[];
      try {
        results = readResults(dir);
      } catch (e) {
        throw new UsageError((e as Error).message);
      }
      if (!results.length) throw new UsageError(`${dir}: no results in it (a folder written by dlgrade grade --out)`);
      const roster = rosterOf(o.roster);
      if (roster) {
        const match = matchRoster(roster, results.map((r) => ({ folder: r.submission, emails: r.student?.email ? [r.student.email] : [], names: r.student?.name ? [r.student.name] : [] })));
        for (const w of rosterWarnings(match, roster.file)) console.error(`dlgrade: roster: ${w}`);
        results = results.map((r) => {
          const { student: _s, ...rest } = r;
          const student = match.students.get(r.submission);
          return student ? { ...rest, student } : rest;
        });
      }
      let out;
      try {
        out = exportGradebook(format, results, { column: o.column });
      } catch (e) {
        if (e instanceof ExportError) throw new UsageError(`export ${format}: ${e.message}`);
        throw e;
      }
      for (const w of out.warnings) console.error(`dlgrade: export: ${w}`);
      writeAtomic(o.out, out.text, { durable: false });
      const late = results.filter((r) => r.late && r.late.penalty > 0).length;
      console.log(`Wrote ${o.out}: ${out.rows} student${out.rows === 1 ? '' : 's'} (${format})${late ? `, ${late} with a late penalty taken` : ''}`);
    });
}
