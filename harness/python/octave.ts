/**
 * Finds the Octave a MATLAB pack's hand-ins run in: --octave if given, else the pack's list,
 * else octave-cli. Octave reports its own version; when none runs, the error says what each
 * candidate answered and how to get one.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { OctaveSpec } from '../spec/types.ts';
import { OCTAVE_FLAGS } from '../worker/octave-flags.ts';
import { EnvironmentError, type PythonEnvironment } from './environment.ts';


const found = new Map<string, Promise<PythonEnvironment | string>>();

/** The absolute path of a command, as the shell would find it. */
function onPath(name: string): string | undefined {
  if (name.includes('/')) return fs.existsSync(name) ? path.resolve(name) : undefined;
  for (const dir of (process.env.PATH ?? '').split(':')) {
    const p = path.join(dir || '.', name);
    try {
      fs.accessSync(p, fs.constants.X_OK);
      return p;
    } catch {
      /* not here */
    }
  }
  return undefined;
}

function ask(candidate: string): Promise<PythonEnvironment | string> {
  if (!found.has(candidate)) {
    found.set(candidate, (async () => {
      const executable = onPath(candidate);
      if (!executable) return 'not found';
      const { execa } = await import('execa');
      const r = await execa(executable, [...OCTAVE_FLAGS, '--eval', 'printf("%s\\n%s\\n", OCTAVE_VERSION, computer())'], { reject: false, timeout: 60_000 });
      if (r.exitCode !== 0) return `does not run (${(r.stderr || r.stdout || String(r.exitCode)).trim().split('\n').slice(-1)[0]})`;
      const [version, platform] = r.stdout.trim().split('\n');
      return { language: 'octave', executable, python: '', platform: platform ?? '', modules: { octave: version } } satisfies PythonEnvironment;
    })());
  }
  return found.get(candidate)!;
}

export async function resolveOctave(spec: OctaveSpec | undefined, override?: string): Promise<PythonEnvironment> {
  const candidates = override ? [override] : spec?.interpreters?.length ? spec.interpreters : ['octave-cli'];
  const answers = await Promise.all(candidates.map(ask));
  const ok = answers.find((a): a is PythonEnvironment => typeof a !== 'string');
  if (ok) return ok;
  const reasons = candidates.map((c, i) => `  ${c}: ${answers[i]}`).join('\n');
  throw new EnvironmentError(`No Octave to run this pack's MATLAB hand-ins.\n${reasons}\nInstall GNU Octave (on Debian: apt-get install octave), or choose one with --octave PATH.`);
}
