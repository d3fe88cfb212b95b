/**
 * Submissions handed in as .zip files, unpacked the way a careful grader would: nothing lands
 * outside the destination (absolute names and ".." are refused), links are not created, sizes are
 * bounded before anything is inflated, and every entry left out is named with why, so the
 * student's result can say it. The central directory is read here (it is where a zip says which
 * entries are links); inflating is node:zlib's, capped at each entry's declared size.
 */
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';

export class ZipError extends Error {
  override name = 'ZipError';
}

export interface Extracted {
  /** Entries not unpacked, as "name (why)". */
  skipped: string[];
  /** The archive's single top folder, when it had one and it was unwrapped. */
  unwrapped?: string;
}

const MAX_ARCHIVE = 512 * 1024 * 1024;
const MAX_ENTRIES = 20_000;
const MAX_TOTAL = 256 * 1024 * 1024;
const MAX_ENTRY = 128 * 1024 * 1024;

interface Entry {
  name: string;
  parts: string[];
  dir: boolean;
  method: number;
  flags: number;
  compressed: number;
  size: number;
  dataAt: number;
  /** The entry's modification time (ms since the epoch), see entryTime. */
  modified: number;
}

/**
 * Unpacks `zipFile` into `dest` (created; must not exist). `rootNames` are names that belong at
 * a submission's top level (the starter's: lib, answers.yaml): a lone top folder with one of
 * those names is kept, any other lone top folder is unwrapped. Throws ZipError for an archive
 * that cannot be read at all.
 */
export function extractZip(zipFile: string, dest: string, rootNames: Set<string> = new Set()): Extracted {
  const size = fs.statSync(zipFile).size;
  if (size > MAX_ARCHIVE) throw new ZipError(`the archive is larger than ${MAX_ARCHIVE >> 20} MiB`);
  const buf = fs.readFileSync(zipFile);
  const skipped: string[] = [];
  const entries = readCentralDirectory(buf, skipped);

  // A zip of one folder ("alice/lib/...") is the usual way to hand a folder in: unwrap it.
  const tops = new Set(entries.map((e) => e.parts[0]));
  let unwrapped: string | undefined;
  if (tops.size === 1 && !rootNames.has([...tops][0]) && entries.every((e) => e.parts.length > 1 || e.dir)) {
    unwrapped = [...tops][0];
    for (const e of entries) e.parts = e.parts.slice(1);
  }

  fs.mkdirSync(dest, { recursive: false });
  let total = 0;
  for (const e of entries) {
    if (!e.parts.length) continue;
    const target = path.join(dest, ...e.parts);
    try {
      if (e.dir) {
        fs.mkdirSync(target, { recursive: true });
        continue;
      }
      if (e.flags & 1) throw new Skip('encrypted');
      if (e.method !== 0 && e.method !== 8) throw new Skip(`compressed with method ${e.method}, which dlgrade does not read`);
      if (e.size > MAX_ENTRY) throw new Skip(`larger than ${MAX_ENTRY >> 20} MiB`);
      if (total + e.size > MAX_TOTAL) throw new Skip(`the archive unpacks to more than ${MAX_TOTAL >> 20} MiB`);
      const raw = buf.subarray(e.dataAt, e.dataAt + e.compressed);
      if (raw.length !== e.compressed) throw new Skip('its data runs past the end of the archive');
      let data: Buffer;
      if (e.method === 0) data = raw;
      else {
        try {
          data = e.size === 0 ? Buffer.alloc(0) : zlib.inflateRawSync(raw, { maxOutputLength: e.size });
        } catch {
          throw new Skip('does not unpack to the size it declares');
        }
      }
      if (data.length !== e.size) throw new Skip('does not unpack to the size it declares');
      total += e.size;
      fs.mkdirSync(path.dirname(target), { recursive: true });
      fs.writeFileSync(target, data, { flag: 'wx', mode: 0o644 });
    } catch (err) {
      const why = err instanceof Skip ? err.message
        : (err as NodeJS.ErrnoException).code === 'EEXIST' ? 'appears twice, or as both a file and a folder'
        : `cannot be written here (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`;
      skipped.push(`${e.name} (${why})`);
    }
  }
  return { skipped, ...(unwrapped !== undefined ? { unwrapped } : {}) };
}

class Skip extends Error {}

/**
 * An entry's modification time: the extended-timestamp field (0x5455, seconds since the epoch in
 * UTC, written by Info-ZIP and most zip tools on Unix) where there is one, else the DOS date and
 * time every entry has, which carry no time zone: read as UTC, to the even second they store.
 */
