/**
 * numpy's .npz archives: a zip of .npy members, member `x.npy` holding key `x`.
 * np.savez stores members uncompressed and np.savez_compressed deflates them; both read here,
 * and `compress` picks which of the two a written file matches.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { unzipSync, zipSync, type Zippable } from 'fflate';
import { decodeNpy, encodeNpy, TensorFileError } from './npy.ts';
import type { Tensor } from './tensor.ts';

export function readNpz(path: string): Record<string, Tensor> {
  return decodeNpz(readFileSync(path), path);
}

export function decodeNpz(bytes: Uint8Array, what = 'archive'): Record<string, Tensor> {
  let members: Record<string, Uint8Array>;
  try {
    members = unzipSync(bytes);
  } catch (e) {
    const hint = bytes[0] === 0x93 && bytes[1] === 0x4e ? ' (this looks like a single .npy array: read it with readNpy)' : '';
    throw new TensorFileError(`${what}: not a readable .npz (zip) archive: ${(e as Error).message}${hint}`);
  }
  const out: Record<string, Tensor> = {};
  for (const [name, data] of Object.entries(members)) {
    if (name.endsWith('/')) continue; // directory entries from hand-made zips
    // np.load also keeps a member's full name as its key when it lacks the .npy suffix.
    out[name.replace(/\.npy$/, '')] = decodeNpy(data, `${what}:${name}`);
  }
  return out;
}

export function writeNpz(path: string, arrays: Record<string, Tensor>, opts: { compress?: boolean } = {}): void {
  writeFileSync(path, encodeNpz(arrays, opts, path));
}

export function encodeNpz(arrays: Record<string, Tensor>, opts: { compress?: boolean } = {}, what = 'archive'): Uint8Array {
  const members: Zippable = {};
  for (const [key, t] of Object.entries(arrays)) {
    if (key === '') throw new TensorFileError(`${what}: an array key cannot be empty`);
    members[`${key}.npy`] = encodeNpy(t, `${what}:${key}.npy`);
  }
  // Level 0 makes fflate store members (method 0), as np.savez does. A fixed timestamp keeps
  // the bytes identical from run to run, so regenerated fixtures do not churn.
  return zipSync(members, { level: opts.compress ? 6 : 0, mtime: new Date(1980, 0, 1) });
}
