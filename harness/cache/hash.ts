/**
 * Content hashes that name cache entries: of a folder (a submission, a pack, the grader's own
 * source), a file (a zip hand-in) and plain values. A folder's hash covers every name in it and
 * every regular file's bytes, so a one-byte change anywhere changes it, and nothing else does
 * (not the time a file was copied, not the order the file system lists it in).
 */
import { createHash, type Hash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

export interface TreeOptions {
  /** Names skipped at any depth (`.git`, `__pycache__`, ...). */
  ignore?: ReadonlySet<string>;
  /**
   * Bytes read for content, in all; files past it count by size and modification time. A
   * submission holding a huge data file costs a stat, not a read; the workspace never copies
   * that much anyway.
   */
  maxContentBytes?: number;
}

export const sha256 = (data: string | Uint8Array): string => createHash('sha256').update(data).digest('hex');

/** A hash of plain values (JSON): the parts of a key that are not files. */
export const hashValue = (value: unknown): string => sha256(JSON.stringify(value));

export function hashFile(file: string): string {
  const h = createHash('sha256');
  addFile(h, file);
  return h.digest('hex');
}

export function hashTree(dir: string, opts: TreeOptions = {}): string {
  const h = createHash('sha256');
  const budget = { left: opts.maxContentBytes ?? Infinity };
  walk(h, dir, '', opts.ignore ?? new Set(), budget);
  return h.digest('hex');
}

function walk(h: Hash, dir: string, rel: string, ignore: ReadonlySet<string>, budget: { left: number }) {
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true }).filter((e) => !ignore.has(e.name));
  } catch (e) {
    // What cannot be read is hashed as that: grading it fails the same way each time.
    h.update(`E\0${rel}\0${(e as NodeJS.ErrnoException).code}\0`);
    return;
  }
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const e of entries) {
    const p = path.join(dir, e.name);
    const r = rel ? `${rel}/${e.name}` : e.name;
    try {
      if (e.isDirectory()) {
        h.update(`D\0${r}\0`);
        walk(h, p, r, ignore, budget);
      } else if (e.isFile()) {
        const st = fs.statSync(p);
        if (st.size <= budget.left) {
          budget.left -= st.size;
          h.update(`F\0${r}\0${st.size}\0`);
          addFile(h, p);
        } else {
          h.update(`S\0${r}\0${st.size}\0${st.mtimeMs}\0`);
        }
      } else if (e.isSymbolicLink()) {
        // Never followed (the workspace does not copy links), but their presence shows in results.
        h.update(`L\0${r}\0${fs.readlinkSync(p)}\0`);
      } else {
        h.update(`X\0${r}\0`);
      }
    } catch (err) {
      h.update(`E\0${r}\0${(err as NodeJS.ErrnoException).code}\0`);
    }
  }
}

function addFile(h: Hash, file: string) {
  const fd = fs.openSync(file, 'r');
  try {
    const buf = Buffer.allocUnsafe(1 << 20);
    let n: number;
    while ((n = fs.readSync(fd, buf, 0, buf.length, null)) > 0) h.update(buf.subarray(0, n));
  } finally {
    fs.closeSync(fd);
  }
}
