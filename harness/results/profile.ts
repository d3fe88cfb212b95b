/**
 * Where a run's time goes (`grade --profile`). One collector is handed down through the options
 * and each stage reports into it under a named phase, so the timing lives at a handful of call
 * sites instead of being scattered through the code it measures. Phases of submissions graded
 * side by side overlap: their sums can exceed the wall time, which the report states.
 */

/** Every phase, in the order a run meets them; the report keeps this order. */
export const PHASES = {
  'cli start': 'node and the grader\'s modules loading, before the command runs',
  'pack load': 'reading and validating assignment.yaml',
  'python resolve': 'finding the interpreter and its module versions',
  'sandbox check': 'finding bubblewrap and its trial run',
  preflight: 'building every case\'s inputs and reference steps once, before anyone is graded',
  'cache keys': 'hashing submissions, the pack and the grader for the result cache',
  'cache lookups': 'reading cached results',
  'cache stores': 'writing results into the cache',
  workspace: 'copying the submission into its scratch workspace',
  'worker start': 'starting the worker: sandbox, interpreter, numpy (until its hello)',
  notebook: 'running an executed notebook top to bottom (its own budget)',
  'worker imports': 'loading probes and, through them, the student\'s modules (inside the worker)',
  inputs: 'building the cases\' inputs and writing them as .npy',
  'worker arrays': 'the worker reading inputs and writing outputs as .npy',
  'student compute': 'the student\'s own code running (the probes\' run, inside the worker)',
  'round trips': 'request to reply, less what the worker reports doing (its folders, pipes, scheduling)',
  'outputs read': 'reading and checking the outputs the worker wrote',
  reference: 'expected values from the reference (memoized per check, case and seed)',
  comparison: 'comparing outputs, properties, and reference steps that read the student\'s outputs',
  'self-check': 'diagnosing failed gradients against the student\'s own forward',
  'worker stop': 'closing the worker and removing the workspace',
  'reports (submissions)': 'writing each submission\'s result.json and reports',
  'reports (batch)': 'writing index.html and gradebook.csv',
} as const;

export type Phase = keyof typeof PHASES;

export interface PhaseTotal {
  phase: Phase;
  seconds: number;
  count: number;
  describe: string;
}

export interface ProfileData {
  /** Wall-clock seconds from the process start to the report. */
  wall_seconds: number;
  jobs: number;
  submissions: { graded: number; cached: number; kept: number };
  phases: PhaseTotal[];
}

/** What the code being timed sees: also implemented by NO_PROFILE, which only runs the work. */
export interface Timer {
  add(phase: Phase, seconds: number, count?: number): void;
  time<T>(phase: Phase, work: () => T): T;
  timeAsync<T>(phase: Phase, work: () => Promise<T>): Promise<T>;
}

const now = () => performance.now() / 1000;

export class Profile implements Timer {
  private totals = new Map<Phase, { seconds: number; count: number }>();
  readonly submissions = { graded: 0, cached: 0, kept: 0 };

  add(phase: Phase, seconds: number, count = 1) {
    const t = this.totals.get(phase) ?? { seconds: 0, count: 0 };
    t.seconds += Math.max(0, seconds);
    t.count += count;
    this.totals.set(phase, t);
  }

  time<T>(phase: Phase, work: () => T): T {
    const t0 = now();
    try {
      return work();
    } finally {
      this.add(phase, now() - t0);
    }
  }

  async timeAsync<T>(phase: Phase, work: () => Promise<T>): Promise<T> {
    const t0 = now();
    try {
      return await work();
    } finally {
      this.add(phase, now() - t0);
    }
  }

  data(jobs: number): ProfileData {
    const phases = (Object.keys(PHASES) as Phase[]).flatMap((phase) => {
      const t = this.totals.get(phase);
      return t ? [{ phase, seconds: t.seconds, count: t.count, describe: PHASES[phase] }] : [];
    });
    // performance.now() counts from the process's start, node's own start-up included.
    return { wall_seconds: now(), jobs, submissions: { ...this.submissions }, phases };
  }
}

export const NO_PROFILE: Timer = {
  add() {},
  time: (_phase, work) => work(),
  timeAsync: (_phase, work) => work(),
};
