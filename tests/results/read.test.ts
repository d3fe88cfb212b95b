/** Reading a result back: the one way in, validated against result.schema.json. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readResult } from '../../harness/results/read.ts';
import { writeResult } from '../../harness/results/write.ts';
import { syntheticResult } from '../helpers/results.ts';

describe('readResult', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dlgrade-read-'));

  it('gives back what writeResult wrote', () => {
    const r = syntheticResult();
    writeResult(dir, r);
    const back = readResult(path.join(dir, 'result.json'));
    expect(typeof back).toBe('object');
    expect(back).toMatchObject({ submission: r.submission, score: r.score, checks: expect.any(Array) });
  });

  it('says why a file is not a result: missing, cut short, another format', () => {
    expect(readResult(path.join(dir, 'none.json'))).toBe('cannot be read (ENOENT)');
    fs.writeFileSync(path.join(dir, 'cut.json'), '{"schema_version": 1, "subm');
    expect(readResult(path.join(dir, 'cut.json'))).toBe('not JSON (cut short, or not a result)');
    fs.writeFileSync(path.join(dir, 'other.json'), JSON.stringify({ ...syntheticResult(), score: 'ten' }));
    expect(readResult(path.join(dir, 'other.json'))).toMatch(/^not a dlgrade result \(\/score must be number\)$/);
  });
});
