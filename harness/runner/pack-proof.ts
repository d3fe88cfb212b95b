/**
 * The proof a pack must pass before it grades anyone (`dlgrade pack test`, and the test suite
 * for every shipped pack): the solution scores full marks, the starter scores zero without a
 * crash and with a message on every check, each mutant fails every check it declares with a
 * scored failure (under every seed), each valid variant gets full marks on the checks it
 * declares, and every calibrated bar has 100x margin on both sides unless the pack says why (an
 * output no mutant reaches has no measured upper margin: calibrate flags it, the proof does not).
 */
import path from 'node:path';
import { type Graded, type OutputCalibration, calibrate } from '../results/calibration.ts';
import type { SubmissionResult } from '../results/types.ts';
import { loadMutants } from '../spec/mutants.ts';
import { MarkerError, starterDrift } from '../spec/starter.ts';
import type { Pack } from '../spec/types.ts';
import { type CalibrationRun, gradeForCalibration } from './calibrate.ts';
import { gradeSubmission } from './submission.ts';

export const PROOF_SEEDS = ['calibration-1', 'calibration-2', 'calibration-3'];
/** How far from a bar correct code and caught mutants must stay. */
export const MARGIN = 100;

export interface PackProof {
  problems: string[];
  solution: SubmissionResult;
  starter?: SubmissionResult;
  calibration: OutputCalibration[];
  graded: Graded[];
}

/** The pack's own reason why an output's margin may be under 100x (`narrow:` on its comparison). */
export function narrowNote(pack: Pack): (check: string, output: string) => string | undefined {
  return (check, output) => pack.spec.checks.find((c) => c.id === check)?.compare?.find((k) => (k.label ?? k.output) === output)?.narrow;
}

/**
 * For the pack's author only (a student's message stays as compare.ts words it): correct code
 * whose shape differs only in a leading axis of length 1 passes where the comparison says broadcast: true.
 */
const broadcastAdvice = (message: string) =>
  /differs only in a leading axis of length 1/.test(message) ? ' [if the course accepts that shape, add broadcast: true to that comparison]' : '';

const pending = (r: SubmissionResult, id: string) => r.checks.find((c) => c.id === id)?.status === 'skipped';

export async function provePack(pack: Pack, run: Omit<CalibrationRun, 'submissions'>): Promise<PackProof> {
  const problems: string[] = [];
  try {
    for (const f of starterDrift(pack.dir)) problems.push(`${f} is not what solution/'s BEGIN/END SOLUTION markers give (run: dlgrade pack starter ${pack.dir})`);
  } catch (e) {
    if (!(e instanceof MarkerError)) throw e;
    problems.push(`solution markers: ${e.message}`);
  }
  const grading = { ...run.grading, seed: run.seeds[0] };
  const solution = await gradeSubmission(pack, path.join(pack.dir, 'solution'), { ...grading, name: 'solution' });
  for (const c of solution.checks) {
    if (c.status !== 'passed' && c.status !== 'skipped') problems.push(`solution: ${c.id} ${c.status}: ${c.message}${broadcastAdvice(c.message)}`);
  }
  let starter: SubmissionResult | undefined;
  if (pack.spec.checks.length) {
    starter = await gradeSubmission(pack, path.join(pack.dir, 'starter'), { ...grading, name: 'starter' });
    for (const c of starter.checks) {
      if (c.status === 'skipped') continue;
      if (c.score > 0) problems.push(`starter: ${c.id} scores ${c.score} (a starter must score nothing)`);
      if (c.status === 'timeout') problems.push(`starter: ${c.id} timed out (a starter must fail at once): ${c.message}`);
      if (c.message.length <= 10) problems.push(`starter: ${c.id} says too little: "${c.message}"`);
    }
  }
  const graded = await gradeForCalibration(pack, run);
  const messages = new Map(loadMutants(pack.dir).map((m) => [m.name, m.message ?? {}]));
  for (const g of graded) {
    for (const id of g.checks ?? []) {
      const c = g.result.checks.find((k) => k.id === id);
      if (!c || pending(g.result, id)) continue;
      if (g.role === 'mutant') {
        // Caught only by a scored failure: an advisory note or a skipped case catches nothing.
        if (c.score >= c.max_score) problems.push(`mutant ${g.name} is not caught by ${id} (seed ${g.seed}): ${c.message}`);
        const pattern = messages.get(g.name)?.[id];
        if (pattern && !new RegExp(pattern).test(c.message)) problems.push(`mutant ${g.name}: ${id}'s message does not match /${pattern}/: ${c.message}`);
      } else if (g.role === 'variant' && c.score < c.max_score) {
        problems.push(`variant ${g.name} loses points on ${id} (seed ${g.seed}): ${c.message}${broadcastAdvice(c.message)}`);
      }
    }
  }
  const calibration = calibrate(graded);
  const narrow = narrowNote(pack);
  for (const o of calibration) {
    // An exact comparison (a count, a shape, a yes/no) has no margin to set.
    if (narrow(o.check, o.output) || o.bar === 0) continue;
    const where = `${o.check} · ${o.output} (${o.metric} bar ${o.bar})`;
    if (o.marginBelow !== null && o.marginBelow < MARGIN) problems.push(`${where}: correct code at ${o.worstValid} is only ${o.marginBelow.toPrecision(2)}x below the bar (say why in narrow:, or move the bar)`);
    if (o.marginAbove !== null && o.marginAbove < MARGIN) problems.push(`${where}: a caught mutant at ${o.bestCaught} is only ${o.marginAbove.toPrecision(2)}x above the bar (say why in narrow:, or move the bar)`);
  }
  return { problems, solution, starter, calibration, graded };
}
