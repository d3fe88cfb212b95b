/**
 * What names a cached result: everything that can change it. A result is reused only when all of
 * these are the same as when it was graded:
 *   - the submission's content (every file it hands in) and its name;
 *   - the pack's content (spec, probes, starter: every file of its folder);
 *   - the grader: its version, its own source (harness/, reference/), its dependencies' versions
 *     and node's, so any change of the code regrades;
 *   - the run: seed, selected checks, limits, runner tags, the data set of training checks, the
 *     interpreter with its module versions, and how the code is isolated.
 * The name is part of the key: a result is never copied from one student to another.
 */
import fs from 'node:fs';
import path from 'node:path';
import { hashFile, hashTree, hashValue } from '../cache/hash.ts';
import { resolveData } from '../data/datasets.ts';
import type { PythonEnvironment } from '../python/environment.ts';
import type { RunnerInfo } from '../python/tags.ts';
import { REPO_ROOT } from '../spec/load.ts';
import type { Limits, Pack } from '../spec/types.ts';
import type { Isolation } from '../worker/sandbox.ts';
import { GRADER_VERSION } from './version.ts';
import { IGNORED, MAX_BYTES } from './workspace.ts';

const SOURCE_IGNORED = new Set(['node_modules', '__pycache__', '.git']);

const graders = new Map<string, string>();

/**
 * The grader's own identity: its version, node's, its source and its dependencies' versions.
 * Computed once per process and installation (about a megabyte of source to read).
 */
export function graderFingerprint(root = REPO_ROOT, version = GRADER_VERSION): string {
  const id = `${root}\0${version}`;
  let found = graders.get(id);
  if (!found) {
    found = hashValue({
      version,
      node: process.version,
      source: ['harness', 'reference'].map((d) => hashTree(path.join(root, d), { ignore: SOURCE_IGNORED })),
      dependencies: dependencyVersions(root),
    });
    graders.set(id, found);
  }
  return found;
}

/** Installed versions of the packages dlgrade depends on (mathjs reads answers, yaml specs). */
function dependencyVersions(root: string): Record<string, string> {
  const out: Record<string, string> = {};
  let deps: Record<string, string> = {};
  try {
    deps = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')).dependencies ?? {};
  } catch {
    /* an unusual install: the source hash still covers the code */
  }
  for (const name of Object.keys(deps).sort()) {
    for (let dir = root; ; dir = path.dirname(dir)) {
      try {
        out[name] = JSON.parse(fs.readFileSync(path.join(dir, 'node_modules', name, 'package.json'), 'utf8')).version;
        break;
      } catch {
        if (path.dirname(dir) === dir) {
          out[name] = 'not found';
          break;
        }
      }
    }
  }
  return out;
}

export interface RunIdentity {
  seed: string;
  python: PythonEnvironment;
  runner: RunnerInfo;
  isolation: Isolation;
  limits: Limits;
  /** The ids of the checks selected (--only/--skip). */
  checks: string[];
  /** --data as given; resolved here for the checks that train. */
  data?: string;
  /** The grader's fingerprint (default: this one's; tests stand in another version). */
  grader?: string;
}

const packs = new Map<string, string>();

/** A pack folder's content hash, once per process. */
export function packFingerprint(dir: string): string {
  let found = packs.get(dir);
  if (!found) packs.set(dir, (found = hashTree(dir, { ignore: SOURCE_IGNORED })));
  return found;
}

/** The key's part shared by every submission of a batch. */
export function runKey(pack: Pack, run: RunIdentity): string {
  return hashValue({
    grader: run.grader ?? graderFingerprint(),
    pack: packFingerprint(pack.dir),
    seed: run.seed,
    checks: run.checks,
    python: { executable: run.python.executable, python: run.python.python, platform: run.python.platform, modules: run.python.modules },
    runner: { tags: run.runner.tags, devices: run.runner.devices, torch: run.runner.torch },
    isolation: run.isolation.description,
    limits: run.limits,
    data: dataIdentity(pack, run),
  });
}

/** Where each training check's data set is read from, and that file's size and age. */
function dataIdentity(pack: Pack, run: RunIdentity): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const c of pack.spec.checks) {
    if (!c.train || !run.checks.includes(c.id)) continue;
    const where = resolveData(c.train.data, run.data);
    out[c.train.data] = { where, files: statSignature(where) };
  }
  return out;
}

function statSignature(p: string): unknown {
  const st = fs.statSync(p);
  if (!st.isDirectory()) return [st.size, st.mtimeMs];
  return fs.readdirSync(p).sort().map((f) => {
    const s = fs.statSync(path.join(p, f), { throwIfNoEntry: false });
    return [f, s?.size, s?.mtimeMs];
  });
}

/** The full key of one submission's result: the run's part, its name and its content. */
export function submissionKey(run: string, name: string, source: string, zip: boolean): string {
  const content = zip ? hashFile(source) : hashTree(source, { ignore: IGNORED, maxContentBytes: MAX_BYTES });
  return hashValue({ run, name, content });
}
