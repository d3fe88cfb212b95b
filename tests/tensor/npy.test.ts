import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { zipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeNpy, encodeNpy, readNpy, TensorFileError, writeNpy } from '../../harness/tensor/npy.ts';
import { decodeNpz, encodeNpz, readNpz, writeNpz } from '../../harness/tensor/npz.ts';
import { DTYPES, sizeOf, tensor, type DType, type Tensor } from '../../harness/tensor/tensor.ts';

/** Index of the first value that differs (Object.is, so NaN matches NaN and -0 differs from 0), or -1. */
function firstDifference(got: ArrayLike<number>, want: ArrayLike<number>): number {
  if (got.length !== want.length) return Math.min(got.length, want.length);
  for (let i = 0; i < got.length; i++) if (!Object.is(got[i], want[i])) return i;
  return -1;
}

function expectTensor(t: Tensor, dtype: DType, shape: number[], values: number[]) {
  expect(t.dtype).toBe(dtype);
  expect(t.shape).toEqual(shape);
  const i = firstDifference(t.data, values);
  expect(i, `value ${i}: got ${t.data[i]}, want ${values[i]}`).toBe(-1);
}

/** Values that exercise each dtype: non-exact fractions, extremes, NaN/inf/-0 for floats. */
function sampleValues(dtype: DType, n: number): number[] {
  const special: Record<DType, number[]> = {
    float64: [NaN, Infinity, -0, 1e300, 5e-324],
    float32: [NaN, -Infinity, -0, 0.1, 3.4e38],
    int64: [Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER, -1],
    int32: [2 ** 31 - 1, -(2 ** 31), -1],
    uint8: [255, 0, 128],
    bool: [1, 0, 1],
  };
  const plain = (i: number): number => {
    switch (dtype) {
      case 'float64': case 'float32': return (i - 7) / 3;
      case 'int64': return (i - 30) * 1e12;
      case 'int32': return (i - 30) * 1e7;
      case 'uint8': return (i * 37) % 256;
      case 'bool': return i % 3 === 0 ? 1 : 0;
    }
  };
  return Array.from({ length: n }, (_, i) => special[dtype][i] ?? plain(i));
}

