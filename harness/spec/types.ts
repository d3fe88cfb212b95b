/**
 * The assignment spec as the rest of the harness sees it: `assignment.yaml` after validation
 * against assignment.schema.json. Keep the two in step; the schema is what the docs cite.
 */
import type { DType } from '../tensor/tensor.ts';

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
  /** Set in a student edition (`dlgrade assign`): see EditionSpec. */
  edition?: EditionSpec;
  checks: CheckSpec[];
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
