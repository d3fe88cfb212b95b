/**
 * Reads and validates an assignment pack. A broken spec is refused before any student is
 * graded, with the file, the place inside it and what is wrong.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv, type ErrorObject } from 'ajv';
import { LineCounter, parseDocument, isNode } from 'yaml';
import { findOp } from '../../reference/registry.ts';
import type { RefOp } from '../../reference/op.ts';
import { type PythonOpSpec, pythonOp } from '../../reference/python/ops.ts';
import { CallSyntaxError, parseCall, stepReads } from './call.ts';
import { PROPERTIES } from '../checks/properties.ts';
import schema from './assignment.schema.json' with { type: 'json' };
import { type AssignmentSpec, type CheckSpec, type Language, type Pack, DEFAULT_LIMITS, TRAIN_VALUES } from './types.ts';
import { DlgradeError } from '../common/errors.ts';

export class SpecError extends DlgradeError {
  constructor(readonly file: string, readonly where: string, readonly problem: string) {
    super(`${file}${where ? `: ${where}` : ''}: ${problem}`);
    this.name = 'SpecError';
  }
}

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const PACKS_DIR = path.join(REPO_ROOT, 'assignments');
const METRICS = ['rel_error', 'scaled_error', 'abs_error', 'sum_abs', 'rel_or_abs'];

// verbose: an error carries the value it is about and the schema that refused it, for the message.
const ajv = new Ajv({ allErrors: true, strict: false, verbose: true });
const validate = ajv.compile(schema);

/** A shipped pack's name, or a path to a pack folder (or its assignment.yaml). */
export function resolvePackDir(nameOrPath: string): string {
  const asPath = path.resolve(nameOrPath);
  if (fs.existsSync(asPath)) return fs.statSync(asPath).isDirectory() ? asPath : path.dirname(asPath);
  const shipped = path.join(PACKS_DIR, nameOrPath);
  if (fs.existsSync(path.join(shipped, 'assignment.yaml'))) return shipped;
  const known = listPacks().join(', ') || 'none';
  throw new SpecError(nameOrPath, '', `no such assignment pack (shipped packs: ${known}; or give a path to a folder with assignment.yaml)`);
}

export function listPacks(): string[] {
  if (!fs.existsSync(PACKS_DIR)) return [];
  return fs.readdirSync(PACKS_DIR).filter((d) => fs.existsSync(path.join(PACKS_DIR, d, 'assignment.yaml'))).sort();
}

/** A probe's file: Python for the Python worker, a function file for Octave's. */
const PROBE_EXT: Record<Language, string> = { python: '.py', octave: '.m' };

