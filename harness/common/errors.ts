/**
 * The one base class of every error that is the user's to fix (a usage mistake, a broken spec, a
 * missing interpreter, an unreadable file): the command line prints its message, without a stack,
 * and exits with its code. Any other error is the grader's own bug and keeps its stack.
 */
export class DlgradeError extends Error {
  /** 2: a usage, spec or environment error (1 means a check failed; 0 that all passed). */
  readonly exitCode: number = 2;
}
