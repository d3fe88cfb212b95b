/**
 * Where each bar sits among the submissions it must separate: the pack's solution and valid
 * variants (correct code, which must pass), its mutants (planted bugs, which must fail) and,
 * when an instructor gives them, real hand-ins. Computed from results alone: every figure is a
 * comparison's measured value, the number the bar was held against when the submission was
 * graded. `dlgrade calibrate` prints it and draws it (reports/calibration-html.ts).
 */
import type { Metric, SubmissionResult } from './types.ts';

/** What a graded submission is to calibration. */
export type Role = 'solution' | 'variant' | 'mutant' | 'real';

export interface Graded {
  role: Role;
  name: string;
  /** The seed it was graded under (hidden cases differ by seed). */
  seed: string;
  result: SubmissionResult;
  /** Variants: the checks it must pass; mutants: the checks it must fail. Absent: every check. */
  checks?: string[];
  /** Variants: checks where only advisory cases may fail. */
  advisory?: string[];
}

/** One submission's figure on one output: the worst over the cases of one grading. */
export interface Point {
  role: Role;
  name: string;
  seed: string;
  /** The measured error (Infinity: a wrong shape or nothing returned). */
  value: number;
  passed: boolean;
}

export interface OutputCalibration {
  check: string;
  output: string;
  metric: Metric;
  bar: number;
  points: Point[];
  /** The largest error of correct code (solution and variants); 0 when all are exact. */
  worstValid: number | null;
  /** The smallest error of a mutant caught on this output (its weakest seed). */
  bestCaught: number | null;
  /** bar / worstValid and bestCaught / bar: how far the bar is from each side. */
  marginBelow: number | null;
  marginAbove: number | null;
  /** The middle (geometric) of the gap between correct code and caught mutants, if there is one. */
  proposed: number | null;
  /** What an instructor should look at: correct code or a real hand-in within 10x of the bar, a mutant within 10x. */
  flags: string[];
}

/** The metrics calibration reads: those with an expected array (properties have their own laws). */
const CALIBRATED = new Set<string>(['rel_error', 'scaled_error', 'abs_error', 'sum_abs', 'rel_or_abs']);
export const NEAR = 10;

const key = (check: string, output: string) => `${check}\u0000${output}`;

/** Every compared output of every check the submissions were graded on, with its points. */
export function calibrate(graded: Graded[]): OutputCalibration[] {
  const outputs = new Map<string, OutputCalibration>();
  for (const g of graded) {
    for (const c of g.result.checks) {
      if (g.checks && !g.checks.includes(c.id)) continue;
      const advisoryOnly = g.role === 'variant' && g.advisory?.includes(c.id);
      const worst = new Map<string, { value: number; passed: boolean }>();
      for (const k of c.cases) {
        // An advisory case may fail correct code: it says nothing about the bar.
        if (k.advisory && (g.role !== 'mutant' || advisoryOnly)) continue;
        for (const cmp of k.comparisons) {
          if (!CALIBRATED.has(cmp.metric)) continue;
          const id = key(c.id, cmp.output);
          if (!outputs.has(id)) outputs.set(id, empty(c.id, cmp.output, cmp.metric as Metric, cmp.bar));
          const value = cmp.value === null ? Infinity : cmp.value;
          const was = worst.get(id);
          worst.set(id, { value: Math.max(was?.value ?? -Infinity, value), passed: (was?.passed ?? true) && cmp.passed });
        }
      }
      for (const [id, w] of worst) outputs.get(id)!.points.push({ role: g.role, name: g.name, seed: g.seed, value: w.value, passed: w.passed });
    }
  }
  return [...outputs.values()].map(summarize);
}

function empty(check: string, output: string, metric: Metric, bar: number): OutputCalibration {
  return { check, output, metric, bar, points: [], worstValid: null, bestCaught: null, marginBelow: null, marginAbove: null, proposed: null, flags: [] };
}

function summarize(o: OutputCalibration): OutputCalibration {
  const valid = o.points.filter((p) => p.role === 'solution' || p.role === 'variant');
  const worstValid = valid.length ? Math.max(...valid.map((p) => p.value)) : null;
  // A mutant counts on this output where some seed catches it here; its figure is its weakest seed.
  const byMutant = new Map<string, Point[]>();
  for (const p of o.points) if (p.role === 'mutant') byMutant.set(p.name, [...(byMutant.get(p.name) ?? []), p]);
  const caught = [...byMutant.values()].filter((ps) => ps.some((p) => !p.passed)).map((ps) => Math.min(...ps.map((p) => p.value)));
  const bestCaught = caught.length ? Math.min(...caught) : null;
  const marginBelow = worstValid === null ? null : worstValid === 0 ? Infinity : o.bar / worstValid;
  const marginAbove = bestCaught === null ? null : o.bar === 0 ? Infinity : bestCaught / o.bar;
  let proposed: number | null = null;
  if (worstValid !== null && bestCaught !== null && bestCaught > worstValid) {
    // With exact correct code the gap has no lower end: stay three decades under the mutants.
    proposed = worstValid > 0 ? Math.sqrt(worstValid * bestCaught) : Number.isFinite(bestCaught) ? bestCaught / 1000 : null;
  }
  const flags: string[] = [];
  const fmt = (v: number) => (Number.isFinite(v) ? v.toExponential(1) : String(v));
  for (const p of valid) if (p.value > o.bar / NEAR) flags.push(`${p.role} ${p.name} at ${fmt(p.value)} (seed ${p.seed}) is within ${NEAR}x below the bar${p.passed ? '' : ', and fails it'}`);
  for (const p of o.points.filter((x) => x.role === 'real')) {
    if (p.passed && p.value > o.bar / NEAR) flags.push(`real hand-in ${p.name} passes at ${fmt(p.value)}, within ${NEAR}x below the bar: look at it`);
    if (!p.passed && p.value < o.bar * NEAR) flags.push(`real hand-in ${p.name} fails at ${fmt(p.value)}, within ${NEAR}x above the bar: look at it`);
  }
  if (bestCaught === null && o.bar > 0) flags.push('no mutant is caught on this output: nothing shows the bar is tight enough');
  for (const [name, ps] of byMutant) {
    const weakest = Math.min(...ps.map((p) => p.value));
    if (ps.some((p) => !p.passed) && weakest < o.bar * NEAR) flags.push(`mutant ${name} at ${fmt(weakest)} is within ${NEAR}x above the bar${ps.every((p) => !p.passed) ? '' : ' (and passes under some seed)'}`);
  }
  return { ...o, worstValid, bestCaught, marginBelow, marginAbove, proposed, flags };
}
