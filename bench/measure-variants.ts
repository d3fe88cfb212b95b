/**
 * Where the bars of mlp-numpy and cnn-numpy sit between correct and wrong code, measured with the
 * engine as it is: grades the solution, every valid variant (variants/variants.yaml) and every
 * mutant (mutants/mutants.yaml) of both packs with gradeSubmission, as the tests do (the sandbox
 * when bubblewrap is installed; a variant on the checks it declares, a mutant on the checks it
 * must fail; the training checks left out), under several grade seeds. For every check and
 * compared output it prints, as Markdown: the metric value the bar is held against for the
 * solution and each variant (worst over seeds and cases) and each mutant (best over the seeds and
 * cases where that output failed), and beside it max|got - expected| / max|expected|, the error
 * relative to the output's scale, which the engine does not compute (bench/variant-figures.ts).
 *
 *   npx tsx bench/measure-variants.ts [--seeds 5] [--pack mlp-numpy] [--out FILE]
 *
 * The probe's outputs are read as the worker hands them back (a wrapper around Worker.run that
 * only reads), judged again with the engine's own judgeCase, and each recomputed value is held
 * to the one in the engine's result: a mismatch stops the run, so the table cannot drift from
 * what grading says.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Values } from '../harness/checks/expect.ts';
import { buildInputs } from '../harness/checks/inputs.ts';
import { resolvePython } from '../harness/python/environment.ts';
import { fmt } from '../harness/results/format.ts';
import type { SubmissionResult } from '../harness/results/types.ts';
import { gradeSubmission } from '../harness/runner/submission.ts';
import { loadPack, resolvePackDir } from '../harness/spec/load.ts';
import { deriveSubmission, loadMutants, loadVariants } from '../harness/spec/mutants.ts';
import type { CheckSpec, Pack } from '../harness/spec/types.ts';
import { readOutputs } from '../harness/worker/outputs.ts';
import { findBubblewrap, resolveIsolation } from '../harness/worker/sandbox.ts';
import { type RunOutcome, Worker } from '../harness/worker/worker.ts';
import { type OutputFigures, figuresOf } from './variant-figures.ts';

const PACKS = ['mlp-numpy', 'cnn-numpy'];
/** Students train these themselves for tens of seconds; their bars are accuracies, set elsewhere. */
const TRAINING = new Set(['tinynet_train', 'smallcnn_train']);

type Kind = 'solution' | 'variant' | 'mutant';

interface Subject {
  kind: Kind;
  name: string;
  /** The checks it is graded on. */
  checks: string[];
  /** Variant: checks where only an advisory note is allowed. */
  advisory: string[];
  dir: string;
}

/** One compared output of one case of one check, for one subject under one seed. */
interface Row {
  subject: string;
  kind: Kind;
  check: string;
  caseName: string;
  hidden: boolean;
  seed: string;
  /** The case's status in the engine's result. */
  status: string;
  /** Null where the case returned nothing to compare (an error, a timeout). */
  figures: OutputFigures | null;
  message: string;
}

// ---- reading what the probes returned ----

interface Captured {
  probe: string;
  got: Values | null;
}

let captured: Captured[] = [];
const run = Worker.prototype.run;
Worker.prototype.run = async function (this: Worker, probe, inputs, outdir, timeoutSeconds, extra): Promise<RunOutcome> {
  const outcome = await run.call(this, probe, inputs, outdir, timeoutSeconds, extra);
  // Read as the engine reads them; an unreadable output is an error of the case, nothing to measure.
  const read = outcome.status === 'ok' ? readOutputs(outdir, outcome.outputs, outcome.inline) : null;
  const got = read && typeof read !== 'string' ? read : null;
  captured.push({ probe: path.basename(probe, '.py'), got });
  return outcome;
};

/** Cases the engine never sent to the worker: nothing was captured for them. */
const notSent = (message: string) => message.startsWith('not run:') || message.startsWith('the Python worker could not start');

