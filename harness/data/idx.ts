/**
 * The idx format of MNIST and Fashion-MNIST (http://yann.lecun.com/exdb/mnist/, "FILE FORMATS"):
 * two zero bytes, a type byte, the number of dimensions, each dimension as a big-endian uint32,
 * then the values in C order. Read as distributed (gzip) or unpacked.
 */
import fs from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { DlgradeError } from '../common/errors.ts';

export class DataError extends DlgradeError {
  override name = 'DataError';
}

export interface IdxArray {
  shape: number[];
  data: Uint8Array;
}

export function readIdx(file: string): IdxArray {
  let bytes: Uint8Array = fs.readFileSync(file);
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) {
    try {
      bytes = gunzipSync(bytes);
    } catch (e) {
      throw new DataError(`${file}: a damaged gzip file (${(e as Error).message})`);
    }
  }
  return decodeIdx(bytes, file);
}

export function decodeIdx(bytes: Uint8Array, what = 'idx file'): IdxArray {
  if (bytes.length < 4 || bytes[0] !== 0 || bytes[1] !== 0) throw new DataError(`${what}: not an idx file (it must start with two zero bytes)`);
  // Only unsigned bytes: the type every MNIST-style image and label file uses.
  if (bytes[2] !== 0x08) throw new DataError(`${what}: idx type 0x${bytes[2].toString(16)} is not supported (only 0x08, unsigned bytes)`);
  const ndim = bytes[3];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const start = 4 + 4 * ndim;
  if (bytes.length < start) throw new DataError(`${what}: truncated inside its header`);
  const shape = Array.from({ length: ndim }, (_, i) => view.getUint32(4 + 4 * i, false));
  const n = shape.reduce((a, b) => a * b, 1);
  if (bytes.length - start < n) throw new DataError(`${what}: header says ${shape.join('x')} = ${n} bytes of data, the file has ${bytes.length - start}`);
  return { shape, data: bytes.subarray(start, start + n) };
}