describe('npy round trip in TypeScript', () => {
  for (const dtype of DTYPES) {
    for (const shape of [[], [0], [2, 0, 3], [3, 4, 5], [7]]) {
      it(`${dtype} [${shape}]`, () => {
        const values = sampleValues(dtype, sizeOf(shape));
        const bytes = encodeNpy(tensor(shape, values, dtype));
        const want = dtype === 'float32' ? values.map(Math.fround) : values;
        expectTensor(decodeNpy(bytes), dtype, shape, want);
      });
    }
  }

  it('writes the header np.save writes, with the data 64-byte aligned', () => {
    const bytes = encodeNpy(tensor([3, 4], new Array(12).fill(0)));
    expect(bytes[6]).toBe(1);
    const headerLen = bytes[8] + 256 * bytes[9];
    expect((10 + headerLen) % 64).toBe(0);
    const header = new TextDecoder().decode(bytes.subarray(10, 10 + headerLen));
    expect(header).toMatch(/^\{'descr': '<f8', 'fortran_order': False, 'shape': \(3, 4\), \} *\n$/);
    expect(new TextDecoder().decode(encodeNpy(tensor([5], [0, 0, 0, 0, 0], 'uint8')).subarray(10, 70)))
      .toMatch(/^\{'descr': '\|u1', 'fortran_order': False, 'shape': \(5,\), \}/);
  });

  it('switches to format 2.0 when the header outgrows 64 KiB', () => {
    const shape = new Array(30_000).fill(1);
    const bytes = encodeNpy(tensor(shape, [2.5]));
    expect(bytes[6]).toBe(2);
    expectTensor(decodeNpy(bytes), 'float64', shape, [2.5]);
  });

  it('reads headers in the other forms Python writes', () => {
    const build = (header: string, version = 1, data = [1, 0, 0, 0, 2, 0, 0, 0]) => {
      const text = new TextEncoder().encode(header + '\n');
      const lenSize = version === 1 ? 2 : 4;
      const out = new Uint8Array(8 + lenSize + text.length + data.length);
      out.set([0x93, ...new TextEncoder().encode('NUMPY'), version, 0]);
      new DataView(out.buffer).setUint32(8, text.length, true);
      out.set(text, 8 + lenSize);
      out.set(data, 8 + lenSize + text.length);
      return out;
    };
    // Double quotes, odd spacing, key order, Python 2 longs, no trailing comma.
    expectTensor(decodeNpy(build(`{"shape":(2L,),"fortran_order" : False,'descr':"<i4"}`)), 'int32', [2], [1, 2]);
    expectTensor(decodeNpy(build(`{'descr': '<i4', 'fortran_order': False, 'shape': (2,), }`, 3)), 'int32', [2], [1, 2]);
    expect(() => decodeNpy(build(`{'descr': '<i4', 'fortran_order': False, 'shape': (2,), }`, 4), 'v.npy'))
      .toThrow(/v\.npy: unsupported \.npy format version 4\.0/);
    expect(() => decodeNpy(build(`{'descr': '<i4', 'shape': (2,), }`), 'k.npy')).toThrow(/k\.npy: header has no 'fortran_order'/);
    expect(() => decodeNpy(build(`{'descr': '<i4', 'fortran_order': False, 'shape': __import__('os'), }`), 'e.npy'))
      .toThrow(/e\.npy: cannot parse header/);
  });

  it('refuses truncated data, naming what the header promised', () => {
    const bytes = encodeNpy(tensor([4, 3], new Array(12).fill(1)));
    const cut = bytes.subarray(0, bytes.length - 96 + 40);
    expect(() => decodeNpy(cut, 'x.npy'))
      .toThrow(/^x\.npy: truncated: header says 4x3 float64 = 96 bytes of data, file has 40$/);
    expect(() => decodeNpy(cut, 'x.npy')).toThrow(TensorFileError);
    expect(() => decodeNpy(bytes.subarray(0, 30), 'x.npy')).toThrow(/x\.npy: truncated: header says it is 118 bytes, file ends after 20/);
    const scalar = encodeNpy(tensor([], [1], 'int32'));
    expect(() => decodeNpy(scalar.subarray(0, scalar.length - 1), 's.npy'))
      .toThrow(/s\.npy: truncated: header says a 0-d int32 = 4 bytes of data, file has 3/);
  });

  it('refuses files that are not .npy', () => {
    const text = new TextEncoder().encode('hello, world');
    expect(() => decodeNpy(text, 'x.npy')).toThrow(/^x\.npy: not a \.npy file: expected it to start with \\x93NUMPY, found 'hello, w'\.\.\.$/);
    expect(() => decodeNpy(new Uint8Array(0), 'x.npy')).toThrow(/x\.npy: not a \.npy file: .*found an empty file/);
    const zip = zipSync({ 'a.npy': encodeNpy(tensor([1], [1])) });
    expect(() => decodeNpy(zip, 'x.npy')).toThrow(/looks like a zip archive.*readNpz/);
  });

  it('refuses values the integer dtypes cannot hold instead of truncating them', () => {
    expect(() => encodeNpy(tensor([2], [1, 2.5], 'int32'), 'y.npy')).toThrow(/y\.npy: element 1 is 2\.5, which is not a valid int32 value/);
    expect(() => encodeNpy(tensor([1], [256], 'uint8'))).toThrow(/not a valid uint8/);
    expect(() => encodeNpy(tensor([1], [2 ** 53], 'int64'))).toThrow(/not a valid int64/);
    expect(() => encodeNpy(tensor([1], [NaN], 'int32'))).toThrow(/NaN, which is not a valid int32/);
    expect(() => encodeNpy({ dtype: 'float64', shape: [2, 2], data: new Float64Array(3) })).toThrow(/needs 4 values, data has 3/);
  });
});

