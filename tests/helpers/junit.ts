/**
 * A strict reading of junit.xml as GitLab's test reports and Jenkins' JUnit plugin read it:
 * well-formed XML, <testsuites> of <testsuite> of <testcase>, each testcase with classname,
 * name and time, at most one of failure/error/skipped, and suite counts that match the cases.
 */
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { expect } from 'vitest';

export interface JunitCase {
  classname: string;
  name: string;
  time: number;
  outcome: 'passed' | 'failure' | 'error' | 'skipped';
  message?: string;
  type?: string;
  body?: string;
  properties: Record<string, string>;
}

export interface JunitSuite {
  name: string;
  counts: { tests: number; failures: number; errors: number; skipped: number };
  time: number;
  properties: Record<string, string>;
  cases: JunitCase[];
  systemOut: string;
  systemErr: string;
}

const ARRAYS = new Set(['testsuite', 'testcase', 'property', 'failure', 'error', 'skipped']);
const num = (v: unknown, what: string) => {
  expect(String(v), what).toMatch(/^\d+(\.\d+)?$/);
  return Number(v);
};
const props = (node: any): Record<string, string> =>
  Object.fromEntries((node?.properties?.[0]?.property ?? node?.properties?.property ?? []).map((p: any) => [p['@_name'], String(p['@_value'])]));

export function parseJunit(xml: string): JunitSuite[] {
  const valid = XMLValidator.validate(xml);
  expect(valid, 'junit.xml is well-formed').toBe(true);
  const doc = new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: '@_',
    parseAttributeValue: false,
    parseTagValue: false,
    trimValues: false,
    processEntities: true,
    htmlEntities: false,
    isArray: (name) => ARRAYS.has(name),
  }).parse(xml);
  const root = doc.testsuites;
  expect(root, 'root element is <testsuites>').toBeTruthy();
  const suites: JunitSuite[] = root.testsuite.map((s: any) => {
    const cases: JunitCase[] = (s.testcase ?? []).map((c: any) => {
      for (const a of ['@_classname', '@_name', '@_time']) expect(c[a], `testcase ${a}`).toBeDefined();
      const outcomes = ['failure', 'error', 'skipped'].filter((k) => c[k]);
      expect(outcomes.length, `${c['@_name']}: at most one outcome`).toBeLessThanOrEqual(1);
      const kind = (outcomes[0] ?? 'passed') as JunitCase['outcome'];
      const el = kind === 'passed' ? undefined : c[kind][0];
      const body = el === undefined ? undefined : typeof el === 'string' ? el : el['#text'] ?? '';
      return {
        classname: c['@_classname'], name: c['@_name'], time: num(c['@_time'], 'testcase time'), outcome: kind,
        message: el?.['@_message'], type: el?.['@_type'], body, properties: props(c),
      };
    });
    const counts = {
      tests: num(s['@_tests'], 'tests'), failures: num(s['@_failures'], 'failures'),
      errors: num(s['@_errors'], 'errors'), skipped: num(s['@_skipped'], 'skipped'),
    };
    // The counts CI shows must be the cases it lists.
    expect(counts).toEqual({
      tests: cases.length,
      failures: cases.filter((c) => c.outcome === 'failure').length,
      errors: cases.filter((c) => c.outcome === 'error').length,
      skipped: cases.filter((c) => c.outcome === 'skipped').length,
    });
    const text = (v: any) => (v === undefined ? '' : typeof v === 'string' ? v : v['#text'] ?? '');
    return { name: s['@_name'], counts, time: num(s['@_time'], 'suite time'), properties: props(s), cases, systemOut: text(s['system-out']), systemErr: text(s['system-err']) };
  });
  for (const k of ['tests', 'failures', 'errors', 'skipped'] as const) {
    expect(Number(root[`@_${k}`]), `testsuites ${k}`).toBe(suites.reduce((a, s) => a + s.counts[k], 0));
  }
  return suites;
}
