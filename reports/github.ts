/**
 * GitHub Actions: an ::error annotation per check that did not pass (shown on the run and the
 * pull request), and the Markdown summary appended to the job's step summary. Both only where
 * GitHub set the variables, so a local run prints nothing of the kind.
 */
import fs from 'node:fs';
import type { CheckResult, SubmissionResult } from '../harness/results/types.ts';
import { STATUS_WORD, isBad, pts } from './text.ts';

/** Workflow-command escaping: data may not break the line; properties may not break the list. */
const escapeData = (s: string) => s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
const escapeProperty = (s: string) => escapeData(s).replace(/:/g, '%3A').replace(/,/g, '%2C');

/** GitHub shows at most 10 error annotations of a step: the rest are summed up in the tenth. */
export const MAX_ANNOTATIONS = 10;

/**
 * Where a check's failure points in the student's code: the innermost frame of its traceback
 * (the worker trims tracebacks to the student's own frames), else the file and line a
 * SyntaxError's message names. Only a path relative to the hand-in: that is what GitHub places.
 */
export function failureLocation(c: CheckResult): { file: string; line: number } | undefined {
  for (const k of c.cases) {
    const frames = [...(k.traceback ?? '').matchAll(/File "([^"\n]+)", line (\d+)/g)];
    const named = frames.length ? frames[frames.length - 1] : /\(([^()\n]+\.(?:py|m|ipynb)), line (\d+)\)/.exec(k.message);
    if (!named) continue;
    const file = named[1].replace(/^\/w\/submission\//, '').replace(/^\.\//, '');
    if (file.startsWith('/') || file.startsWith('<') || file.split('/').includes('..')) continue;
    return { file, line: Number(named[2]) };
  }
  return undefined;
}

export function annotations(r: SubmissionResult): string[] {
  const bad = r.checks.filter((c) => isBad(c.status));
  const shown = bad.length > MAX_ANNOTATIONS ? bad.slice(0, MAX_ANNOTATIONS - 1) : bad;
  const lines = shown.map((c) => {
    const title = `${c.id} ${STATUS_WORD[c.status]} (${pts(c.score)}/${pts(c.max_score)})`;
    const message = [`${c.title}: ${c.message}`, ...(c.hint ? [`hint: ${c.hint}`] : [])].join('\n');
    const at = failureLocation(c);
    const where = at ? `file=${escapeProperty(at.file)},line=${at.line},` : '';
    return `::error ${where}title=${escapeProperty(title)}::${escapeData(message)}`;
  });
  const rest = bad.slice(shown.length);
  if (rest.length) {
    lines.push(`::error title=${escapeProperty(`${rest.length} more checks did not pass`)}::${escapeData(`${rest.map((c) => c.id).join(', ')}: see the job summary and the report for each`)}`);
  }
  return lines;
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