describe('npz round trip in TypeScript', () => {
  it('keeps every key, stored or compressed', () => {
    const arrays = {
      w: tensor([2, 3], [1, 2, 3, 4, 5, 6 / 7]),
      mask: tensor([3], [1, 0, 1], 'bool'),
      s: tensor([], [0.1], 'float32'),
      empty: tensor([0, 4], [], 'int64'),
    };
    for (const compress of [false, true]) {
      const back = decodeNpz(encodeNpz(arrays, { compress }));
      expect(Object.keys(back).sort()).toEqual(['empty', 'mask', 's', 'w']);
      expectTensor(back.w, 'float64', [2, 3], [1, 2, 3, 4, 5, 6 / 7]);
      expectTensor(back.mask, 'bool', [3], [1, 0, 1]);
      expectTensor(back.s, 'float32', [], [Math.fround(0.1)]);
      expectTensor(back.empty, 'int64', [0, 4], []);
    }
    expect(encodeNpz(arrays)).toEqual(encodeNpz(arrays)); // byte-for-byte repeatable
  });

  it('refuses what is not a zip, naming bad members', () => {
    expect(() => decodeNpz(encodeNpy(tensor([1], [1])), 'a.npz')).toThrow(/a\.npz: not a readable \.npz \(zip\) archive.*readNpy/);
    const bad = zipSync({ 'ok.npy': encodeNpy(tensor([1], [1])), 'bad.npy': new TextEncoder().encode('nope') });
    expect(() => decodeNpz(bad, 'a.npz')).toThrow(/^a\.npz:bad\.npy: not a \.npy file/);
  });
});

// ---------------------------------------------------------------------------------------------
// Interop with real numpy, both directions.

