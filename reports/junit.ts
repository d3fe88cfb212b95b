/**
 * junit.xml: one <testcase> per check, as GitLab's test reports and Jenkins' JUnit plugin read
 * it: <failure> for a failed check, <error> for an error or a timeout, <skipped> with the reason,
 * points as <property> elements, the student's output in <system-out>/<system-err>.
 */
import type { CheckResult, SubmissionResult } from '../harness/results/types.ts';
import type { SubmissionReporter } from './reporter.ts';
import { checkDetails, pts, tail } from './text.ts';

/**
 * XML 1.0 cannot carry most control characters, even escaped, and a student's output is full
 * of them (ANSI colours, stray NULs): they are written as visible \xNN so the file stays valid.
 */
export function xmlText(s: string): string {
  return s
    .replace(/[^\x09\x0A\x0D\x20-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, (ch) => `\\x${ch.charCodeAt(0).toString(16).padStart(2, '0')}`)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;');
}

/** An attribute value: also quotes, and newlines kept as character references. */
export const xmlAttr = (s: string) =>
  xmlText(s).replace(/"/g, '&quot;').replace(/'/g, '&apos;').replace(/\n/g, '&#10;').replace(/\r/g, '&#13;').replace(/\t/g, '&#9;');

const secs = (x: number) => (Math.round(x * 1000) / 1000).toFixed(3);
const firstLine = (s: string, max = 500) => {
  const l = s.split('\n')[0];
  return l.length > max ? `${l.slice(0, max - 1)}…` : l;
};

function testcase(r: SubmissionResult, c: CheckResult): string {
  const attrs = `classname="${xmlAttr(r.assignment)}" name="${xmlAttr(`${c.id}: ${c.title}`)}" time="${secs(c.seconds)}"`;
  const props = [
    `      <properties>`,
    `        <property name="score" value="${pts(c.score)}"/>`,
    `        <property name="max_score" value="${pts(c.max_score)}"/>`,
    `        <property name="kind" value="${xmlAttr(c.kind)}"/>`,
    `      </properties>`,
  ];
  const body = xmlText(checkDetails(c).join('\n'));
  let outcome: string[] = [];
  if (c.status === 'failed') outcome = [`      <failure message="${xmlAttr(firstLine(c.message))}" type="failed">${body}</failure>`];
  else if (c.status === 'error' || c.status === 'timeout') outcome = [`      <error message="${xmlAttr(firstLine(c.message))}" type="${c.status}">${body}</error>`];
  else if (c.status === 'skipped') outcome = [`      <skipped message="${xmlAttr(firstLine(c.message))}"/>`];
  // A passing check's advisory notes (scored nothing) ride along as its output.
  else if (c.advisories?.length) outcome = [`      <system-out>${xmlText(checkDetails(c).join('\n'))}</system-out>`];
  return [`    <testcase ${attrs}>`, ...props, ...outcome, `    </testcase>`].join('\n');
}

export function junitXml(r: SubmissionResult): string {
  const count = (s: string) => r.checks.filter((c) => c.status === s).length;
  const env = r.environment;
  const suiteProps: [string, string][] = [
    ['submission', r.submission],
    ['score', pts(r.score)],
    ['max_score', pts(r.max_score)],
    ['seed', r.seed],
    ['python', env.python ?? 'unknown'],
    ...Object.entries(env.modules).map(([k, v]): [string, string] => [`module.${k}`, v]),
    ['sandbox', env.sandbox],
    ['grader_version', env.grader_version],
    ...r.errors.map((e, i): [string, string] => [`error.${i + 1}`, e]),
  ];
  const suite = [
    `name="${xmlAttr(r.assignment)}"`,
    `tests="${r.checks.length}"`,
    `failures="${count('failed')}"`,
    `errors="${count('error') + count('timeout')}"`,
    `skipped="${count('skipped')}"`,
    `time="${secs(r.seconds)}"`,
    `timestamp="${xmlAttr(r.started_at.replace(/\.\d+Z$|Z$/, ''))}"`,
  ].join(' ');
  const totals = `tests="${r.checks.length}" failures="${count('failed')}" errors="${count('error') + count('timeout')}" skipped="${count('skipped')}" time="${secs(r.seconds)}"`;
  return [
    `<?xml version="1.0" encoding="UTF-8"?>`,
    `<testsuites name="${xmlAttr(`dlgrade ${r.assignment}: ${r.submission}`)}" ${totals}>`,
    `  <testsuite ${suite}>`,
    `    <properties>`,
    ...suiteProps.map(([k, v]) => `      <property name="${xmlAttr(k)}" value="${xmlAttr(v)}"/>`),
    `    </properties>`,
    ...r.checks.map((c) => testcase(r, c)),
    `    <system-out>${xmlText(tail(r.stdout, 200, 64_000))}</system-out>`,
    `    <system-err>${xmlText(tail(r.stderr, 200, 64_000))}</system-err>`,
    `  </testsuite>`,
    `</testsuites>`,
    '',
  ].join('\n');
}

export const junitReporter: SubmissionReporter = {
  name: 'junit',
  file: 'junit.xml',
  describe: 'JUnit XML, one testcase per check (GitLab, Jenkins and most CI systems read it)',
  render: (r) => junitXml(r),
};
