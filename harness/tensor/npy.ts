/**
 * numpy's .npy format (https://numpy.org/doc/stable/reference/generated/numpy.lib.format.html),
 * read and written without numpy so that students' saved arrays and our reference arrays meet on
 * disk in the form `np.load` / `np.save` use.
 *
 * Reads format versions 1.0, 2.0 and 3.0, little- and big-endian. Dtypes map onto `Tensor`
 * dtypes like this (the narrower integer and float types widen to one that holds every value
 * exactly, so they come back with the wider dtype if written again):
 *
 *   f8 -> float64   f4, f2 -> float32
 *   i8, u8, u4 -> int64 (values beyond ±2^53 are refused rather than rounded)
 *   i4, i2, i1, u2 -> int32
 *   u1 -> uint8     b1 -> bool
 *
 * Writes little-endian version 1.0 (2.0 only when the header passes 64 KiB), C order.
 * Fortran-order, object, string, structured, complex and datetime arrays are refused.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { DTYPES, sizeOf, type DType, type Tensor } from './tensor.ts';
import { DlgradeError } from '../common/errors.ts';

/** Every problem reading or writing an array file; the message names the file. */
export class TensorFileError extends DlgradeError {
  override name = 'TensorFileError';
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY
// numpy pads the header so the data starts on a 64-byte boundary (lets it memory-map the data).
const ALIGN = 64;

const WRITE_DESCR: Record<DType, string> = {
  float64: '<f8', float32: '<f4', int64: '<i8', int32: '<i4', uint8: '|u1', bool: '|b1',
};

/** How one on-disk element type is read: its Tensor dtype and a reader from a DataView. */
interface ElementType {
  dtype: DType;
  /** numpy's name for the on-disk type, for messages. */
  name: string;
  size: number;
  read: (v: DataView, offset: number, little: boolean) => number;
}

const ELEMENT_TYPES: Record<string, ElementType> = {
  f8: { name: 'float64', dtype: 'float64', size: 8, read: (v, o, le) => v.getFloat64(o, le) },
  f4: { name: 'float32', dtype: 'float32', size: 4, read: (v, o, le) => v.getFloat32(o, le) },
  f2: { name: 'float16', dtype: 'float32', size: 2, read: (v, o, le) => halfToNumber(v.getUint16(o, le)) },
  i8: { name: 'int64', dtype: 'int64', size: 8, read: (v, o, le) => read64(v, o, le, true) },
  u8: { name: 'uint64', dtype: 'int64', size: 8, read: (v, o, le) => read64(v, o, le, false) },
  u4: { name: 'uint32', dtype: 'int64', size: 4, read: (v, o, le) => v.getUint32(o, le) },
  i4: { name: 'int32', dtype: 'int32', size: 4, read: (v, o, le) => v.getInt32(o, le) },
  i2: { name: 'int16', dtype: 'int32', size: 2, read: (v, o, le) => v.getInt16(o, le) },
  u2: { name: 'uint16', dtype: 'int32', size: 2, read: (v, o, le) => v.getUint16(o, le) },
  i1: { name: 'int8', dtype: 'int32', size: 1, read: (v, o) => v.getInt8(o) },
  u1: { name: 'uint8', dtype: 'uint8', size: 1, read: (v, o) => v.getUint8(o) },
  b1: { name: 'bool', dtype: 'bool', size: 1, read: (v, o) => (v.getUint8(o) !== 0 ? 1 : 0) },
};

// Both halves separately rather than getBigInt64: no BigInt per element, and an out-of-range
// value comes out as a non-safe integer, which decodeNpy turns into an error.
function read64(v: DataView, o: number, little: boolean, signed: boolean): number {
  const lo = v.getUint32(little ? o : o + 4, little);
  const hiAt = little ? o + 4 : o;
  const hi = signed ? v.getInt32(hiAt, little) : v.getUint32(hiAt, little);
  return hi * 2 ** 32 + lo;
}

function halfToNumber(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 31) return frac ? NaN : sign * Infinity;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

// ---------------------------------------------------------------------------------------------
// Reading

export function readNpy(path: string): Tensor {
  return decodeNpy(readFileSync(path), path);
}

export function decodeNpy(bytes: Uint8Array, what = 'array'): Tensor {
  const fail = (msg: string): never => { throw new TensorFileError(`${what}: ${msg}`); };
  if (bytes.length < 8 || MAGIC.some((b, i) => bytes[i] !== b)) {
    fail(`not a .npy file: expected it to start with \\x93NUMPY, found ${showBytes(bytes, 8)}${guessFormat(bytes)}`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const [major, minor] = [bytes[6], bytes[7]];
  if (![1, 2, 3].includes(major) || minor !== 0) {
    fail(`unsupported .npy format version ${major}.${minor} (known: 1.0, 2.0, 3.0)`);
  }
  const lenSize = major === 1 ? 2 : 4;
  if (bytes.length < 8 + lenSize) fail(`truncated: file ends inside the header length (${bytes.length} bytes)`);
  const headerLen = lenSize === 2 ? view.getUint16(8, true) : view.getUint32(8, true);
  const dataStart = 8 + lenSize + headerLen;
  if (bytes.length < dataStart) {
    fail(`truncated: header says it is ${headerLen} bytes, file ends after ${bytes.length - 8 - lenSize}`);
  }
  // Versions 1 and 2 are latin1, 3 is utf-8; only field names in structured dtypes (which are
  // refused anyway) can hold anything but ASCII.
  const header = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(bytes.subarray(8 + lenSize, dataStart));

  let dict: PyValue;
  try {
    dict = parsePyLiteral(header);
  } catch (e) {
    return fail(`cannot parse header ${JSON.stringify(header.trim())}: ${(e as Error).message}`);
  }
  if (dict === null || typeof dict !== 'object' || Array.isArray(dict)) return fail(`header is not a dict: ${header.trim()}`);
  for (const key of ['descr', 'fortran_order', 'shape']) {
    if (!Object.hasOwn(dict, key)) fail(`header has no '${key}': ${header.trim()}`);
  }
  const { descr, fortran_order: fortran, shape } = dict;

  const type = elementType(descr, fail);
  if (fortran !== false) {
    fail(fortran === true
      ? `Fortran-order arrays are not supported: save a C-order array instead (np.save writes Fortran order for transposed arrays such as x.T; use np.ascontiguousarray(x))`
      : `header 'fortran_order' should be True or False, got ${JSON.stringify(fortran)}`);
  }
  if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && (d as number) >= 0)) {
    return fail(`header 'shape' should be a tuple of non-negative integers, got ${JSON.stringify(shape)}`);
  }
  const dims = shape as number[];
  const n = sizeOf(dims);
  const need = n * type.size;
  const have = bytes.length - dataStart;
  if (have < need) {
    fail(`truncated: header says ${describeShape(dims)} ${type.name} = ${need} bytes of data, file has ${have}`);
  }
  // Trailing bytes after the data are ignored, as np.load does.

  const little = (descr as string)[0] !== '>';
  const data = new Float64Array(n);
  for (let i = 0, o = dataStart; i < n; i++, o += type.size) {
    const x = type.read(view, o, little);
    if (type.size === 8 && type.dtype === 'int64' && !Number.isSafeInteger(x)) {
      fail(`element ${i} of the ${descr} array is beyond ±2^53, which a Tensor cannot hold exactly`);
    }
    data[i] = x;
  }
  return { dtype: type.dtype, shape: dims, data };
}

function elementType(descr: PyValue, fail: (msg: string) => never): ElementType {
  if (Array.isArray(descr)) return fail(`structured dtypes are not supported: save each field as its own array`);
  if (typeof descr !== 'string') return fail(`header 'descr' should be a dtype string, got ${JSON.stringify(descr)}`);
  const m = /^([<>|=]?)([a-zA-Z])(\d*)/.exec(descr);
  const kind = m?.[2] ?? '';
  const known = ELEMENT_TYPES[`${kind}${m?.[3] ?? ''}`];
  if (m && m[0] === descr && known) return known;
  const why: Record<string, string> = {
    O: 'object arrays are not supported: save a numeric array (e.g. np.asarray(x, dtype=np.float64))',
    U: `string arrays (${descr}) are not supported: save a numeric array`,
    S: `bytes arrays (${descr}) are not supported: save a numeric array`,
    a: `bytes arrays (${descr}) are not supported: save a numeric array`,
    V: `structured/void dtypes (${descr}) are not supported: save each field as its own array`,
    c: `complex arrays (${descr}) are not supported: save the real and imaginary parts separately`,
    M: `datetime arrays (${descr}) are not supported: save a numeric array`,
    m: `timedelta arrays (${descr}) are not supported: save a numeric array`,
  };
  return fail(why[kind] ?? `unsupported dtype ${descr} (supported: f8 f4 f2 i8 i4 i2 i1 u8 u4 u2 u1 b1)`);
}

const describeShape = (shape: number[]): string =>
  shape.length === 0 ? 'a 0-d' : shape.join('x');

function showBytes(bytes: Uint8Array, n: number): string {
  if (bytes.length === 0) return 'an empty file';
  const shown = Array.from(bytes.subarray(0, n), (b) =>
    b >= 0x20 && b < 0x7f && b !== 0x5c ? String.fromCharCode(b) : `\\x${b.toString(16).padStart(2, '0')}`).join('');
  return `'${shown}'${bytes.length > n ? '...' : ''}`;
}

function guessFormat(bytes: Uint8Array): string {
  if (bytes[0] === 0x50 && bytes[1] === 0x4b) return ' (this looks like a zip archive, e.g. .npz: read it with readNpz)';
  if (bytes[0] === 0x80 && bytes[1] !== undefined && bytes[1] <= 5) return ' (this looks like a Python pickle, e.g. from pickle.dump or torch.save)';
  return '';
}

// ---------------------------------------------------------------------------------------------
// Writing

export function writeNpy(path: string, t: Tensor): void {
  writeFileSync(path, encodeNpy(t, path));
}

export function encodeNpy(t: Tensor, what = 'array'): Uint8Array {
  const fail = (msg: string): never => { throw new TensorFileError(`${what}: ${msg}`); };
  if (!DTYPES.includes(t.dtype)) fail(`cannot write dtype ${String(t.dtype)}`);
  if (!t.shape.every((d) => Number.isSafeInteger(d) && d >= 0)) fail(`bad shape [${t.shape}]`);
  const n = sizeOf(t.shape);
  if (t.data.length !== n) fail(`shape [${t.shape}] needs ${n} values, data has ${t.data.length}`);

  const head = npyHeader(t.dtype, t.shape);
  const dataStart = head.length;
  const size = ELEMENT_TYPES[WRITE_DESCR[t.dtype].slice(1)].size;
  const out = new Uint8Array(dataStart + n * size);
  out.set(head);
  const view = new DataView(out.buffer);

  const write = writer(t.dtype);
  for (let i = 0, o = dataStart; i < n; i++, o += size) {
    const x = t.data[i];
    if (!write(view, o, x)) fail(`element ${i} is ${x}, which is not a valid ${t.dtype} value`);
  }
  return out;
}

/** Magic, version, header length and header: everything of a .npy file before its data. */
function npyHeader(dtype: DType, shape: readonly number[]): Uint8Array {
  // The same text np.save writes, so files are byte-for-byte alike apart from padding.
  const shapeRepr = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  const dict = `{'descr': '${WRITE_DESCR[dtype]}', 'fortran_order': False, 'shape': ${shapeRepr}, }`;
  let lenSize = 2;
  let headerLen = padded(dict.length, lenSize);
  if (headerLen > 0xffff) headerLen = padded(dict.length, (lenSize = 4));
  const out = new Uint8Array(8 + lenSize + headerLen);
  out.set(MAGIC);
  out[6] = lenSize === 2 ? 1 : 2;
  const view = new DataView(out.buffer);
  if (lenSize === 2) view.setUint16(8, headerLen, true);
  else view.setUint32(8, headerLen, true);
  const header = dict.padEnd(headerLen - 1, ' ') + '\n';
  for (let i = 0; i < header.length; i++) out[8 + lenSize + i] = header.charCodeAt(i);
  return out;
}

/**
 * Writes a uint8 array straight from its bytes. Image data sets are written this way: going
 * through a Tensor would hold eight bytes per pixel (60000 images at 32x32x3 are 1.5 GB then).
 */
export function writeNpyBytes(path: string, shape: readonly number[], bytes: Uint8Array): void {
  const n = sizeOf(shape);
  if (!shape.every((d) => Number.isSafeInteger(d) && d >= 0) || bytes.length !== n) {
    throw new TensorFileError(`${path}: shape [${shape}] needs ${n} bytes, got ${bytes.length}`);
  }
  const head = npyHeader('uint8', shape);
  const out = new Uint8Array(head.length + n);
  out.set(head);
  out.set(bytes, head.length);
  writeFileSync(path, out);
}

/** Header length (including the trailing newline) that puts the data on an ALIGN boundary. */
const padded = (dictLen: number, lenSize: number): number =>
  Math.ceil((8 + lenSize + dictLen + 1) / ALIGN) * ALIGN - 8 - lenSize;

const inRange = (x: number, lo: number, hi: number) => Number.isInteger(x) && x >= lo && x <= hi;

// Integer dtypes refuse fractional or out-of-range values instead of truncating as astype
// would: such a value in an integer tensor is a bug upstream, better caught here.
function writer(dtype: DType): (v: DataView, o: number, x: number) => boolean {
  switch (dtype) {
    case 'float64': return (v, o, x) => (v.setFloat64(o, x, true), true);
    case 'float32': return (v, o, x) => (v.setFloat32(o, x, true), true);
    case 'int64': return (v, o, x) => {
      if (!Number.isSafeInteger(x)) return false;
      v.setBigInt64(o, BigInt(x), true);
      return true;
    };
    case 'int32': return (v, o, x) => inRange(x, -(2 ** 31), 2 ** 31 - 1) && (v.setInt32(o, x, true), true);
    case 'uint8': return (v, o, x) => inRange(x, 0, 255) && (v.setUint8(o, x), true);
    case 'bool': return (v, o, x) => (v.setUint8(o, x !== 0 ? 1 : 0), true); // nonzero (NaN too) is True, as in numpy
  }
}

// ---------------------------------------------------------------------------------------------
// The header is a Python dict literal; a small parser for the literal forms numpy (and older
// Python 2 numpy, with its `3L` longs) writes, so nothing is ever evaluated.

type PyValue = string | number | boolean | null | PyValue[] | { [key: string]: PyValue };

function parsePyLiteral(text: string): PyValue {
  let pos = 0;
  const err = (expected: string): never => {
    throw new Error(`expected ${expected} at position ${pos}, found ${JSON.stringify(text.slice(pos, pos + 10) || 'end')}`);
  };
  const skip = () => { while (pos < text.length && /\s/.test(text[pos])) pos++; };
  const eat = (c: string): boolean => { skip(); if (text[pos] === c) { pos++; return true; } return false; };

  // Comma-separated items up to `close`, trailing comma allowed.
  const items = (close: string, item: () => void) => {
    while (!eat(close)) {
      item();
      if (!eat(',')) { if (!eat(close)) err(`',' or '${close}'`); return; }
    }
  };

  const value = (): PyValue => {
    skip();
    const c = text[pos];
    if (c === '{') {
      pos++;
      // No prototype, so a key such as '__proto__' is just a key.
      const dict: Record<string, PyValue> = Object.create(null);
      items('}', () => {
        const key = value();
        if (typeof key !== 'string') err('a string key');
        if (!eat(':')) err("':'");
        dict[key as string] = value();
      });
      return dict;
    }
    if (c === '(' || c === '[') {
      pos++;
      const list: PyValue[] = [];
      items(c === '(' ? ')' : ']', () => list.push(value()));
      return list;
    }
    if (c === "'" || c === '"') return string(c);
    const num = /^[-+]?\d+[lL]?/.exec(text.slice(pos));
    if (num) {
      pos += num[0].length;
      return Number(num[0].replace(/[lL]$/, ''));
    }
    for (const [word, v] of [['True', true], ['False', false], ['None', null]] as const) {
      if (text.startsWith(word, pos)) { pos += word.length; return v; }
    }
    return err('a value');
  };

  const string = (quote: string): string => {
    let out = '';
    for (pos++; pos < text.length && text[pos] !== quote; pos++) {
      if (text[pos] === '\\') {
        pos++;
        out += ({ n: '\n', t: '\t', r: '\r', '0': '\0' } as Record<string, string>)[text[pos]] ?? text[pos];
      } else out += text[pos];
    }
    if (!eat(quote)) err(`closing ${quote}`);
    return out;
  };

  const v = value();
  skip();
  if (pos !== text.length) err('end of header');
  return v;
}
