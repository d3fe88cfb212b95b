/**
 * One case of a check that runs a probe: its inputs written into the workspace, the probe run
 * by the submission's worker, the outputs read back, and the verdict (checks/verdict.ts) with,
 * for a failed gradient, the self-check's diagnosis.
 */
import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { publishedExpected } from '../checks/fixtures.ts';
import { textInputs } from '../checks/inputs.ts';
import { type CaseValues, caseValues } from '../checks/memo.ts';
import { selfCheckNote, selfCheckPoints } from '../checks/selfcheck.ts';
import type { Values } from '../checks/expect.ts';
import { type GatheredCase, caseResult, judged, judgedTraining, missingOutputs, readsValue } from '../checks/verdict.ts';
import { type TrainData, isByteArray, trainData } from '../data/train.ts';
import type { Timer } from '../results/profile.ts';
import type { CaseResult } from '../results/types.ts';
import type { CaseSpec, CheckSpec, Pack } from '../spec/types.ts';
import { writeNpy, writeNpyBytes } from '../tensor/npy.ts';
import { forbiddenIn } from '../spec/load.ts';
import { forbiddenMessage, forbiddenNoteLines } from '../worker/forbid.ts';
import { readOutputs } from '../worker/outputs.ts';
import { type StretchedLimit, type TimeLimit, limitSeconds, remainingLimit } from '../worker/cpu-wait.ts';
import type { Worker } from '../worker/worker.ts';
import { callProbeFile } from './call-probe.ts';
import { profileRun } from './timing.ts';
import type { Workspace } from './workspace.ts';
import type { WorkerSlot } from './worker-slot.ts';

/** What every case of one submission shares. */
export interface SubmissionRun {
  pack: Pack;
  seed: string;
  /** Where train checks read their data set (see GradeOptions.data). */
  data?: string;
  ws: Workspace;
  slot: WorkerSlot;
  prof: Timer;
  /** Numbers each request's input and output folders. */
  requests: number;
}

export async function runProbeCase(run: SubmissionRun, check: CheckSpec, c: CaseSpec, limit: TimeLimit): Promise<GatheredCase> {
  const timeoutSeconds = limitSeconds(limit);
  const t0 = Date.now();
  const seconds = () => (Date.now() - t0) / 1000;
  const { pack, ws, prof } = run;
  const preparing = performance.now();
  let memo: CaseValues;
  let train: TrainData | undefined;
  try {
    memo = caseValues(check, c, run.seed);
    if (check.train) {
      // Each case draws its own examples, except where cases compare devices: those train on the same.
      const draw = check.parity ? check.id : `${check.id}/${c.name}`;
      train = trainData(check.train, c.hidden ? `${run.seed}/${draw}` : `published/${draw}`, run.data);
      run.slot.notes.add(`training data: ${train.data.name}, ${train.data.source}`);
    }
  } catch (e) {
    throw new Error(`${pack.spec.name}: ${(e as Error).message}`); // a spec error, not the student's
  }
  const inputs = memo.inputs;
  const n = ++run.requests;
  const inDir = path.join(ws.inputs, String(n));
  // A name the student cannot guess in advance, so they cannot have put anything there.
  const outDir = path.join(ws.outputs, `${n}-${randomBytes(6).toString('hex')}`);
  const files = writeInputs(inDir, memo, train);
  prof.add('inputs', (performance.now() - preparing) / 1000);
  const w = await run.slot.get();
  if (typeof w === 'string') return caseResult(c, 'error', w, seconds());
  const probe = check.call
    ? path.join(ws.grader, 'probes', callProbeFile(check))
    : path.join(ws.grader, 'probes', path.relative(path.join(pack.dir, 'probes'), pack.probes[check.probe!]));
  const text = textInputs(c);
  if (check.parity) {
    // Device start-up (a CUDA context, cuDNN) before the timed run, so it is not counted.
    const warm = await w.run(probe, files, `${outDir}-warm`, remainingLimit(limit, seconds()), { text, entry: 'warm_up' });
    if (warm.status !== 'ok') {
      const why = warm.status === 'error' ? warm.error.message : warm.status === 'died' ? warm.message : 'it ran out of time';
      return caseResult(c, warm.status === 'timeout' ? 'timeout' : 'error', `warming up the device failed: ${why}`, seconds());
    }
  }
  // The limit is wall time, starting a fresh worker included: a check never runs past it.
  const sent = performance.now();
  const forbid = forbiddenIn(pack.spec, check);
  const outcome = await w.run(probe, files, outDir, remainingLimit(limit, seconds()), { text, forbid });
  profileRun(prof, outcome, (performance.now() - sent) / 1000);
  if (outcome.status === 'ok' || outcome.status === 'error') {
    for (const n of forbiddenNoteLines(outcome.forbiddenNotes)) run.slot.notes.add(n);
    // Whatever the code returned or raised afterwards: the use itself fails the case.
    if (outcome.forbidden?.length) return caseResult(c, 'failed', forbiddenMessage(outcome.forbidden), seconds());
  }
  switch (outcome.status) {
    case 'timeout':
      if (check.train && timeoutSeconds >= check.train.seconds - 1) {
        const { examples, epochs } = check.train;
        return caseResult(c, 'timeout', `training exceeded its budget of ${check.train.seconds} s and was stopped (${examples} examples, ${epochs} epoch${epochs === 1 ? '' : 's'})`, seconds());
      }
      {
        // Time it spent waiting for a busy machine's CPU was added to the limit, and is said.
        const waited = (outcome.waited ?? 0) >= 0.5 ? ` (plus ${outcome.waited!.toFixed(1)} s it waited for the CPU)` : '';
        return caseResult(c, 'timeout', `stopped after ${timeoutSeconds.toFixed(0)} s${waited}: an infinite loop, or far too slow?`, seconds());
      }
    case 'died':
      return caseResult(c, 'error', outcome.message, seconds());
    case 'error':
      return { ...caseResult(c, 'error', outcome.error.message, seconds()), ...(outcome.error.traceback ? { traceback: outcome.error.traceback } : {}) };
  }
  const broken = missingOutputs(check, c, outcome.outputs, outcome.problems ?? {}, outcome.failedSteps ?? [], seconds());
  if (broken) return broken;
  const reading = performance.now();
  const got = readOutputs(outDir, outcome.outputs, outcome.inline);
  if (typeof got === 'string') return caseResult(c, 'error', got, seconds());
  prof.add('outputs read', (performance.now() - reading) / 1000);
  if (train) {
    const values = trainingValues(check, inputs, train);
    return { ...prof.time('comparison', () => judgedTraining(check, c, values, got, seconds())), timed: outcome.seconds };
  }
  const took = seconds();
  const steps = prof.time('reference', () => stepsOrNone(memo));
  // A student edition has no reference steps but those reading the outputs: the published
  // expected values stand for the others, and like their outputs they replace an input of the
  // same name (an optimizer's new weights).
  const known = pack.expectedDir ? { ...inputs, ...publishedExpected(pack.expectedDir, check, c) } : inputs;
  const result = prof.time('comparison', () => judged(check, c, known, got, took, steps));
  if (result.status === 'failed' && check.selfcheck && w.alive) {
    const note = await prof.timeAsync('self-check', () => selfCheck(check, inputs, inDir, probe, files, got, result, w, atLeastOneSecond(remainingLimit(limit, seconds()))));
    if (note) result.message += ` — ${note}`;
  }
  return result;
}

