/** Writing results so that a crash never leaves half a file: write aside, then rename. */
import fs from 'node:fs';
import path from 'node:path';

/**
 * `durable: false` skips the fsync, for files that can be made again (reports, copies of cached
 * results): a crash of the process still never leaves half a file, only a crash of the machine
 * could lose the last ones written.
 */
export function writeAtomic(file: string, content: string | Uint8Array, opts: { durable?: boolean } = {}) {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.partial`;
  const fd = fs.openSync(tmp, 'w');
  try {
    fs.writeSync(fd, typeof content === 'string' ? Buffer.from(content) : content);
    if (opts.durable !== false) fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, file);
}

/**
 * JSON has no NaN or Infinity: JSON.stringify writes them as null. Arrays of numbers stay on one
 * line (an index, a heat map's cells), so a result reads well and stays small; a JSON string
 * never holds a raw newline, so only arrays the indentation broke up are joined.
 */
export const toJson = (value: unknown): string =>
  JSON.stringify(value, null, 2)
    .replace(/\[\n[\s\d.eE+\-,nul]*\]/g, (m) => m.replace(/\s+/g, '').replace(/,/g, ', ')) + '\n';

/** The name of a submission's result file in its output folder. */
export const RESULT_FILE = 'result.json';

/**
 * A submission's result.json, the file every resume, merge and cache hit reads back (read.ts):
 * durable by default, since it is the record of a grading, not a report made from one.
 */
export function writeResult(dir: string, r: unknown, opts: { durable?: boolean } = {}) {
  writeAtomic(path.join(dir, RESULT_FILE), toJson(r), opts);
}