function entryTime(dosTime: number, dosDate: number, extra: Buffer): number {
  for (let i = 0; i + 4 <= extra.length;) {
    const id = extra.readUInt16LE(i), len = extra.readUInt16LE(i + 2);
    if (id === 0x5455 && len >= 5 && i + 9 <= extra.length && extra[i + 4] & 1) return extra.readUInt32LE(i + 5) * 1000;
    i += 4 + len;
  }
  const year = 1980 + (dosDate >> 9), month = ((dosDate >> 5) & 15) - 1, day = dosDate & 31;
  return Date.UTC(year, month, day, dosTime >> 11, (dosTime >> 5) & 63, (dosTime & 31) * 2);
}

/**
 * When a zipped hand-in was last changed: its newest file entry's time (folders and the entries
 * extractZip leaves out do not count). Undefined for an archive with no file in it; throws
 * ZipError for one that cannot be read.
 */
export function newestEntryTime(zipFile: string): Date | undefined {
  const times = readCentralDirectory(fs.readFileSync(zipFile), []).filter((e) => !e.dir).map((e) => e.modified);
  return times.length ? new Date(Math.max(...times)) : undefined;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });
const latin1 = new TextDecoder('latin1');

function readCentralDirectory(buf: Buffer, skipped: string[]): Entry[] {
  // The end-of-central-directory record sits in the last 22 bytes plus a comment of up to 64 KiB.
  let eocd = -1;
  for (let i = buf.length - 22; i >= Math.max(0, buf.length - 22 - 0xffff); i--) {
    if (buf.readUInt32LE(i) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw new ZipError('not a zip archive (no end of central directory)');
  const count = buf.readUInt16LE(eocd + 10);
  const cdOffset = buf.readUInt32LE(eocd + 16);
  if (count === 0xffff || cdOffset === 0xffffffff) throw new ZipError('zip64 archives are not supported');
  if (count > MAX_ENTRIES) throw new ZipError(`the archive has ${count} entries (at most ${MAX_ENTRIES})`);

  const entries: Entry[] = [];
  let at = cdOffset;
  for (let n = 0; n < count; n++) {
    if (at + 46 > buf.length || buf.readUInt32LE(at) !== 0x02014b50) throw new ZipError('its central directory is damaged');
    const madeBy = buf.readUInt16LE(at + 4);
    const flags = buf.readUInt16LE(at + 8);
    const method = buf.readUInt16LE(at + 10);
    const compressed = buf.readUInt32LE(at + 20);
    const size = buf.readUInt32LE(at + 24);
    const nameLen = buf.readUInt16LE(at + 28);
    const extraLen = buf.readUInt16LE(at + 30);
    const commentLen = buf.readUInt16LE(at + 32);
    const external = buf.readUInt32LE(at + 38);
    const local = buf.readUInt32LE(at + 42);
    const nameBytes = buf.subarray(at + 46, at + 46 + nameLen);
    const modified = entryTime(buf.readUInt16LE(at + 12), buf.readUInt16LE(at + 14), buf.subarray(at + 46 + nameLen, at + 46 + nameLen + extraLen));
    at += 46 + nameLen + extraLen + commentLen;

    let name: string;
    try {
      name = flags & 0x800 ? utf8.decode(nameBytes) : (() => { try { return utf8.decode(nameBytes); } catch { return latin1.decode(nameBytes); } })();
    } catch {
      name = latin1.decode(nameBytes);
    }
    const shown = JSON.stringify(name).slice(1, -1);
    const slashed = name.replace(/\\/g, '/');
    const parts = slashed.split('/').filter((p) => p !== '' && p !== '.');
    const type = (external >>> 16) & 0o170000;
    const unix = madeBy >> 8 === 3;
    if (parts[0] === '__MACOSX' || parts[parts.length - 1] === '.DS_Store') continue;
    if (slashed.startsWith('/') || /^[A-Za-z]:/.test(slashed)) skipped.push(`${shown} (an absolute path)`);
    else if (parts.includes('..')) skipped.push(`${shown} (".." in its path leads outside the submission)`);
    else if (name.includes('\0')) skipped.push(`${shown} (a NUL character in its name)`);
    else if (unix && type === 0o120000) skipped.push(`${shown} (a symbolic link)`);
    else if (unix && type !== 0 && type !== 0o100000 && type !== 0o040000) skipped.push(`${shown} (not a regular file)`);
    else if (parts.length) {
      if (local + 30 > buf.length || buf.readUInt32LE(local) !== 0x04034b50) {
        skipped.push(`${shown} (its data is missing from the archive)`);
        continue;
      }
      const dataAt = local + 30 + buf.readUInt16LE(local + 26) + buf.readUInt16LE(local + 28);
      const dir = slashed.endsWith('/') || (unix && type === 0o040000);
      entries.push({ name: shown, parts, dir, method, flags, compressed, size, dataAt, modified });
    }
  }
  return entries;
}
