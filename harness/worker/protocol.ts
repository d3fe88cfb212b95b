/**
 * The messages between the grader and a worker: one JSON object per line, requests on the
 * worker's request pipe, replies on its reply pipe (never the student's stdout). Every driver
 * (driver.py) repeats this list in its docstring; a change here is a change there.
 *
 * Requests are the grader's own and trusted. Replies come from the student's process and are
 * not: `readReply` takes a line and returns a typed reply only when every field it needs is of
 * the right type and size, and the caller still checks that a result answers the request in
 * flight (its id and nonce) before it counts.
 */

/** Run a probe's entry on inputs (.npy files) and write its outputs into `outdir`. */
export interface RunRequest {
  type: 'run';
  id: number;
  /** Random per request: a reply must carry it, so nothing written in advance can answer. */
  nonce: string;
  /** The probe file, as the worker sees it. */
  probe: string;
  /** Input name → .npy file. */
  inputs: Record<string, string>;
  /** A new folder for outputs too large to travel in the reply. */
  outdir: string;
  /** Text inputs (a device name): Python strs in the probe's inputs. */
  text?: Record<string, string>;
  /** The probe function to call: run (the default), or warm_up, untimed start-up before a timed run. */
  entry?: 'run' | 'warm_up';
  /** Modules and functions this check forbids (each among the worker's --forbid): a use fails it. */
  forbid?: string[];
}

/**
 * Derivatives of the probe's forward(inputs)[output] along each direction (an .npy file per
 * input), dotted with inputs[dout]: central differences with step h (scaled by the input).
 */
export interface SelfCheckRequest {
  type: 'selfcheck';
  id: number;
  nonce: string;
  probe: string;
  inputs: Record<string, string>;
  directions: Record<string, string>;
  output: string;
  dout: string;
  h: number;
}

/** Run the notebook top to bottom (a pack's notebook execution mode), once, before any probe. */
export interface ExecuteRequest {
  type: 'execute';
  id: number;
  nonce: string;
}

/** Leave at once (the grader kills what remains). */
export interface ExitRequest {
  type: 'exit';
}

export type Request = RunRequest | SelfCheckRequest | ExecuteRequest | ExitRequest;

/** What a driver made of a notebook submission (parsed at start-up, before any of it ran). */
export interface NotebookReport {
  module: string;
  /** The notebook used, relative to the submission; null when none was (or a module file was). */
  file: string | null;
  kept_cells: number[];
  skipped: { cell: number; line: number; text: string; why: string }[];
  error?: string;
}

/** The first reply: the interpreter is up; no student code has run yet. */
export interface Hello {
  type: 'hello';
  environment: { python: string | null; numpy: string | null };
  notebook?: NotebookReport;
  /** With --forbid: what the hand-in's files import of it, found by reading them (nothing ran). */
  forbiddenImports?: ForbiddenNote[];
}

/** A use of a forbidden module or function while a check ran (dlgrade_forbid.py): it fails the check. */
export interface ForbiddenUse {
  verb: 'called' | 'imported' | 'used';
  /** What was used: torch, scipy.signal.correlate2d. */
  name: string;
  /** The student's function that used it (its qualified name); null where a probe called what the student bound. */
  caller: string | null;
  /** file:line in the submission. */
  where: string;
}

/** A use that fails nothing (an import at the top of a file): reported in the result's notes. */
export interface ForbiddenNote {
  verb: 'calls' | 'imports' | 'uses';
  name: string;
  where: string;
}

export type StudentErrorKind = 'import' | 'exception' | 'bad-output' | 'memory';

export interface StudentError {
  kind: StudentErrorKind;
  message: string;
  traceback: string;
}

/** A step of a probe (dlgrade_probe.Outputs.step) that raised, with the student's error. */
export interface FailedStep {
  step: string;
  error: StudentError;
}

/** Sent by an executing notebook before each cell: where it was when a budget ran out. */
export interface Progress {
  type: 'progress';
  id: unknown;
  nonce: unknown;
  cell: number;
  text: string;
}

/** How one cell of an executed notebook went. */
export interface CellOutcome {
  cell: number;
  ok: boolean;
  error?: StudentError;
}

