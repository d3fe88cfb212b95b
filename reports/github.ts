/**
 * GitHub Actions: an ::error annotation per check that did not pass (shown on the run and the
 * pull request), and the Markdown summary appended to the job's step summary. Both only where
 * GitHub set the variables, so a local run prints nothing of the kind.
 */
import fs from 'node:fs';
import type { SubmissionResult } from '../harness/results/types.ts';
import { STATUS_WORD, isBad, pts } from './text.ts';

/** Workflow-command escaping: data may not break the line; properties may not break the list. */
const escapeData = (s: string) => s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
const escapeProperty = (s: string) => escapeData(s).replace(/:/g, '%3A').replace(/,/g, '%2C');

export function annotations(r: SubmissionResult): string[] {
  return r.checks.filter((c) => isBad(c.status)).map((c) => {
    const title = `${c.id} ${STATUS_WORD[c.status]} (${pts(c.score)}/${pts(c.max_score)})`;
    const message = [`${c.title}: ${c.message}`, ...(c.hint ? [`hint: ${c.hint}`] : [])].join('\n');
    return `::error title=${escapeProperty(title)}::${escapeData(message)}`;
  });
}

export interface CiEnvironment {
  GITHUB_ACTIONS?: string;
  GITHUB_STEP_SUMMARY?: string;
}

/** Prints the annotations and appends the summary where GitHub asked for them; says what it did. */
export function reportToGithub(r: SubmissionResult, markdown: string, env: CiEnvironment, print: (line: string) => void): string[] {
  const did: string[] = [];
  if (env.GITHUB_ACTIONS === 'true') {
    const lines = annotations(r);
    for (const l of lines) print(l);
    did.push(`${lines.length} annotation${lines.length === 1 ? '' : 's'}`);
  }
  if (env.GITHUB_STEP_SUMMARY) {
    fs.appendFileSync(env.GITHUB_STEP_SUMMARY, `${markdown.replace(/\s+$/, '')}\n\n`);
    did.push('step summary');
  }
  return did;
}