/** The case's inputs as .npy files; held-out labels (train.kept) are never written. */
function writeInputs(inDir: string, memo: CaseValues, train: TrainData | undefined): Record<string, string> {
  fs.mkdirSync(inDir);
  const files: Record<string, string> = {};
  const { inputs } = memo;
  for (const [name, t] of Object.entries({ ...inputs, ...train?.sent })) {
    files[name] = path.join(inDir, `${name}.npy`);
    if (isByteArray(t)) writeNpyBytes(files[name], t.shape, t.bytes);
    else if (inputs[name] === t) fs.writeFileSync(files[name], memo.npy(name));
    else writeNpy(files[name], t);
  }
  return files;
}

/** What a train check is judged on: its inputs, what the data sent, and what only the grader keeps. */
function trainingValues(check: CheckSpec, inputs: Values, train: TrainData): Values {
  const values: Values = { ...inputs, ...train.kept };
  for (const [name, t] of Object.entries(train.sent)) if (!isByteArray(t)) values[name] = t;
  // Held-out images as an array only where a reference step evaluates returned parameters on them.
  if (readsValue(check, 'test_images')) values.test_images = train.testImages();
  return values;
}

/** Failing steps (a spec not proved by a batch's preflight) run again in judged, which says why. */
function stepsOrNone(memo: CaseValues): readonly (Values | undefined)[] | undefined {
  try {
    return memo.steps();
  } catch {
    return undefined;
  }
}

async function selfCheck(
  check: CheckSpec, inputs: Values, inDir: string, probe: string,
  files: Record<string, string>, got: Values, failed: CaseResult, w: Worker, timeoutSeconds: TimeLimit,
): Promise<string | undefined> {
  const spec = check.selfcheck!;
  const points = selfCheckPoints(spec, inputs, got, failed);
  if (!points.length) return undefined;
  const directions: Record<string, string> = {};
  for (const p of points) {
    directions[p.input] = path.join(inDir, `direction_${p.input}.npy`);
    writeNpy(directions[p.input], p.direction);
  }
  const outcome = await w.selfCheck(probe, files, directions, spec.output, spec.dout, 1e-6, timeoutSeconds);
  if (outcome.status !== 'ok') return undefined; // a diagnostic must never cost the student more
  return selfCheckNote(spec, points, outcome.values, got);
}

/** A self-check explains a failure already found: it gets a second even when the check's time is nearly gone. */
function atLeastOneSecond(l: StretchedLimit): StretchedLimit {
  return { seconds: Math.max(1, l.seconds), most: Math.max(1, l.most) };
}