/** What the driver says it spent a request on (for --profile only: never part of a verdict). */
export interface WorkerTiming {
  /** Loading probes, and through them the student's modules. */
  load: number;
  /** Reading the inputs and writing the outputs. */
  arrays: number;
  /** The probe's run: the student's own code. */
  run: number;
}

/** The answer to a run or selfcheck request. */
export type ResultReply = {
  type: 'result'; id: unknown; nonce: unknown; timing?: WorkerTiming;
  /** Uses of what the check forbids (any result may carry them: they fail the check). */
  forbidden?: ForbiddenUse[];
  forbiddenNotes?: ForbiddenNote[];
} & (
  | {
      ok: true;
      /** Output name → written file, or the .npy bytes themselves when small (`{ npy: base64 }`). */
      outputs: string[];
      inline: Record<string, Uint8Array>;
      /** A selfcheck's derivatives (finite numbers only). */
      values: Record<string, number>;
      /** Outputs the probe returned that could not be sent (None from a TODO, say), and why. */
      problems: Record<string, string>;
      /** Steps of the probe that raised; the outputs of the others came back. */
      failedSteps: FailedStep[];
      /** An executed notebook's cells. */
      cells: CellOutcome[];
    }
  | { ok: false; error: StudentError }
  /** The reply named outputs the grader cannot accept. */
  | { ok: 'refused'; problem: string }
);

export type Reply = Hello | Progress | ResultReply;

/** A reply line longer than this is not ours: dropped, up to its end. */
export const MAX_LINE = 1 << 20;
const MAX_OUTPUTS = 64;
const OUTPUT_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;
const ERROR_KINDS = new Set<string>(['import', 'exception', 'bad-output', 'memory']);
/** A reply line is at most 1 MiB, so this bounds what decoding inline outputs can cost. */
const MAX_BASE64 = 1 << 20;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

const capped = (v: unknown, n: number): string => (typeof v === 'string' ? v : v === undefined || v === null ? '' : String(v)).slice(0, n);
const isObject = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v);

/**
 * One line from the reply pipe. `undefined`: not a reply (blank, not JSON, not a message type of
 * ours), to be ignored; `seconds` bounds the timing a result may claim.
 */
export function readReply(line: string, seconds: number): Reply | 'unreadable' | undefined {
  let msg: unknown;
  try {
    msg = JSON.parse(line);
  } catch {
    return 'unreadable';
  }
  if (!isObject(msg)) return undefined;
  if (msg.type === 'hello') {
    const env = isObject(msg.environment) ? msg.environment : {};
    return {
      type: 'hello',
      environment: { python: capped(env.python, 40) || null, numpy: capped(env.numpy, 40) || null },
      ...(isObject(msg.notebook) ? { notebook: msg.notebook as unknown as NotebookReport } : {}),
      ...(Array.isArray(msg.forbidden_imports) ? {
        forbiddenImports: forbiddenNotes(msg.forbidden_imports.filter(isObject).map((f) => ({ ...f, where: `${capped(f.file, 300)}:${Number(f.line) || 0}` }))),
      } : {}),
    };
  }
  if (msg.type === 'progress') {
    return { type: 'progress', id: msg.id, nonce: msg.nonce, cell: typeof msg.cell === 'number' ? msg.cell : 0, text: capped(msg.text, 120) };
  }
  if (msg.type !== 'result') return undefined;
  const head = {
    type: 'result' as const, id: msg.id, nonce: msg.nonce, ...timingOf(msg.timing, seconds),
    ...(Array.isArray(msg.forbidden) && msg.forbidden.length ? { forbidden: forbiddenUses(msg.forbidden) } : {}),
    ...(Array.isArray(msg.forbidden_notes) && msg.forbidden_notes.length ? { forbiddenNotes: forbiddenNotes(msg.forbidden_notes) } : {}),
  };
  if (msg.ok === true) {
    const given = isObject(msg.outputs) ? msg.outputs : {};
    const outputs = Object.keys(given);
    const bad = outputs.find((n) => !OUTPUT_NAME.test(n));
    if (bad !== undefined || outputs.length > MAX_OUTPUTS) {
      return { ...head, ok: 'refused', problem: `the worker named outputs the grader cannot accept (${outputs.length > MAX_OUTPUTS ? `${outputs.length} of them` : JSON.stringify(bad!.slice(0, 80))})` };
    }
    // Self-check replies carry numbers, not files: only finite numbers are taken.
    const values: Record<string, number> = {};
    if (isObject(msg.values)) for (const [k, v] of Object.entries(msg.values)) if (typeof v === 'number' && Number.isFinite(v)) values[k] = v;
    const problems: Record<string, string> = {};
    if (isObject(msg.problems)) {
      for (const [k, v] of Object.entries(msg.problems).slice(0, MAX_OUTPUTS)) if (OUTPUT_NAME.test(k)) problems[k] = capped(v, 2000);
    }
    const failedSteps = (Array.isArray(msg.failed_steps) ? msg.failed_steps : []).slice(0, 16).filter(isObject)
      .map((f) => ({ step: capped(f.step, 80) || 'a step', error: studentError(f.error) }));
    const cells = (Array.isArray(msg.cells) ? msg.cells : []).slice(0, 10_000).filter(isObject).map((c) => ({
      cell: typeof c.cell === 'number' ? c.cell : 0,
      ok: c.ok === true,
      ...(c.ok === true ? {} : { error: studentError(c.error) }),
    }));
    return { ...head, ok: true, outputs, inline: inlineOutputs(given), values, problems, failedSteps, cells };
  }
  return { ...head, ok: false, error: studentError(msg.error) };
}

