/**
 * The result cache on disk: one JSON file per key, under `<root>/results/v1/<2 hex>/<key>.json`.
 * A cache is an optimisation, so nothing here may fail a run: an entry that cannot be read or
 * parsed, or that is not what its name says, is a miss (and is removed); a cache that cannot be
 * written warns once and goes on without storing. Entries are written aside and renamed into
 * place, so a reader sees a whole entry or none, whichever grader process wrote it.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';

/** Bumped when the layout or the meaning of an entry changes: older entries are then ignored. */
const LAYOUT = 'v1';
/** The kinds of entry dlgrade keeps; `clear` removes these folders and nothing else it finds. */
export const KINDS = ['results', 'python', 'packs', 'tools'] as const;
export type Kind = (typeof KINDS)[number];

/** `--cache DIR`, else $DLGRADE_CACHE, else $XDG_CACHE_HOME/dlgrade, else ~/.cache/dlgrade. */
export function defaultCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.DLGRADE_CACHE) return path.resolve(env.DLGRADE_CACHE);
  const base = env.XDG_CACHE_HOME && path.isAbsolute(env.XDG_CACHE_HOME) ? env.XDG_CACHE_HOME : path.join(os.homedir(), '.cache');
  return path.join(base, 'dlgrade');
}

export interface StoreStats {
  hits: number;
  misses: number;
  /** Entries found unreadable or not matching their key, and removed. */
  corrupt: number;
  stores: number;
}

export class ResultStore {
  readonly stats: StoreStats = { hits: 0, misses: 0, corrupt: 0, stores: 0 };
  private warned = false;

  constructor(readonly root: string, private readonly warn: (message: string) => void = (m) => process.stderr.write(`dlgrade: ${m}\n`)) {}

  private file(kind: Kind, key: string): string {
    if (!/^[0-9a-f]{16,128}$/.test(key)) throw new Error(`cache: bad key ${JSON.stringify(key)}`);
    return path.join(this.root, kind, LAYOUT, key.slice(0, 2), `${key}.json`);
  }

  /**
   * The entry stored under `key`, if there is a sound one: `valid` says whether what was read is
   * the value it should be (a result for this key, say); anything else is treated as corrupt.
   */
  get<T>(kind: Kind, key: string, valid: (value: unknown) => value is T): T | undefined {
    const file = this.file(kind, key);
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch {
      this.stats.misses++;
      return undefined;
    }
    try {
      const value: unknown = JSON.parse(text);
      if (valid(value)) {
        this.stats.hits++;
        return value;
      }
    } catch {
      /* not JSON: corrupt */
    }
    this.stats.corrupt++;
    this.stats.misses++;
    remove(file);
    return undefined;
  }

  put(kind: Kind, key: string, value: unknown): void {
    const file = this.file(kind, key);
    const tmp = `${file}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`;
    try {
      fs.mkdirSync(path.dirname(file), { recursive: true });
      // No fsync: an entry lost to a power cut is only a miss, and a torn one reads as corrupt.
      fs.writeFileSync(tmp, JSON.stringify(value));
      fs.renameSync(tmp, file);
      this.stats.stores++;
    } catch (e) {
      remove(tmp);
      if (!this.warned) this.warn(`the result cache in ${this.root} cannot be written (${(e as Error).message}); going on without it`);
      this.warned = true;
    }
  }

  /** Entries and bytes stored, for `dlgrade cache`. */
  usage(): { entries: number; bytes: number } {
    // Only what dlgrade wrote: --cache may name a folder that holds other things too.
    let entries = 0, bytes = 0;
    const walk = (dir: string) => {
      let list: fs.Dirent[];
      try {
        list = fs.readdirSync(dir, { withFileTypes: true });
      } catch {
        return;
      }
      for (const e of list) {
        const p = path.join(dir, e.name);
        if (e.isDirectory()) walk(p);
        else if (e.isFile()) {
          entries += e.name.endsWith('.json') ? 1 : 0;
          bytes += fs.statSync(p, { throwIfNoEntry: false })?.size ?? 0;
        }
      }
    };
    for (const kind of KINDS) walk(path.join(this.root, kind));
    return { entries, bytes };
  }

  clear(): void {
    for (const kind of KINDS) fs.rmSync(path.join(this.root, kind), { recursive: true, force: true });
  }
}

/** Best effort: what cannot be removed is left for the next writer to replace. */
function remove(file: string) {
  try {
    fs.rmSync(file, { force: true });
  } catch {
    /* nothing more to do */
  }
}