/** The engine's result beside the recomputed figures, case by case, in the order the cases ran. */
function rowsOf(pack: Pack, subject: Subject, seed: string, result: SubmissionResult, runs: Captured[]): Row[] {
  const rows: Row[] = [];
  let next = 0;
  for (const cr of result.checks) {
    const check = pack.spec.checks.find((c) => c.id === cr.id)!;
    for (const [i, kase] of cr.cases.entries()) {
      const spec = check.cases[i];
      const base = { subject: subject.name, kind: subject.kind, check: check.id, caseName: kase.name, hidden: kase.hidden, seed, status: kase.status };
      if (check.kind === 'answer' || notSent(kase.message)) {
        rows.push({ ...base, figures: null, message: kase.message });
        continue;
      }
      const r = runs[next++];
      if (!r || r.probe !== check.probe) throw new Error(`${subject.name} ${check.id}/${kase.name}: expected a run of probe ${check.probe}, captured ${r?.probe}`);
      if (!r.got || !kase.comparisons.length) {
        rows.push({ ...base, figures: null, message: kase.message });
        continue;
      }
      const figures = figuresOf(check, buildInputs(check, spec, seed), r.got);
      figures.forEach((f, k) => {
        const engine = kase.comparisons[k];
        if (!engine || engine.output !== f.output || engine.value !== f.value || engine.passed !== f.passed) {
          throw new Error(`${subject.name} ${check.id}/${kase.name}: recomputed ${f.output} = ${f.value} (${f.passed}) but the engine said ${engine?.output} = ${engine?.value} (${engine?.passed})`);
        }
        rows.push({ ...base, figures: f, message: f.message });
      });
    }
  }
  if (next !== runs.length) throw new Error(`${subject.name}: ${runs.length} probe runs captured, ${next} matched to cases`);
  return rows;
}

// ---- grading ----

function subjectsOf(pack: Pack, scratch: string): Subject[] {
  const solution = path.join(pack.dir, 'solution');
  const graded = (ids: string[]) => ids.filter((id) => !TRAINING.has(id));
  const all = graded(pack.spec.checks.map((c) => c.id));
  const out: Subject[] = [{ kind: 'solution', name: 'solution', checks: all, advisory: [], dir: solution }];
  for (const v of loadVariants(pack.dir)) {
    const dir = path.join(scratch, pack.spec.name, 'variants', v.name);
    deriveSubmission(solution, dir, v.edits);
    out.push({ kind: 'variant', name: v.name, checks: graded([...v.passes, ...(v.advisory ?? [])]), advisory: v.advisory ?? [], dir });
  }
  for (const m of loadMutants(pack.dir)) {
    const checks = graded(m.fails);
    if (!checks.length) continue;
    const dir = path.join(scratch, pack.spec.name, 'mutants', m.name);
    deriveSubmission(solution, dir, m.edits);
    out.push({ kind: 'mutant', name: m.name, checks, advisory: [], dir });
  }
  return out;
}

async function measurePack(name: string, seeds: string[], scratch: string, log: (s: string) => void): Promise<{ pack: Pack; subjects: Subject[]; rows: Row[] }> {
  const pack = loadPack(name);
  const python = await resolvePython(pack.spec.python);
  const isolation = await resolveIsolation({ sandbox: !!(await findBubblewrap()), python: python.executable });
  const subjects = subjectsOf(pack, scratch);
  const rows: Row[] = [];
  for (const s of subjects) {
    for (const seed of seeds) {
      captured = [];
      const result = await gradeSubmission(pack, s.dir, { seed, python, isolation, only: s.checks, name: s.name });
      rows.push(...rowsOf(pack, s, seed, result, captured));
    }
    log(`${name}: ${s.kind} ${s.name} graded under ${seeds.length} seeds`);
  }
  return { pack, subjects, rows };
}

// ---- the report ----

const num = (v: number | null | undefined) => (v === null || v === undefined ? '—' : fmt(v));
/** A message shortened to fit a table cell, its pipes escaped. */
const cell = (message: string, max: number) => (message.length > max ? `${message.slice(0, max - 1)}…` : message).replace(/\|/g, '\\|').replace(/\n/g, ' ');
const where = (r: Row) => `${r.caseName}${r.hidden ? ` (hidden, ${r.seed})` : ''}`;
const barOf = (check: CheckSpec, f: OutputFigures) => {
  const spec = check.compare?.find((c) => (c.label ?? c.output) === f.output);
  if (spec?.rel_or_abs) return `rel_or_abs ${fmt(spec.rel_or_abs[0])} (or |diff| <= ${fmt(spec.rel_or_abs[1])})`;
  return `${f.metric} ${fmt(f.bar)}`;
};