export function loadPack(nameOrPath: string): Pack {
  const dir = resolvePackDir(nameOrPath);
  const file = path.join(dir, 'assignment.yaml');
  if (!fs.existsSync(file)) throw new SpecError(file, '', 'missing: a pack folder needs an assignment.yaml');
  const text = fs.readFileSync(file, 'utf8');
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: true, merge: true });
  if (doc.errors.length) {
    const e = doc.errors[0];
    const at = lines.linePos(e.pos[0]);
    throw new SpecError(file, `line ${at.line}`, `not valid YAML: ${e.message.split('\n')[0]}`);
  }
  const spec = doc.toJS() as AssignmentSpec;
  const where = (instancePath: string) => {
    const keys = instancePath.split('/').slice(1).map((k) => (/^\d+$/.test(k) ? Number(k) : k.replace(/~1/g, '/').replace(/~0/g, '~')));
    const node = doc.getIn(keys, true);
    const line = isNode(node) && node.range ? ` (line ${lines.linePos(node.range[0]).line})` : '';
    return `${describePath(spec, keys)}${line}`;
  };
  if (!validate(spec)) {
    const e = bestError(validate.errors!);
    const extra = e.keyword === 'additionalProperties' ? `/${(e.params as { additionalProperty: string }).additionalProperty}` : '';
    throw new SpecError(file, where(e.instancePath + extra), explain(e));
  }

  // The Octave driver has no guard: a forbid list there would promise what nothing checks.
  if (spec.worker === 'octave') {
    const at = spec.forbid ? '/forbid' : `/checks/${spec.checks.findIndex((c) => c.forbid)}/forbid`;
    if (spec.forbid || spec.checks.some((c) => c.forbid)) throw new SpecError(file, where(at), 'forbid is enforced by the Python worker only: an Octave pack cannot forbid functions');
  }
  const pythonOps = loadPythonOps(spec, dir, file, where);
  const probes: Record<string, string> = {};
  const ids = new Set<string>();
  spec.checks.forEach((check, i) => {
    const at = (rest: string) => where(`/checks/${i}${rest}`);
    if (ids.has(check.id)) throw new SpecError(file, at('/id'), `check id "${check.id}" is used twice`);
    ids.add(check.id);
    if (check.probe && check.call) throw new SpecError(file, at('/call'), 'give a probe or call steps, not both');
    if (check.call) checkCalls(check, file, at);
    if (check.probe) {
      const name = `${check.probe}${PROBE_EXT[spec.worker ?? 'python']}`;
      const probe = path.join(dir, 'probes', name);
      if (!fs.existsSync(probe)) throw new SpecError(file, at('/probe'), `probe file probes/${name} does not exist`);
      probes[check.probe] = probe;
    }
    const caseNames = new Set<string>();
    check.cases.forEach((c, j) => {
      if (caseNames.has(c.name)) throw new SpecError(file, at(`/cases/${j}/name`), `case name "${c.name}" is used twice in this check`);
      caseNames.add(c.name);
    });
    (check.expect ?? []).forEach((step, j) => {
      const python = pythonOps[step.op];
      if (python) step.python = python;
      const op: RefOp | undefined = python ? pythonOp(python) : findOp(step.op);
      if (!op) throw new SpecError(file, at(`/expect/${j}/op`), `unknown reference op "${step.op}" (see \`dlgrade reference --list\`)`);
      for (const name of Object.keys(step.in ?? {}))
        if (!op.inputs.includes(name)) throw new SpecError(file, at(`/expect/${j}/in`), `op ${op.name} has no input "${name}" (inputs: ${op.inputs.join(', ')})`);
      for (const name of Object.keys(step.out ?? {}))
        if (!op.outputs.includes(name)) throw new SpecError(file, at(`/expect/${j}/out`), `op ${op.name} has no output "${name}" (outputs: ${op.outputs.join(', ')})`);
    });
    (check.properties ?? []).forEach((p, j) => {
      if (!PROPERTIES[p.assert]) throw new SpecError(file, at(`/properties/${j}/assert`), `unknown property "${p.assert}" (known: ${Object.keys(PROPERTIES).join(', ')})`);
    });
    if (check.train && check.kind !== 'train') throw new SpecError(file, at('/train'), `only train checks have a training budget (this check is ${check.kind})`);
    if (check.parity) {
      if (check.kind !== 'train') throw new SpecError(file, at('/parity'), `only train checks compare devices (this check is ${check.kind})`);
      if (!check.properties?.some((p) => p.assert === 'accuracy_at_least')) throw new SpecError(file, at('/parity'), 'parity compares held-out accuracies: the check needs an accuracy_at_least property');
      for (const side of ['fast', 'slow'] as const) {
        if (!caseNames.has(check.parity[side])) throw new SpecError(file, at(`/parity/${side}`), `no case named "${check.parity[side]}" (cases: ${[...caseNames].join(', ')})`);
      }
      if (check.parity.fast === check.parity.slow) throw new SpecError(file, at('/parity'), 'fast and slow must be two different cases');
    }
    if (check.kind === 'train') {
      check.cases.forEach((c, j) => {
        const clash = Object.keys(c.inputs ?? {}).find((n) => (TRAIN_VALUES as readonly string[]).includes(n));
        if (clash) throw new SpecError(file, at(`/cases/${j}/inputs/${clash}`), `"${clash}" is supplied by the data set in a train check: name this input differently`);
      });
    }
    (check.compare ?? []).forEach((c, j) => {
      const metrics = METRICS.filter((m) => m in c);
      if (metrics.length !== 1) throw new SpecError(file, at(`/compare/${j}`), `give exactly one of ${METRICS.join(', ')} (found ${metrics.length})`);
    });
    const given = check.cases.reduce((sum, c) => sum + (c.points ?? 0), 0);
    if (given > check.points + 1e-9) throw new SpecError(file, at('/cases'), `the cases' points add up to ${given}, more than the check's ${check.points}`);
    if (check.cases.every((c) => c.advisory)) throw new SpecError(file, at('/cases'), 'every case is advisory: a check needs at least one scored case');
  });
  // An Octave pack names no Python: the rest of the grader reads an empty spec there.
  if (!spec.python) spec.python = {};
  let expectedDir: string | undefined;
  if (spec.edition) {
    expectedDir = path.resolve(dir, spec.edition.expected);
    if (!fs.existsSync(expectedDir)) throw new SpecError(file, where('/edition/expected'), `the student edition's expected values (${spec.edition.expected}/) are missing`);
  }
  return { spec, dir, probes, limits: { ...DEFAULT_LIMITS, ...spec.limits }, ...(spec.reference_ops ? { pythonOps } : {}), ...(expectedDir ? { expectedDir } : {}) };
}

/**
 * `reference_ops:` resolved to the functions of the pack's reference/ folder. Only names and
 * `-> results` are allowed in a reference op's call: its inputs are the case's values.
 */
