/** Unpacking a student's .zip: nothing outside the folder, no links, no bombs, every refusal named. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { ZipError, extractZip } from '../../harness/runner/zip.ts';

const text = (s: string) => new TextEncoder().encode(s);
const LINK = { os: 3, attrs: (0o120777 << 16) >>> 0 };

function unpack(bytes: Uint8Array, rootNames?: Set<string>) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dlgrade-zip-'));
  const zip = path.join(dir, 'hand-in.zip');
  fs.writeFileSync(zip, bytes);
  const dest = path.join(dir, 'deep', 'er', 'dest');
  fs.mkdirSync(path.dirname(dest), { recursive: true });
  const x = extractZip(zip, dest, rootNames);
  const files: string[] = [];
  const walk = (d: string, rel: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      if (e.isSymbolicLink()) files.push(`${rel}${e.name} -> link`);
      else if (e.isDirectory()) walk(path.join(d, e.name), `${rel}${e.name}/`);
      else files.push(`${rel}${e.name}`);
    }
  };
  walk(dest, '');
  return { ...x, files: files.sort(), dir, dest };
}

describe('extractZip', () => {
  it('unpacks files and folders, unicode names included', () => {
    const r = unpack(zipSync({ 'lib/mlp/layer_utils.py': text('x = 1'), 'answers.yaml': text('a: 1'), 'lib/données é.py': text('') }));
    expect(r.files).toEqual(['answers.yaml', 'lib/données é.py', 'lib/mlp/layer_utils.py']);
    expect(r.skipped).toEqual([]);
    expect(fs.readFileSync(path.join(r.dest, 'lib/mlp/layer_utils.py'), 'utf8')).toBe('x = 1');
  });

  it('refuses absolute paths, ".." (either slash) and links, naming each, and writes nothing outside', () => {
    const r = unpack(zipSync({
      'ok.py': text('ok'),
      '../escaped.py': text('no'),
      'a/../../escaped-too.py': text('no'),
      '..\\windows.py': text('no'),
      '/tmp/dlgrade-zip-absolute.py': text('no'),
      'C:/evil.py': text('no'),
      'lib/link': [text('/etc/passwd'), LINK],
      'lib/dirlink': [text('..'), LINK],
    }));
    expect(r.files).toEqual(['ok.py']);
    expect(r.skipped).toEqual([
      '../escaped.py (".." in its path leads outside the submission)',
      'a/../../escaped-too.py (".." in its path leads outside the submission)',
      '..\\\\windows.py (".." in its path leads outside the submission)',
      '/tmp/dlgrade-zip-absolute.py (an absolute path)',
      'C:/evil.py (an absolute path)',
      'lib/link (a symbolic link)',
      'lib/dirlink (a symbolic link)',
    ]);
    for (const d of [path.dirname(r.dest), path.dirname(path.dirname(r.dest)), r.dir]) {
      expect(fs.readdirSync(d).filter((f) => f.includes('escaped') || f.includes('windows'))).toEqual([]);
    }
    expect(fs.existsSync('/tmp/dlgrade-zip-absolute.py')).toBe(false);
  });

  it('unwraps a lone top folder, but not one that belongs at the top', () => {
    expect(unpack(zipSync({ 'My Homework/lib/a.py': text(''), 'My Homework/answers.yaml': text('') })).files).toEqual(['answers.yaml', 'lib/a.py']);
    expect(unpack(zipSync({ 'lib/a.py': text(''), 'lib/b.py': text('') }), new Set(['lib'])).files).toEqual(['lib/a.py', 'lib/b.py']);
  });

  it('ignores macOS litter', () => {
    expect(unpack(zipSync({ 'a.py': text(''), '__MACOSX/._a.py': text(''), '.DS_Store': text('') })).files).toEqual(['a.py']);
  });

  it('refuses an entry that inflates past the size it declares (a zip bomb), without inflating it', () => {
    const bytes = Buffer.from(zipSync({ 'bomb.bin': new Uint8Array(50 * 1024 * 1024), 'fine.py': text('ok') }));
    // Make the central directory claim 1000 bytes for the 50 MB entry.
    const cd = bytes.lastIndexOf(Buffer.from('bomb.bin')) - 46;
    expect(bytes.readUInt32LE(cd)).toBe(0x02014b50);
    bytes.writeUInt32LE(1000, cd + 24);
    const r = unpack(bytes);
    expect(r.files).toEqual(['fine.py']);
    expect(r.skipped).toEqual(['bomb.bin (does not unpack to the size it declares)']);
  });

  it('refuses an entry declaring more than it may hold, and a duplicate', () => {
    const big = Buffer.from(zipSync({ 'big.bin': new Uint8Array(10), 'x.py': text('1') }));
    const cd = big.lastIndexOf(Buffer.from('big.bin')) - 46;
    big.writeUInt32LE(200 * 1024 * 1024, cd + 24);
    expect(unpack(big).skipped).toEqual(['big.bin (larger than 128 MiB)']);
    const dup = Buffer.from(zipSync({ 'a.py': text('1'), 'b.py': text('2') }));
    // Rename b.py to a.py in both headers: two entries of one name.
    let i = -1;
    while ((i = dup.indexOf('b.py', i + 1)) >= 0) dup.write('a.py', i);
    const r = unpack(dup);
    expect(r.files).toEqual(['a.py']);
    expect(r.skipped).toEqual(['a.py (appears twice, or as both a file and a folder)']);
  });

  it('throws ZipError for what is not a zip', () => {
    expect(() => unpack(text('definitely not a zip file'))).toThrow(ZipError);
    expect(() => unpack(zipSync({ 'a.py': text('x') }).subarray(0, 40))).toThrow(/no end of central directory/);
  });

  it('reads stored and deflated entries alike', () => {
    const stored = zipSync({ 's.txt': [text('stored'), { level: 0 }], 'd.txt': [text('deflated '.repeat(100)), { level: 9 }] });
    const r = unpack(stored);
    expect(fs.readFileSync(path.join(r.dest, 's.txt'), 'utf8')).toBe('stored');
    expect(fs.readFileSync(path.join(r.dest, 'd.txt'), 'utf8')).toBe('deflated '.repeat(100));
  });
});
