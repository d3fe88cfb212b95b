/**
 * Every test run gets a result cache of its own: tests never read results cached by an earlier
 * run, or by the user's own grading, and leave nothing in ~/.cache behind.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export default function setup() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dlgrade-test-cache-'));
  process.env.DLGRADE_CACHE = dir;
  return () => fs.rmSync(dir, { recursive: true, force: true });
}
