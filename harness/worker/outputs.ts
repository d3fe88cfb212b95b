/**
 * Reading what a worker returned, as bytes the student's process may have written: an output's
 * .npy file (from where the grader told the worker to write it) or its bytes inline in the reply.
 * Either way the bytes are decoded and checked by the grader's own .npy reader.
 */
import fs from 'node:fs';
import path from 'node:path';
import { decodeNpy } from '../tensor/npy.ts';
import type { Tensor } from '../tensor/tensor.ts';

/** No output of any check comes near this; a larger file is refused before it is read. */
const MAX_OUTPUT_FILE = 256 * 1024 * 1024;

/**
 * The outputs a reply named, by name, or the first problem as `output <name>: <what>`. Inline
 * bytes are taken from the reply; the others from `<outDir>/<name>.npy`.
 */
export function readOutputs(outDir: string, names: string[], inline: Record<string, Uint8Array> = {}): Record<string, Tensor> | string {
  const got: Record<string, Tensor> = {};
  for (const name of names) {
    const t = inline[name] ? decodeOutput(inline[name]) : readOutput(outDir, name);
    if (typeof t === 'string') return `output ${name}: ${t}`;
    got[name] = t;
  }
  return got;
}

/**
 * Reads one output file: the folder must still be the one the grader made (not a link), the
 * file a regular file (not a link to /dev/zero, a pipe or the grader's own files), of a sane
 * size, and a numeric .npy.
 */
function readOutput(outDir: string, name: string): Tensor | string {
  const replaced = 'not where the worker was told to write it (its folder was replaced)';
  try {
    // Only the last step can be the student's: the folders above it are the grader's.
    if (!fs.lstatSync(outDir).isDirectory()) return replaced;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'its folder is gone' : replaced;
  }
  let fd: number;
  try {
    fd = fs.openSync(path.join(outDir, `${name}.npy`), fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW | fs.constants.O_NONBLOCK);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return code === 'ENOENT' ? 'no file was written' : code === 'ELOOP' ? 'a symbolic link, not an array the worker wrote' : `cannot be opened (${code})`;
  }
  try {
    const st = fs.fstatSync(fd);
    if (!st.isFile()) return 'not a regular file';
    if (st.size > MAX_OUTPUT_FILE) return `larger than ${MAX_OUTPUT_FILE >> 20} MiB`;
    const bytes = Buffer.alloc(st.size);
    let got = 0;
    while (got < st.size) {
      const n = fs.readSync(fd, bytes, got, st.size - got, got);
      if (n === 0) break;
      got += n;
    }
    return decodeOutput(bytes.subarray(0, got));
  } catch (e) {
    return (e as Error).message;
  } finally {
    fs.closeSync(fd);
  }
}

/** An output's .npy bytes, checked as the student's own bytes. */
function decodeOutput(bytes: Uint8Array): Tensor | string {
  try {
    return decodeNpy(bytes, 'the array');
  } catch (e) {
    return (e as Error).message;
  }
}
