/**
 * Remembering which interpreter a pack resolved to. Asking costs an interpreter start and a numpy
 * import per candidate (more through a pyenv shim), the largest fixed cost of a batch whose
 * results are all cached. The answer is kept with the files it came from (each interpreter, its
 * site-packages folders, the modules' files, pyenv's version files) and reused only while every
 * one of them is unchanged: installing, upgrading or removing a package changes its folder.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** Where answers are kept (the result cache's folder); get returns undefined when it has none. */
export interface ResolutionMemo {
  get(key: string): unknown;
  put(key: string, value: unknown): void;
}

interface Remembered<T> {
  value: T;
  stamps: [string, string][];
}

/** What else decides which interpreter a name finds. */
const ENV = ['PATH', 'PYENV_VERSION', 'PYENV_ROOT', 'VIRTUAL_ENV', 'CONDA_PREFIX', 'HOME'];

export function resolutionKey(candidates: string[], requires: Record<string, string>): string {
  const env = Object.fromEntries(ENV.map((k) => [k, process.env[k] ?? null]));
  return createHash('sha256').update(JSON.stringify({ v: 1, candidates, requires, env, cwd: process.cwd() })).digest('hex');
}

const stamp = (p: string): string => {
  const st = fs.statSync(p, { throwIfNoEntry: false });
  return st ? `${st.size}:${st.mtimeMs}:${st.ino}` : 'absent';
};

/** Files that decide where a bare name like `python3` leads: where PATH finds it, pyenv's choice. */
export function lookupFiles(candidates: string[]): string[] {
  const files: string[] = [];
  for (const c of candidates) {
    if (c.includes('/')) files.push(path.resolve(c));
    else for (const dir of (process.env.PATH ?? '').split(':')) if (dir) files.push(path.join(dir, c));
  }
  for (let d = process.cwd(); ; d = path.dirname(d)) {
    files.push(path.join(d, '.python-version'));
    if (path.dirname(d) === d) break;
  }
  files.push(path.join(process.env.PYENV_ROOT ?? path.join(os.homedir(), '.pyenv'), 'version'));
  return files;
}

export function recall<T>(memo: ResolutionMemo, key: string): T | undefined {
  const r = memo.get(key) as Remembered<T> | undefined;
  if (!r || typeof r !== 'object' || !Array.isArray(r.stamps) || r.value === undefined) return undefined;
  for (const s of r.stamps) if (!Array.isArray(s) || typeof s[0] !== 'string' || stamp(s[0]) !== s[1]) return undefined;
  return r.value;
}

export function remember<T>(memo: ResolutionMemo, key: string, value: T, files: string[]): void {
  const stamps = [...new Set(files)].map((f): [string, string] => [f, stamp(f)]);
  memo.put(key, { value, stamps } satisfies Remembered<T>);
}
