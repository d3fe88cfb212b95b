/**
 * The assignment spec as the rest of the harness sees it: `assignment.yaml` after validation
 * against assignment.schema.json. Keep the two in step; the schema is what the docs cite.
 */
import type { DType } from '../tensor/tensor.ts';
import type { PythonOpSpec } from '../../reference/python/ops.ts';

/**
 * compare, gradient and step compare outputs with the reference; property checks laws; answer
 * reads answers.yaml; residual evaluates what the student returned (a fitted theta) with the
 * reference and measures how far it is from the data.
 */
export type CheckKind = 'compare' | 'gradient' | 'property' | 'step' | 'answer' | 'residual' | 'train';

export type InputSpec =
  | number
  | boolean
  /** A Python str for the probe (a device name, a class name): never an array, never seen by the reference. */
  | string
  | unknown[]
  | {
      value?: unknown;
      linspace?: [number, number];
      randn?: number[];
      uniform?: [number, number];
      randint?: [number, number];
      choice?: unknown[];
      piecewise_linear?: { points: number; kinks: number };
      shape?: number[];
      scale?: number;
      shift?: number;
      transpose?: boolean;
      dtype?: DType;
    };

export interface CaseSpec {
  name: string;
  hidden?: boolean;
  inputs?: Record<string, InputSpec>;
  /** This case's share of the check's points (see verdict.ts casePoints). */
  points?: number;
  /** Graded and shown, never scored: behaviour the course never asks for. */
  advisory?: boolean;
  /** Said when the case does not pass. */
  say?: string;
}

export interface StepSpec {
  op: string;
  in?: Record<string, string | number>;
  out?: Record<string, string>;
  /** Set by the loader where `op` is one of the pack's Python reference ops (reference_ops). */
  python?: PythonOpSpec;
}

export interface ComparisonSpec {
  output: string;
  actual?: string;
  expected?: string | string[];
  rel_error?: number;
  /** max |got - expected| / max |expected|. */
  scaled_error?: number;
  abs_error?: number;
  sum_abs?: number;
  rel_or_abs?: [number, number];
  label?: string;
  /** Said when this comparison fails. */
  say?: string;
  /** Where the bar comes from: the course's stated tolerance, or calibration. */
  source?: 'course' | 'calibration';
  /** Why the bar's margin to a valid variant or a caught mutant is under 100x. */
  narrow?: string;
  /** Said instead of "nothing was returned" when the probe leaves this output out on purpose. */
  missing?: string;
  mistakes?: { expected: string; say: string }[];
  /** Accept a shape that differs from the expected one only in axes of length 1, such as (1, D) for (D,). */
  broadcast?: boolean;
}

export interface PropertySpec {
  assert: string;
  args?: Record<string, string | number | boolean>;
  say?: string;
}

export interface AnswerSpec {
  key: string;
  type: 'number' | 'numbers' | 'yesno' | 'expression';
  variable?: string;
  equals?: string[];
  points_at?: [number, number];
}

/** A train check's data and budget (see assignment.schema.json, definitions.train). */
export interface TrainSpec {
  data: 'fashion-mnist';
  layout?: 'flat' | 'hw' | 'nhwc' | 'nhwc32x3';
  examples: number;
  held_out?: number;
  epochs: number;
  seconds: number;
  curves?: CurveSpec[];
}

/** A probe output drawn as a curve in the report. */
export interface CurveSpec {
  output: string;
  label?: string;
  /** Curves with the same plot are drawn on one (the plot's title); the others get one each. */
  plot?: string;
  /** The output holds one value every `every` steps: value i is drawn at x = (i + 1) * every. */
  every?: number;
}

/** The values a train check's case gets from the data set; its own inputs may not reuse them. */
export const TRAIN_VALUES = ['train_images', 'train_labels', 'test_images', 'test_labels', 'classes', 'epochs'] as const;

export interface NotebookSpec {
  module: string;
  files?: string[];
  /** Run it top to bottom before any check, within `seconds` (default 120). */
  execute?: boolean;
  seconds?: number;
  /** The shape of values recorded after each executed cell. */
  record?: number[];
}

export interface CheckSpec {
  id: string;
  title: string;
  kind: CheckKind;
  points: number;
  probe?: string;
  /** Declarative probe: calls of the student's functions (harness/spec/call.ts), instead of a probe file. */
  call?: string | string[];
  answer?: AnswerSpec;
  hint?: string;
  /** Runner tags the check needs (e.g. gpu); elsewhere it is skipped with the reason. */
  requires?: string[];
  cases: CaseSpec[];
  /** Points only when every scored case passes (default: credit per case). */
  all_or_nothing?: boolean;
  expect?: StepSpec[];
  compare?: ComparisonSpec[];
  properties?: PropertySpec[];
  train?: TrainSpec;
  parity?: ParitySpec;
  selfcheck?: SelfCheckSpec;
  /** Modules or functions this check forbids besides the pack's (see AssignmentSpec.forbid). */
  forbid?: string[];
}

/**
 * The same training on two devices (see assignment.schema.json, definitions.parity): the grader
 * times each case's training request itself, after an untimed warm_up, and compares.
 */
export interface ParitySpec {
  fast: string;
  slow: string;
  speedup: number;
  accuracy_gap: number;
}

/**
 * For a failed gradient check: set the student's backward against directional derivatives of
 * their own forward (the probe's forward(inputs)), to tell a wrong backward from a wrong forward.
 */