/** Largest first; an output that could not be compared (null) counts as the worst. */
const worstFirst = (a: Row, b: Row) => (b.figures?.value ?? Infinity) - (a.figures?.value ?? Infinity);

interface Verdicts {
  variantFailures: string[];
  mutantPasses: string[];
  /** Variants failing a check they declare advisory: a note for the student, no points lost. */
  advisoryNotes: string[];
}

function outputTable(check: CheckSpec, output: string, subjects: Subject[], rows: Row[], seeds: string[], verdicts: Verdicts, packName: string): string[] {
  const lines = ['| submission | value | at | max\\|Δ\\|/max\\|e\\| | verdict |', '|---|---|---|---|---|'];
  for (const s of subjects) {
    const mine = rows.filter((r) => r.subject === s.name && r.check === check.id);
    if (!mine.length) continue;
    // A case that returned nothing (an error) stands for every output of the check.
    const here = mine.filter((r) => !r.figures || r.figures.output === output);
    const label = s.kind === 'solution' ? '**solution**' : `${s.kind} \`${s.name}\``;
    if (s.kind !== 'mutant') {
      const bad = here.filter((r) => r.status !== 'passed' && (!r.figures || !r.figures.passed));
      const worst = [...here].sort(worstFirst)[0];
      const scales = here.map((r) => r.figures?.scale).filter((x): x is number => x !== null && x !== undefined);
      const scale = scales.length && here.every((r) => r.figures) ? Math.max(...scales) : null;
      const advisory = s.advisory.includes(check.id);
      let verdict = 'passes';
      if (bad.length) {
        const b = [...bad].sort(worstFirst)[0];
        const what = b.figures?.value !== null && b.figures?.value !== undefined ? num(b.figures.value) : cell(b.message, 140);
        verdict = `${advisory ? 'fails (advisory check)' : '**FAILS**'} ${bad.length}/${here.length} (${where(b)}: ${what})`;
        const bar = b.figures && b.figures.metric !== 'property' ? ` (${barOf(check, b.figures)})` : '';
        (advisory ? verdicts.advisoryNotes : verdicts.variantFailures).push(`${packName} · \`${s.name}\` · ${check.id} · ${output}: case ${where(b)}, ${b.figures?.value != null ? 'value ' : ''}${what}${bar}`);
      }
      lines.push(`| ${label} | ${worst.figures ? num(worst.figures.value) : 'error'} | ${where(worst)} | ${num(scale)} | ${verdict} |`);
      continue;
    }
    // A mutant: the best figure among the cases where this output was what failed.
    const failed = here.filter((r) => r.status !== 'passed' && (!r.figures || !r.figures.passed));
    const caughtSeeds = seeds.filter((seed) => mine.some((r) => r.seed === seed && r.status !== 'passed'));
    const seedsNote = caughtSeeds.length === seeds.length ? `caught (${seeds.length}/${seeds.length} seeds)` : caughtSeeds.length ? `**caught under ${caughtSeeds.length}/${seeds.length} seeds only**` : '**PASSES**';
    if (caughtSeeds.length < seeds.length && output === firstOutput(check, rows, s.name)) {
      verdicts.mutantPasses.push(`${packName} · \`${s.name}\` · ${check.id}: passes under ${seeds.length - caughtSeeds.length}/${seeds.length} seeds`);
    }
    if (!failed.length) {
      const best = [...here].sort(worstFirst)[0];
      lines.push(`| ${label} | ${best?.figures ? num(best.figures.value) : '—'} | ${best ? where(best) : '—'} | ${num(best?.figures?.scale)} | ${caughtSeeds.length ? 'this output passes; ' : ''}${seedsNote} |`);
      continue;
    }
    const valued = failed.filter((r) => r.figures?.value !== null && r.figures?.value !== undefined);
    if (!valued.length) {
      const f = failed[0];
      lines.push(`| ${label} | ${f.figures ? (f.figures.metric === 'property' ? 'property' : 'shape') : 'error'} | ${where(f)} | — | ${seedsNote}: ${cell(f.message, 100)} |`);
      continue;
    }
    const best = [...valued].sort((a, b) => a.figures!.value! - b.figures!.value!)[0];
    const scales = valued.map((r) => r.figures!.scale).filter((v): v is number => v !== null);
    lines.push(`| ${label} | ${num(best.figures!.value)} | ${where(best)} | ${scales.length ? num(Math.min(...scales)) : '—'} | ${seedsNote} |`);
  }
  return lines;
}

