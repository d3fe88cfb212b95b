/**
 * Loading a pack from the cache: parsing and validating a large assignment.yaml took longer than
 * the rest of a cached re-run. A loaded pack is kept under the hash of its folder's content and
 * of the grader (which decides how a spec is read), so any change to either loads it afresh, with
 * every check loadPack makes.
 */
import { isDeepStrictEqual } from 'node:util';
import type { ResultStore } from '../cache/store.ts';
import { hashValue } from '../cache/hash.ts';
import { graderFingerprint, packFingerprint } from '../runner/result-key.ts';
import { loadPack, resolvePackDir } from '../spec/load.ts';
import type { Pack } from '../spec/types.ts';

const isPack = (dir: string) => (v: unknown): v is Pack => {
  const p = v as Pack | undefined;
  return !!p && typeof p === 'object' && p.dir === dir && !!p.spec && Array.isArray(p.spec.checks) && !!p.limits && !!p.probes && typeof p.probes === 'object';
};

export function loadPackCached(nameOrPath: string, store: ResultStore | undefined): Pack {
  if (!store) return loadPack(nameOrPath);
  const dir = resolvePackDir(nameOrPath);
  const key = hashValue({ grader: graderFingerprint(), dir, content: packFingerprint(dir) });
  const known = store.get('packs', key, isPack(dir));
  if (known) return known;
  const pack = loadPack(dir);
  // Only what JSON keeps exactly (a YAML .inf or .nan would come back as null): else read each time.
  if (isDeepStrictEqual(JSON.parse(JSON.stringify(pack)), pack)) store.put('packs', key, pack);
  return pack;
}