export interface SelfCheckSpec {
  /** The output of forward(inputs) to differentiate. */
  output: string;
  /** The input holding the upstream gradient. */
  dout: string;
  /** Input name → the student's gradient output for it. */
  wrt: Record<string, string>;
}

export interface PythonSpec {
  interpreters?: string[];
  requires?: Record<string, string>;
  path?: string[];
  /** Restore names numpy has since removed (np.float, np.NaN, ...): see harness/worker/numpy_compat.py. */
  legacy_numpy_names?: boolean;
}

/** Where a MATLAB pack's hand-ins run: the Octave interpreters to try, in order. */
export interface OctaveSpec {
  interpreters?: string[];
}

/**
 * The files a hand-in is graded on (globs from the submission's root, picomatch syntax): copied
 * into the workspace first and always, each within the graded-file cap. Everything else is
 * copied only as far as the workspace's limits allow (see runner/workspace.ts).
 */
export interface SubmissionSpec {
  files?: string[];
}

/** Which driver runs a pack's hand-ins. */
export type Language = 'python' | 'octave';

export interface Limits {
  check_seconds: number;
  submission_seconds: number;
  output_bytes: number;
  /** Address space of each of the student's processes (RLIMIT_AS). */
  memory_bytes: number;
  /** Processes and threads the student's code may have at once. */
  processes: number;
  /** Largest file the student's code may write. */
  file_bytes: number;
}

export interface AssignmentSpec {
  name: string;
  title: string;
  description?: string;
  /** The driver that runs the hand-ins (default python). */
  worker?: Language;
  /** Required for a Python pack; a pack whose worker is octave names its Octave instead. */
  python: PythonSpec;
  octave?: OctaveSpec;
  limits?: Partial<Limits>;
  answers_file?: string;
  notebook?: NotebookSpec;
  /** The due date and late-penalty rule (grade's --due, --grace, --penalty, --penalty-cap override it). */
  due?: DueSpec;
  /**
   * Modules (torch, scipy.signal) or functions (scipy.special.softmax) the hand-in may not use
   * in any check: a use while a check runs fails it, an import alone is a note. Python packs only.
   */
  forbid?: string[];
  submission?: SubmissionSpec;
  /** The pack's Python reference ops: name → call of a function in its reference/ folder. */
  reference_ops?: Record<string, string>;
  /** Set in a student edition (`dlgrade assign`): see EditionSpec. */
  edition?: EditionSpec;
  checks: CheckSpec[];
}

/** As written in assignment.yaml: the same words as grade's options. */
export interface DueSpec {
  /** ISO 8601 with a time zone, e.g. "2026-10-01T23:59:00Z" (quoted in YAML). */
  date?: string;
  /** e.g. "15m", "2h", "0". */
  grace?: string;
  /** e.g. "10%/day" or "2%/hour". */
  penalty?: string;
  /** e.g. "50%". */
  cap?: string;
}

/**
 * A student edition's spec: published cases only, whose expected values are read from .npz files
 * (`expected`) instead of being computed; what runs only at grading time (hidden cases, written
 * answers) is listed, with its points, so a student's check can say so.
 */
export interface EditionSpec {
  kind: 'student';
  expected: string;
  at_grading?: { check: string; title: string; points: number; reason: string }[];
}

/** A loaded pack: the spec plus where its files are. */
export interface Pack {
  spec: AssignmentSpec;
  /** Absolute folder of the pack. */
  dir: string;
  limits: Limits;
  /** Absolute path of each probe by name. */
  probes: Record<string, string>;
  /** The pack's Python reference ops (reference_ops), resolved. */
  pythonOps?: Record<string, PythonOpSpec>;
  /** A student edition's folder of published expected values (absolute): judged from those. */
  expectedDir?: string;
}

export const DEFAULT_LIMITS: Limits = {
  check_seconds: 30,
  submission_seconds: 600,
  output_bytes: 64 * 1024,
  // numpy with one BLAS thread reserves ~250 MB of address space; 2 GiB leaves room for real work.
  memory_bytes: 2 * 1024 ** 3,
  processes: 64,
  file_bytes: 64 * 1024 ** 2,
};

/**
 * What a hand-in is graded on when its pack names nothing: its code, notebooks, written answers
 * and notes, in the language its worker runs. Data sets, virtual environments and whatever else
 * a repository holds are not in it.
 */
export const DEFAULT_SUBMISSION_FILES: Record<Language, readonly string[]> = {
  python: ['**/*.py', '**/*.ipynb', '**/*.yaml', '**/*.yml', '**/*.md'],
  octave: ['**/*.m', '**/*.yaml', '**/*.yml', '**/*.md'],
};

/**
 * The globs of the files a pack's hand-ins are graded on: the pack's `submission.files` (else the
 * default of its language), and always the files the grader itself reads: the written answers
 * and the notebook (whose patterns, like Python's fnmatch, match at any depth).
 */
export function gradedFiles(spec: AssignmentSpec): string[] {
  const own = spec.submission?.files ?? DEFAULT_SUBMISSION_FILES[spec.worker ?? 'python'];
  const nb = spec.notebook
    ? [...(spec.notebook.files ?? ['*.ipynb']).flatMap((p) => (p.includes('/') ? [p] : [p, `**/${p}`])), `${spec.notebook.module}.py`]
    : [];
  return [...new Set([...own, spec.answers_file ?? 'answers.yaml', ...nb])];
}