/** The first output a subject's rows name for a check (a mutant's seed verdict is listed once). */
function firstOutput(check: CheckSpec, rows: Row[], subject: string): string | undefined {
  return outputsOf(check, rows.filter((r) => r.subject === subject))[0];
}

function outputsOf(check: CheckSpec, rows: Row[]): string[] {
  const seen: string[] = [];
  for (const r of rows) if (r.check === check.id && r.figures && !seen.includes(r.figures.output)) seen.push(r.figures.output);
  return seen;
}

/**
 * One line of the margins table: the worst valid program (the solution and the variants, on
 * checks they must pass) against the best-caught mutant, under the engine's metric and under the
 * scale figure. Errors and shape mismatches are left out of the mutants' side (no number to
 * set a bar from); a failing variant's error counts as infinitely bad.
 */
function marginLine(packName: string, check: CheckSpec, output: string, subjects: Subject[], rows: Row[]): string | undefined {
  const valid = new Set(subjects.filter((s) => s.kind !== 'mutant' && !s.advisory.includes(check.id)).map((s) => s.name));
  const mutants = new Set(subjects.filter((s) => s.kind === 'mutant').map((s) => s.name));
  const here = rows.filter((r) => r.check === check.id && (!r.figures || r.figures.output === output));
  const sample = here.find((r) => r.figures)?.figures;
  if (!sample || sample.metric === 'property') return undefined;
  const ofValid = here.filter((r) => valid.has(r.subject));
  const worstValue = Math.max(...ofValid.map((r) => r.figures?.value ?? Infinity));
  const worstScale = Math.max(...ofValid.map((r) => (r.figures ? r.figures.scale ?? Infinity : Infinity)));
  const caught = here.filter((r) => mutants.has(r.subject) && r.figures && !r.figures.passed && r.figures.value !== null);
  const bestValue = caught.length ? Math.min(...caught.map((r) => r.figures!.value!)) : null;
  const scales = caught.map((r) => r.figures!.scale).filter((v): v is number => v !== null);
  const bestScale = scales.length ? Math.min(...scales) : null;
  const bar = sample.bar;
  const ratio = (a: number | null, b: number) => (a === null || !Number.isFinite(b) || b === 0 ? null : a / b);
  const below = ratio(bar, worstValue), above = ratio(bestValue, bar);
  const mark = (r: number | null) => (r === null ? '—' : r < 100 ? `**${fmt(r)}x**` : `${fmt(r)}x`);
  const gap = bestScale === null ? '—' : worstScale === 0 ? 'inf' : `${fmt(bestScale / worstScale)}x`;
  return `| ${packName} | ${check.id} | ${output} | ${fmt(bar)} | ${num(worstValue === Infinity ? null : worstValue)} | ${mark(below)} | ${num(bestValue)} | ${mark(above)} | ${num(worstScale === Infinity ? null : worstScale)} | ${num(bestScale)} | ${gap} |`;
}

