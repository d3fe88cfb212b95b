/**
 * Reading a result back (merge, a resumed batch, the result cache): the one way in, so every
 * result the grader reuses is one that matches result.schema.json. A file that does not (half a
 * file from a crash of the machine, an older grader's format, an edit by hand) reads as nothing,
 * and whoever asked grades again or says which file it was.
 */
import fs from 'node:fs';
import { Ajv } from 'ajv';
import schema from './result.schema.json' with { type: 'json' };
import type { SubmissionResult } from './types.ts';

// Formats (the date-time of started_at) are the grader's own writing: not worth a dependency here.
const validate = new Ajv({ allErrors: false, strict: false, validateFormats: false }).compile(schema);

/** The value as a result, or why it is not one. */
export function asResult(value: unknown): SubmissionResult | string {
  if (validate(value)) return value as unknown as SubmissionResult;
  const e = validate.errors?.[0];
  return `not a dlgrade result (${e ? `${e.instancePath || 'the top level'} ${e.message}` : 'it does not match result.schema.json'})`;
}

/** The result in a result.json file, or why there is none. */
export function readResult(file: string): SubmissionResult | string {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    return `cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`;
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return 'not JSON (cut short, or not a result)';
  }
  return asResult(value);
}