function loadPythonOps(spec: AssignmentSpec, dir: string, file: string, where: (p: string) => string): Record<string, PythonOpSpec> {
  const ops: Record<string, PythonOpSpec> = {};
  const folder = path.join(dir, 'reference');
  for (const [name, call] of Object.entries(spec.reference_ops ?? {})) {
    const at = where(`/reference_ops/${name}`);
    let step;
    try {
      step = parseCall(call);
    } catch (e) {
      if (e instanceof CallSyntaxError) throw new SpecError(file, at, `"${call}": ${e.message}`);
      throw e;
    }
    const plain = (v: object): v is { name: string } => 'name' in v && (v as { key?: string }).key === undefined;
    if (!step.target || step.target.length < 2) throw new SpecError(file, at, `"${call}": name a module and its function, as in "layers.svm_loss(x, y) -> loss, dx"`);
    if (![...step.args, ...step.kwargs.map(([, v]) => v)].every(plain)) throw new SpecError(file, at, `"${call}": a reference op's arguments are the names of case values`);
    if (!step.returns.some((r) => r !== '_')) throw new SpecError(file, at, `"${call}": name its results after "->"`);
    const module = step.target[0];
    if (!fs.existsSync(path.join(folder, `${module}.py`)) && !fs.existsSync(path.join(folder, module, '__init__.py')))
      throw new SpecError(file, at, `reference/${module}.py does not exist`);
    ops[name] = {
      name, call, folder, module, func: step.target.slice(1).join('.'),
      args: step.args.map((v) => (v as { name: string }).name),
      kwargs: Object.fromEntries(step.kwargs.map(([k, v]) => [k, (v as { name: string }).name])),
      returns: step.returns,
      interpreters: spec.python?.interpreters ?? ['python3'],
    };
  }
  return ops;
}

/** A call check's steps parse, and each reads only case inputs and earlier results. */
function checkCalls(check: CheckSpec, file: string, at: (rest: string) => string) {
  const calls = Array.isArray(check.call) ? check.call : [check.call!];
  const inputs = check.cases.map((c) => new Set(Object.keys(c.inputs ?? {})));
  const bound = new Set<string>();
  calls.forEach((text, k) => {
    const where = at(Array.isArray(check.call) ? `/call/${k}` : '/call');
    let step;
    try {
      step = parseCall(text);
    } catch (e) {
      if (e instanceof CallSyntaxError) throw new SpecError(file, where, `"${text}": ${e.message}`);
      throw e;
    }
    if (step.target && step.target.length < 2) throw new SpecError(file, where, `"${text}": name the module and the function (layers.${step.target[0]}), or a method of a value named earlier`);
    for (const name of stepReads(step, bound)) {
      if (!bound.has(name) && !inputs.every((s) => s.has(name)))
        throw new SpecError(file, where, `"${text}" reads "${name}", which is neither an earlier result nor an input of every case`);
    }
    for (const r of step.returns) if (r !== '_') bound.add(r);
  });
}

/** ajv reports every branch of a oneOf; the deepest, most specific error is the useful one. */
function bestError(errors: ErrorObject[]): ErrorObject {
  const specific = errors.filter((e) => !['oneOf', 'anyOf', 'if'].includes(e.keyword));
  const pool = specific.length ? specific : errors;
  return pool.reduce((a, b) => (b.instancePath.length > a.instancePath.length ? b : a));
}

function explain(e: ErrorObject): string {
  const p = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'additionalProperties': return `unknown field "${p.additionalProperty}"`;
    case 'required': return `missing required field "${p.missingProperty}"${p.missingProperty === 'probe' || p.missingProperty === 'call' ? ' (a check runs a probe file or call: steps)' : ''}`;
    case 'enum': return `must be one of ${(p.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
    case 'type': return `must be ${p.type}`;
    case 'pattern': {
      // The field's own description says what would do; the pattern is the fallback.
      const description = (e.parentSchema as { description?: string } | undefined)?.description;
      return `"${String(e.data)}" does not match ${p.pattern}${description ? ` (${description})` : ''}`;
    }
    default: return e.message ?? e.keyword;
  }
}

/** "checks[3] (fc_backward).cases[0].inputs.x" reads better than "/checks/3/cases/0/inputs/x". */
function describePath(spec: unknown, keys: (string | number)[]): string {
  let node: any = spec;
  let out = '';
  for (const k of keys) {
    node = node?.[k];
    if (typeof k === 'number') {
      out += `[${k}]`;
      const label = node && typeof node === 'object' && (node.id ?? node.name);
      if (typeof label === 'string') out += ` (${label})`;
    } else out += out ? `.${k}` : k;
  }
  return out || '(top level)';
}

/** What a check forbids: the pack's list and its own. */
export function forbiddenIn(spec: AssignmentSpec, check: CheckSpec): string[] {
  return [...new Set([...(spec.forbid ?? []), ...(check.forbid ?? [])])];
}