function report(measured: { pack: Pack; subjects: Subject[]; rows: Row[] }[], seeds: string[], environment: string): string {
  const verdicts: Verdicts = { variantFailures: [], mutantPasses: [], advisoryNotes: [] };
  const body: string[] = [];
  const margins = [
    '| pack | check | output | bar | worst valid | bar / worst valid | best-caught mutant | best mutant / bar | worst valid max\\|Δ\\|/max\\|e\\| | best mutant max\\|Δ\\|/max\\|e\\| | gap |',
    '|---|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const { pack, subjects, rows } of measured) {
    for (const check of pack.spec.checks) {
      for (const output of outputsOf(check, rows.filter((r) => r.check === check.id))) {
        const line = marginLine(pack.spec.name, check, output, subjects, rows);
        if (line) margins.push(line);
      }
    }
  }
  for (const { pack, subjects, rows } of measured) {
    const counts = (k: Kind) => subjects.filter((s) => s.kind === k).length;
    body.push(`## ${pack.spec.name}`, '', `The solution, ${counts('variant')} variants and ${counts('mutant')} mutants (training checks left out).`, '');
    for (const check of pack.spec.checks) {
      const mine = rows.filter((r) => r.check === check.id);
      if (!mine.length) continue;
      const outputs = outputsOf(check, mine);
      if (!outputs.length) outputs.push('(no comparison)');
      body.push(`### ${check.id} (${check.kind})`, '');
      for (const output of outputs) {
        const sample = mine.find((r) => r.figures?.output === output)?.figures;
        body.push(`#### ${output}: ${sample ? (sample.metric === 'property' ? 'property' : barOf(check, sample)) : '—'}`, '');
        body.push(...outputTable(check, output, subjects, rows, seeds, verdicts, pack.spec.name), '');
      }
    }
  }
  const head = [
    `Grade seeds: ${seeds.map((s) => `\`${s}\``).join(', ')}. ${environment}.`,
    '',
    'Columns: **value** is the engine\'s measured error (the comparison\'s `value`, what the bar is held against): for the solution and a variant the worst over seeds and cases, for a mutant the best (lowest) over the seeds and cases where this output failed. **at** is that case. **max|Δ|/max|e|** is max|got − expected| / max|expected| (the worst for the solution and variants, the lowest over failed cases for mutants). "error" is a case that raised; "shape" an output of the wrong shape.',
    '',
    '## Variants that fail today',
    '',
    ...(verdicts.variantFailures.length ? verdicts.variantFailures.map((l) => `- ${l}`) : ['none']),
    '',
    '## Variants failing a check they declare advisory (allowed: a note, no points lost, once the engine has advisory cases)',
    '',
    ...(verdicts.advisoryNotes.length ? verdicts.advisoryNotes.map((l) => `- ${l}`) : ['none']),
    '',
    '## Mutants that pass today (a declared check not failed under every seed)',
    '',
    ...(verdicts.mutantPasses.length ? verdicts.mutantPasses.map((l) => `- ${l}`) : ['none']),
    '',
    '## Margins per compared output',
    '',
    'Worst valid program (the solution and the variants that must pass the check; advisory checks left out) against the best-caught mutant (lowest value among the cases where that output failed; errors and shape mismatches left out). A margin under 100x is in bold. The last three columns are the same two sides under max|Δ|/max|e|, which has no bar today; gap is their ratio.',
    '',
    ...margins,
    '',
  ];
  return [...head, ...body].join('\n');
}

// ---- main ----

function argOf(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

async function main() {
  const seeds = Array.from({ length: Number(argOf('seeds') ?? 5) }, (_, i) => `calibration-${i + 1}`);
  const packs = argOf('pack') ? [argOf('pack')!] : PACKS;
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'dlgrade-variants-'));
  const log = (s: string) => process.stderr.write(`${s}\n`);
  try {
    const measured = [];
    for (const p of packs) {
      resolvePackDir(p);
      measured.push(await measurePack(p, seeds, scratch, log));
    }
    const python = await resolvePython(measured[0].pack.spec.python);
    const sandbox = (await resolveIsolation({ sandbox: !!(await findBubblewrap()), python: python.executable })).description;
    const modules = Object.entries(python.modules).map(([m, v]) => `${m} ${v}`).join(', ');
    const text = report(measured, seeds, `Python ${python.python} (${python.executable}; ${modules}). Isolation: ${sandbox}`);
    const out = argOf('out');
    if (out) fs.writeFileSync(out, `${text}\n`);
    else process.stdout.write(`${text}\n`);
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}

await main();
