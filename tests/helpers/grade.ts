/** Grading from tests: the same engine the CLI uses, with results checked against the schema. */
import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';
import { expect } from 'vitest';
import { resolveInterpreter } from '../../harness/python/environment.ts';
import type { SubmissionResult } from '../../harness/results/types.ts';
import { gradeSubmission } from '../../harness/runner/submission.ts';
import { loadPack } from '../../harness/spec/load.ts';
import type { Language } from '../../harness/spec/types.ts';
import { type Isolation, findBubblewrap, resolveIsolation } from '../../harness/worker/sandbox.ts';
import resultSchema from '../../harness/results/result.schema.json' with { type: 'json' };

const ajv = new Ajv({ allErrors: true, strict: false });
addFormats.default(ajv);
const validate = ajv.compile(resultSchema);

/** Fails the test with ajv's words when a result does not match result.schema.json. */
export function expectValidResult(r: unknown) {
  const ok = validate(JSON.parse(JSON.stringify(r)));
  expect(ok ? [] : validate.errors).toEqual([]);
}

/**
 * The isolation tests grade with: the sandbox wherever bubblewrap is installed (CI installs it),
 * else unsandboxed, as `check` does; the adversarial corpus asks for each mode itself.
 */
export async function testIsolation(python: string, sandbox?: boolean, language?: Language): Promise<Isolation> {
  return resolveIsolation({ sandbox: sandbox ?? !!(await findBubblewrap()), python, language });
}

export async function grade(pack: string, dir: string, opts: { only?: string[]; seed?: string; data?: string; sandbox?: boolean; python?: string } = {}): Promise<SubmissionResult> {
  const p = loadPack(pack);
  const python = await resolveInterpreter(p.spec, { python: opts.python });
  const r = await gradeSubmission(p, dir, { seed: opts.seed ?? 'test-seed', python, isolation: await testIsolation(python.executable, opts.sandbox, p.spec.worker), only: opts.only, data: opts.data });
  expectValidResult(r);
  return r;
}

export const failing = (r: SubmissionResult) => r.checks.filter((c) => c.status !== 'passed').map((c) => c.id).sort();
export const passing = (r: SubmissionResult) => r.checks.filter((c) => c.status === 'passed').map((c) => c.id).sort();