const USE_VERBS = new Set(['called', 'imported', 'used']);
const NOTE_VERBS = new Set(['calls', 'imports', 'uses']);

function forbiddenUses(list: unknown[]): ForbiddenUse[] {
  return list.slice(0, 16).filter(isObject).map((f) => ({
    verb: USE_VERBS.has(f.verb as string) ? (f.verb as ForbiddenUse['verb']) : 'used',
    name: capped(f.name, 200) || 'a forbidden library',
    caller: typeof f.caller === 'string' && f.caller ? capped(f.caller, 200) : null,
    where: capped(f.where, 300),
  }));
}

function forbiddenNotes(list: unknown[]): ForbiddenNote[] {
  return list.slice(0, 64).filter(isObject).map((f) => ({
    verb: NOTE_VERBS.has(f.verb as string) ? (f.verb as ForbiddenNote['verb']) : 'uses',
    name: capped(f.name, 200) || 'a forbidden library',
    where: capped(f.where, 300),
  }));
}

function studentError(value: unknown): StudentError {
  const e = isObject(value) ? value : {};
  return {
    kind: ERROR_KINDS.has(e.kind as string) ? (e.kind as StudentErrorKind) : 'exception',
    message: capped(e.message, 4000) || 'the worker reported an error without a message',
    traceback: capped(e.traceback, 8000),
  };
}

/** The driver's own account of a request, each figure a finite number within the request's time. */
function timingOf(t: unknown, seconds: number): { timing?: WorkerTiming } {
  if (!isObject(t)) return {};
  const get = (k: string) => {
    const v = t[k];
    // Our clock counts milliseconds: a fast request may read 0 s while the driver's says more.
    return typeof v === 'number' && Number.isFinite(v) ? Math.min(Math.max(v, 0), seconds + 0.001) : 0;
  };
  return { timing: { load: get('load'), arrays: get('arrays'), run: get('run') } };
}

/**
 * Outputs that travel in the reply instead of as files (the driver's INLINE_BYTES):
 * `outputs: { name: { npy: <base64 of the .npy bytes> } }`. As untrusted as a file the student's
 * process wrote, and read as such: the caller decodes and checks the bytes like a file's.
 * Anything malformed is left out (and then read, and refused, as a missing file).
 */
function inlineOutputs(outputs: Record<string, unknown>): Record<string, Uint8Array> {
  const found: Record<string, Uint8Array> = {};
  let total = 0;
  for (const [name, value] of Object.entries(outputs)) {
    const npy = isObject(value) ? value.npy : undefined;
    if (typeof npy !== 'string' || npy.length % 4 !== 0 || !BASE64.test(npy)) continue;
    total += npy.length;
    if (total > MAX_BASE64) break;
    found[name] = Buffer.from(npy, 'base64');
  }
  return found;
}
