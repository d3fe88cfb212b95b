/**
 * The one base class of every error that is the user's to fix (a usage mistake, a broken spec, a
 * missing interpreter, an unreadable file): the command line prints its message, without a stack,
 * and exits with its code. Any other error is the grader's own bug and keeps its stack.
 */
export class DlgradeError extends Error {
  /** 2: a usage, spec or environment error (1 means a check failed; 0 that all passed). */
  readonly exitCode: number = 2;
}

/**
 * The user stopped the command (Ctrl-C, kill): what was done is kept and the message says how
 * to go on. Exits 128 + the signal's number (130, 143), as a shell reports a process it stopped.
 */
export class Interrupted extends DlgradeError {
  override name = 'Interrupted';
  override readonly exitCode: number;

  constructor(readonly signal: 'SIGINT' | 'SIGTERM', message = `interrupted (${signal})`) {
    super(message);
    this.exitCode = signal === 'SIGINT' ? 130 : 143;
  }
}
