/**
 * SIGINT (Ctrl-C) and SIGTERM while a command grades. The first asks the work to stop through an
 * AbortSignal: the batch starts nothing new, kills its workers, removes its scratch folders (on
 * disk and in /dev/shm) through the same code that removes them after each submission, and says
 * where it stands. A second signal, or work that has not stopped within `graceSeconds`, exits
 * at once; the scratch folders made through `tmp` are still removed by its exit hook, and the
 * workers die with the grader (bwrap --die-with-parent, the keeper's parent-death signal).
 */
import { Interrupted } from '../common/errors.ts';

export interface InterruptWatch {
  signal: AbortSignal;
  /** Restores the default handling (a signal then ends the process as usual). */
  dispose(): void;
}

export function watchInterrupts(graceSeconds = 10): InterruptWatch {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const handler = (sig: NodeJS.Signals) => {
    const name = sig === 'SIGTERM' ? 'SIGTERM' : 'SIGINT';
    const code = new Interrupted(name).exitCode;
    if (controller.signal.aborted) {
      process.stderr.write(`dlgrade: ${name} again: exiting now\n`);
      process.exit(code);
    }
    process.stderr.write(`\ndlgrade: ${name}: stopping the workers and removing the scratch folders (${name === 'SIGINT' ? 'Ctrl-C' : 'SIGTERM'} again exits at once)\n`);
    controller.abort(new Interrupted(name));
    timer = setTimeout(() => {
      process.stderr.write(`dlgrade: the workers did not stop within ${graceSeconds} s: exiting now\n`);
      process.exit(code);
    }, graceSeconds * 1000);
    timer.unref();
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return {
    signal: controller.signal,
    dispose: () => {
      clearTimeout(timer);
      process.off('SIGINT', handler);
      process.off('SIGTERM', handler);
    },
  };
}
