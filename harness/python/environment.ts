/**
 * Finds the Python interpreter a pack can run in. Courses pin their numpy (real student code
 * relies on behaviour that changed in numpy 2), so the pack lists interpreters to try and the
 * versions it needs; the first interpreter that meets them is used, and when none does the
 * error says, for each, exactly what is missing and how to get it.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AssignmentSpec, Language, PythonSpec } from '../spec/types.ts';
import { type ResolutionMemo, lookupFiles, recall, remember, resolutionKey } from './remembered.ts';
import { DlgradeError } from '../common/errors.ts';

const INSPECT = path.join(path.dirname(fileURLToPath(import.meta.url)), 'inspect.py');

/** The interpreter a pack's hand-ins run in: a Python, or (language octave) an Octave. */
export interface PythonEnvironment {
  /** Absent: python. */
  language?: Language;
  executable: string;
  /** The Python version; empty for Octave, whose version is under modules.octave. */
  python: string;
  platform: string;
  /** Module name to version, for the modules the pack requires. */
  modules: Record<string, string>;
}

export class EnvironmentError extends DlgradeError {
  constructor(message: string) {
    super(message);
    this.name = 'EnvironmentError';
  }
}

interface Inspection {
  executable: string;
  python: string;
  platform: string;
  modules: Record<string, string | null>;
  problems: Record<string, string>;
  /** Files whose change could change this answer (see remembered.ts). */
  files?: string[];
}

const cache = new Map<string, Promise<Inspection | string>>();

async function inspect(interpreter: string, modules: string[]): Promise<Inspection | string> {
  const key = `${interpreter}\0${modules.join(',')}`;
  if (!cache.has(key)) {
    cache.set(key, (async () => {
      try {
        // Loaded on first use: a remembered interpreter needs no process started.
        const { execa } = await import('execa');
        const r = await execa(interpreter, ['-I', INSPECT, ...modules], { timeout: 60_000, reject: false });
        if (r.failed && (r as any).code === 'ENOENT') return 'not found';
        if (r.exitCode !== 0) return `does not run (${(r.stderr || r.stdout || String(r.exitCode)).split('\n').slice(-1)[0]})`;
        return JSON.parse(r.stdout) as Inspection;
      } catch (e) {
        return (e as any).code === 'ENOENT' ? 'not found' : `does not run (${(e as Error).message.split('\n')[0]})`;
      }
    })());
  }
  return cache.get(key)!;
}

/** The interpreters given on the command line (--python, --octave), if any. */
export interface GivenInterpreters {
  python?: string;
  octave?: string;
}

/** The interpreter a pack's hand-ins run in, by the worker the pack names. */
export async function resolveInterpreter(spec: AssignmentSpec, given: GivenInterpreters = {}, memo?: ResolutionMemo): Promise<PythonEnvironment> {
  if (spec.worker === 'octave') {
    const { resolveOctave } = await import('./octave.ts');
    return resolveOctave(spec.octave, given.octave);
  }
  return resolvePython(spec.python, given.python, memo);
}

/**
 * Choose the interpreter: --python if given, else the pack's list, else python3. With a memo, an
 * earlier answer is reused while the files it came from are unchanged (remembered.ts).
 */
export async function resolvePython(spec: PythonSpec, override?: string, memo?: ResolutionMemo): Promise<PythonEnvironment> {
  const requires = spec.requires ?? {};
  const candidates = override ? [override] : spec.interpreters?.length ? spec.interpreters : ['python3'];
  if (!memo) return resolveNow(candidates, requires);
  const key = resolutionKey(candidates, requires);
  const known = recall<PythonEnvironment>(memo, key);
  if (known) return known;
  const found = await resolveNow(candidates, requires);
  const files = [...lookupFiles(candidates)];
  for (const c of candidates) {
    const i = await inspect(c, Object.keys(requires));
    if (typeof i !== 'string') files.push(...(i.files ?? []).filter((f) => typeof f === 'string'));
  }
  remember(memo, key, found, files);
  return found;
}

async function resolveNow(candidates: string[], requires: Record<string, string>): Promise<PythonEnvironment> {
  const modules = Object.keys(requires);
  const reasons: string[] = [];
  // Asked all at once: each answer costs an interpreter start and a numpy import.
  const inspections = candidates.map((c) => inspect(c, modules));
  for (const [i, candidate] of candidates.entries()) {
    const found = await inspections[i];
    if (typeof found === 'string') {
      reasons.push(`  ${candidate}: ${found}`);
      continue;
    }
    const missing: string[] = [];
    for (const [mod, range] of Object.entries(requires)) {
      const have = found.modules[mod];
      if (have === null || have === undefined) missing.push(`${mod} is not installed (${found.problems[mod] ?? 'import failed'})`);
      else if (!satisfies(have, range)) missing.push(`${mod} ${have} does not satisfy ${range}`);
    }
    if (missing.length) {
      reasons.push(`  ${candidate} (${found.executable}, Python ${found.python}): ${missing.join('; ')}`);
      continue;
    }
    const versions: Record<string, string> = {};
    for (const mod of modules) versions[mod] = found.modules[mod]!;
    return { executable: found.executable, python: found.python, platform: found.platform, modules: versions };
  }
  const wanted = Object.entries(requires).map(([m, r]) => `${m} ${r}`).join(', ') || 'Python 3';
  throw new EnvironmentError(
    `No Python interpreter meets this pack's requirements (${wanted}).\n${reasons.join('\n')}\n` +
      `Install what is missing in one of them (on Debian: apt-get install ${debianPackages(modules)}), ` +
      `or choose an interpreter with --python PATH.`,
  );
}

function debianPackages(modules: string[]): string {
  const names: Record<string, string> = { numpy: 'python3-numpy', scipy: 'python3-scipy', torch: 'python3-torch', yaml: 'python3-yaml' };
  return modules.map((m) => names[m] ?? `python3-${m}`).join(' ') || 'python3';
}

/** PEP 440-ish version ranges: ">=1.21,<2", "==1.24.*" is not needed by any pack. */
export function satisfies(version: string, range: string): boolean {
  if (range.trim() === '*') return true;
  return range.split(',').every((clause) => {
    const m = /^\s*(==|!=|>=|<=|>|<|~=)\s*([0-9][0-9a-z.]*)\s*$/.exec(clause);
    if (!m) throw new Error(`bad version range "${range}"`);
    const c = compareVersions(version, m[2]);
    switch (m[1]) {
      case '==': return c === 0;
      case '!=': return c !== 0;
      case '>=': return c >= 0;
      case '<=': return c <= 0;
      case '>': return c > 0;
      case '<': return c < 0;
      default: { // ~=: compatible release
        const parts = m[2].split('.');
        const upper = [...parts.slice(0, -2), String(Number(parts[parts.length - 2]) + 1)].join('.');
        return c >= 0 && compareVersions(version, upper) < 0;
      }
    }
  });
}

export function compareVersions(a: string, b: string): number {
  const pa = a.split(/[.+-]/).map((x) => parseInt(x, 10)), pb = b.split(/[.+-]/).map((x) => parseInt(x, 10));
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const x = Number.isNaN(pa[i] ?? 0) ? 0 : pa[i] ?? 0, y = Number.isNaN(pb[i] ?? 0) ? 0 : pb[i] ?? 0;
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}