const hasNumpy = (() => {
  try {
    execFileSync('python3', ['-c', 'import numpy'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();
if (!hasNumpy) console.warn('npy.test.ts: python3 with numpy not found, skipping the numpy interop tests');

describe.runIf(hasNumpy)('interop with numpy', () => {
  let dir = '';
  // -W error: a header numpy only warns about counts as a failure.
  const py = (code: string): string => execFileSync('python3', ['-W', 'error', '-c', code], { cwd: dir, encoding: 'utf8' });
  const at = (name: string) => join(dir, name);

  // Compares what np.load gives with what the snippet builds itself; prints {name: "ok" | why}.
  const PY_COMPARE = `
import json, zipfile, numpy as np
nan, inf = np.nan, np.inf
def same(a, b):
    a, b = np.asarray(a), np.asarray(b)
    if a.dtype != b.dtype: return f'dtype {a.dtype} != {b.dtype}'
    if a.shape != b.shape: return f'shape {a.shape} != {b.shape}'
    if not np.array_equal(a, b, equal_nan=a.dtype.kind == 'f'): return f'values {a!r} != {b!r}'
    if a.dtype.kind == 'f' and not np.array_equal(np.signbit(a), np.signbit(b)): return 'sign of zero differs'
    return 'ok'
`;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'dlgrade-npy-'));
  });
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('reads what np.save writes, every dtype and byte order', () => {
    py(`
import numpy as np
cases = {
    'f8': np.array([[1.5, -2.25, 1e300], [np.nan, np.inf, -0.0]]),
    'f8_be': np.array([1.0, -0.1, 5e-324], dtype='>f8'),
    'f4': np.array([0.1, -1/3, 3.4e38, np.nan, -np.inf], dtype=np.float32),
    'f4_be': np.array([0.1, 2.5], dtype='>f4'),
    'i8': np.array([-(2**53) + 1, -1, 0, 2**53 - 1], dtype=np.int64),
    'i8_be': np.array([-5, 2**40], dtype='>i8'),
    'i4': np.array([-2**31, 2**31 - 1, 0], dtype=np.int32),
    'i4_be': np.array([[-7, 8]], dtype='>i4'),
    'u1': np.arange(0, 256, 51, dtype=np.uint8),
    'b1': np.array([[True, False], [False, True]]),
    'scalar_f8': np.float64(3.25),
    'scalar_i8': np.array(-7, dtype=np.int64),
    'scalar_b1': np.True_,
    'empty_2_0_3': np.zeros((2, 0, 3)),
    'empty_i4': np.zeros((0,), dtype=np.int32),
    'cube': np.arange(60).reshape(3, 4, 5) * 0.5,
    'strided': np.arange(12.0).reshape(3, 4)[:, ::2],
    'i2': np.array([-32768, 32767], dtype='>i2'),
    'i1': np.array([-128, 127], dtype=np.int8),
    'u2': np.array([65535], dtype=np.uint16),
    'u4': np.array([4294967295], dtype='>u4'),
    'u8': np.array([2**53 - 1], dtype=np.uint64),
    'f2': np.array([0.1, 65504, -np.inf], dtype=np.float16),
}
for name, a in cases.items():
    np.save(name + '.npy', a)
for v in [(2, 0), (3, 0)]:
    with open(f'v{v[0]}.npy', 'wb') as f:
        np.lib.format.write_array(f, np.array([[1.0, 2.0]]), version=v)
`);
    const f = Math.fround;
    const cases: [string, DType, number[], number[]][] = [
      ['f8', 'float64', [2, 3], [1.5, -2.25, 1e300, NaN, Infinity, -0]],
      ['f8_be', 'float64', [3], [1, -0.1, 5e-324]],
      ['f4', 'float32', [5], [f(0.1), f(-1 / 3), f(3.4e38), NaN, -Infinity]],
      ['f4_be', 'float32', [2], [f(0.1), 2.5]],
      ['i8', 'int64', [4], [-(2 ** 53) + 1, -1, 0, 2 ** 53 - 1]],
      ['i8_be', 'int64', [2], [-5, 2 ** 40]],
      ['i4', 'int32', [3], [-(2 ** 31), 2 ** 31 - 1, 0]],
      ['i4_be', 'int32', [1, 2], [-7, 8]],
      ['u1', 'uint8', [6], [0, 51, 102, 153, 204, 255]],
      ['b1', 'bool', [2, 2], [1, 0, 0, 1]],
      ['scalar_f8', 'float64', [], [3.25]],
      ['scalar_i8', 'int64', [], [-7]],
      ['scalar_b1', 'bool', [], [1]],
      ['empty_2_0_3', 'float64', [2, 0, 3], []],
      ['empty_i4', 'int32', [0], []],
      ['cube', 'float64', [3, 4, 5], Array.from({ length: 60 }, (_, i) => i * 0.5)],
      ['strided', 'float64', [3, 2], [0, 2, 4, 6, 8, 10]],
      ['i2', 'int32', [2], [-32768, 32767]],
      ['i1', 'int32', [2], [-128, 127]],
      ['u2', 'int32', [1], [65535]],
      ['u4', 'int64', [1], [4294967295]],
      ['u8', 'int64', [1], [2 ** 53 - 1]],
      // float16(0.1) is 1638 / 2^14.
      ['f2', 'float32', [3], [1638 / 2 ** 14, 65504, -Infinity]],
      ['v2', 'float64', [1, 2], [1, 2]],
      ['v3', 'float64', [1, 2], [1, 2]],
    ];
    for (const [name, dtype, shape, values] of cases) {
      const t = readNpy(at(`${name}.npy`));
      expect(t.dtype, name).toBe(dtype);
      expect(t.shape, name).toEqual(shape);
      const i = firstDifference(t.data, values);
      expect(i, `${name}[${i}]: got ${t.data[i]}, want ${values[i]}`).toBe(-1);
    }
  });

  it('writes what np.load reads back exactly', () => {
    const arrays: Record<string, Tensor> = {
      f8: tensor([2, 3], [1.5, -2.25, 1e300, NaN, Infinity, -0]),
      f4: tensor([4], [0.1, -1 / 3, NaN, -Infinity], 'float32'),
      i8: tensor([4], [-(2 ** 53) + 1, -1, 0, 2 ** 53 - 1], 'int64'),
      i4: tensor([2, 2], [-(2 ** 31), 2 ** 31 - 1, 0, 5], 'int32'),
      u1: tensor([6], [0, 51, 102, 153, 204, 255], 'uint8'),
      b1: tensor([2, 2], [1, 0, 0, 1], 'bool'),
      scalar_f8: tensor([], [3.25]),
      scalar_b1: tensor([], [0], 'bool'),
      empty_2_0_3: tensor([2, 0, 3], []),
      empty_i4: tensor([0], [], 'int32'),
      cube: tensor([3, 4, 5], Array.from({ length: 60 }, (_, i) => i * 0.5)),
    };
    for (const [name, t] of Object.entries(arrays)) writeNpy(at(`ts_${name}.npy`), t);
    const verdict = JSON.parse(py(`${PY_COMPARE}
want = {
    'f8': np.array([[1.5, -2.25, 1e300], [nan, inf, -0.0]]),
    'f4': np.array([0.1, -1/3, nan, -inf], dtype=np.float32),
    'i8': np.array([-(2**53) + 1, -1, 0, 2**53 - 1], dtype=np.int64),
    'i4': np.array([[-2**31, 2**31 - 1], [0, 5]], dtype=np.int32),
    'u1': np.arange(0, 256, 51, dtype=np.uint8),
    'b1': np.array([[True, False], [False, True]]),
    'scalar_f8': np.array(3.25),
    'scalar_b1': np.array(False),
    'empty_2_0_3': np.zeros((2, 0, 3)),
    'empty_i4': np.zeros((0,), dtype=np.int32),
    'cube': np.arange(60).reshape(3, 4, 5) * 0.5,
}
print(json.dumps({k: same(np.load(f'ts_{k}.npy'), v) for k, v in want.items()}))
`));
    expect(verdict).toEqual(Object.fromEntries(Object.keys(arrays).map((k) => [k, 'ok'])));
  });

  it('reads np.savez and np.savez_compressed archives', () => {
    py(`
import numpy as np
arrays = dict(w=np.arange(6.0).reshape(2, 3) / 7, labels=np.array([3, 1, 2]), s=np.float32(0.1), m=np.array([True, False]))
np.savez('plain.npz', **arrays)
np.savez_compressed('packed.npz', **arrays)
np.savez('positional.npz', np.array([1.0]), np.array([2, 3], dtype=np.uint8))
`);
    for (const file of ['plain.npz', 'packed.npz']) {
      const got = readNpz(at(file));
      expect(Object.keys(got).sort(), file).toEqual(['labels', 'm', 's', 'w']);
      expectTensor(got.w, 'float64', [2, 3], [0, 1, 2, 3, 4, 5].map((x) => x / 7));
      expectTensor(got.labels, 'int64', [3], [3, 1, 2]);
      expectTensor(got.s, 'float32', [], [Math.fround(0.1)]);
      expectTensor(got.m, 'bool', [2], [1, 0]);
    }
    const positional = readNpz(at('positional.npz'));
    expectTensor(positional.arr_0, 'float64', [1], [1]);
    expectTensor(positional.arr_1, 'uint8', [2], [2, 3]);
  });

  it('writes archives np.load reads, stored or deflated as asked', () => {
    const arrays = {
      w: tensor([2, 3], [0, 1, 2, 3, 4, 5].map((x) => x / 7)),
      labels: tensor([3], [3, 1, 2], 'int64'),
      s: tensor([], [0.1], 'float32'),
      empty: tensor([0, 2], [], 'uint8'),
    };
    writeNpz(at('ts_plain.npz'), arrays);
    writeNpz(at('ts_packed.npz'), arrays, { compress: true });
    const verdict = JSON.parse(py(`${PY_COMPARE}
want = dict(w=np.arange(6.0).reshape(2, 3) / 7, labels=np.array([3, 1, 2], dtype=np.int64),
            s=np.array(np.float32(0.1)), empty=np.zeros((0, 2), dtype=np.uint8))
out = {}
for file, method in [('ts_plain.npz', zipfile.ZIP_STORED), ('ts_packed.npz', zipfile.ZIP_DEFLATED)]:
    with np.load(file) as z:
        out[file] = 'ok' if sorted(z.files) == sorted(want) else f'keys {z.files}'
        for k, v in want.items():
            if k in z.files: out[f'{file}:{k}'] = same(z[k], v)
    methods = {i.compress_type for i in zipfile.ZipFile(file).infolist()}
    out[f'{file} method'] = 'ok' if methods == {method} else f'methods {methods}'
print(json.dumps(out))
`));
    const bad = Object.entries(verdict).filter(([, v]) => v !== 'ok');
    expect(bad).toEqual([]);
    expect(Object.keys(verdict)).toHaveLength(12);
  });

  it('refuses what a Tensor cannot hold, saying what to do', () => {
    py(`
import numpy as np
np.save('fortran.npy', np.asfortranarray(np.arange(6.0).reshape(2, 3)))
np.save('transposed.npy', np.arange(6.0).reshape(2, 3).T)
np.save('object.npy', np.array([1, 'a'], dtype=object), allow_pickle=True)
np.save('structured.npy', np.zeros(2, dtype=[('a', '<f8'), ('b', '<i4')]))
np.save('unicode.npy', np.array(['ab', 'c']))
np.save('bytes.npy', np.array([b'ab']))
np.save('complex.npy', np.array([1 + 2j]))
np.save('huge.npy', np.array([2**60]))
np.save('ok.npy', np.zeros((4, 3)))
np.savez('mixed.npz', good=np.zeros(2), bad=np.array([1, 'a'], dtype=object), allow_pickle=True)
`);
    const refusals: [string, RegExp][] = [
      ['fortran.npy', /fortran\.npy: Fortran-order arrays are not supported.*np\.ascontiguousarray/],
      ['transposed.npy', /transposed\.npy: Fortran-order arrays are not supported/],
      ['object.npy', /object\.npy: object arrays are not supported: save a numeric array/],
      ['structured.npy', /structured\.npy: structured dtypes are not supported/],
      ['unicode.npy', /unicode\.npy: string arrays \(<U2\) are not supported: save a numeric array/],
      ['bytes.npy', /bytes\.npy: bytes arrays \(\|S2\) are not supported/],
      ['complex.npy', /complex\.npy: complex arrays \(<c16\) are not supported/],
      ['huge.npy', /huge\.npy: element 0 of the <i8 array is beyond ±2\^53/],
    ];
    for (const [file, message] of refusals) {
      expect(() => readNpy(at(file)), file).toThrow(message);
      expect(() => readNpy(at(file)), file).toThrow(TensorFileError);
    }
    expect(() => readNpz(at('mixed.npz'))).toThrow(/mixed\.npz:bad\.npy: object arrays are not supported/);

    const ok = readFileSync(at('ok.npy'));
    writeFileSync(at('cut.npy'), ok.subarray(0, ok.length - 56));
    expect(() => readNpy(at('cut.npy'))).toThrow(/cut\.npy: truncated: header says 4x3 float64 = 96 bytes of data, file has 40/);
    writeFileSync(at('magic.npy'), Buffer.concat([Buffer.from('\x93NUMPZ', 'latin1'), ok.subarray(6)]));
    expect(() => readNpy(at('magic.npy'))).toThrow(/magic\.npy: not a \.npy file: expected it to start with \\x93NUMPY, found '\\x93NUMPZ/);
  });
});
