/**
 * The one worker a submission is graded by, started on first use and again after a timeout or
 * a crash killed it. It keeps what every worker printed (for the result's stdout and stderr) and
 * what the first said of a notebook (for the result's notes). For a pack that executes its
 * notebooks, each new worker runs the notebook top to bottom before it serves a probe; a
 * notebook that cannot run, or runs past its budget, makes every later check say so.
 */
import type { Timer } from '../results/profile.ts';
import { forbiddenNoteLines } from '../worker/forbid.ts';
import { notebookNotes } from '../worker/notebook.ts';
import type { CellOutcome } from '../worker/protocol.ts';
import { Worker, type WorkerOptions } from '../worker/worker.ts';

/** An executed notebook's time budget unless the pack gives one. */
export const NOTEBOOK_SECONDS = 120;

export class WorkerSlot {
  private worker: Worker | undefined;
  /** Why the last start failed, kept for the result's errors. */
  problem: string | undefined;
  /** Why no worker will serve this submission again (its notebook cannot run). */
  private broken: string | undefined;
  readonly stdout: string[] = [];
  readonly stderr: string[] = [];
  readonly notes = new Set<string>();
  private retiredWait = 0;

  constructor(private readonly options: WorkerOptions, private readonly prof: Timer, private readonly notebookSeconds = NOTEBOOK_SECONDS) {}

  /** A live worker, or why none can serve (said as the reason a check did not run). */
  async get(): Promise<Worker | string> {
    if (this.broken) return this.broken;
    if (this.worker?.alive) return this.worker;
    if (this.worker) {
      await this.worker.stopped(); // the old one and all it started are gone before a new one starts
      this.keepOutput(this.worker);
      this.retiredWait += this.worker.waitedSeconds;
      this.worker = undefined;
    }
    const kind = this.options.language === 'octave' ? 'Octave' : 'Python';
    try {
      this.worker = await this.prof.timeAsync('worker start', () => Worker.start(this.options));
    } catch (e) {
      this.problem = (e as Error).message;
      return `the ${kind} worker could not start: ${this.problem}`;
    }
    for (const n of forbiddenNoteLines(this.worker.forbiddenImports)) this.notes.add(n);
    // An executed notebook ran whole, so what the import filter would have skipped does not apply.
    if (!this.options.notebook?.execute) for (const n of notebookNotes(this.worker.notebook)) this.notes.add(n);
    else {
      const why = await this.prof.timeAsync('notebook', () => this.execute(this.worker!));
      if (why) return (this.broken = why);
    }
    return this.worker;
  }

  /** Runs the notebook in a new worker; why it cannot be graded, if it cannot. */
  private async execute(w: Worker): Promise<string | undefined> {
    const nb = w.notebook;
    if (nb?.error) return `notebook: ${nb.error}`;
    const budget = this.notebookSeconds;
    const o = await w.execute(budget);
    if (o.status === 'timeout') {
      const where = o.progress ? ` (it was running cell ${o.progress.cell}: \`${o.progress.text}\`)` : '';
      return `the notebook did not finish within its budget of ${budget} s${where}: is there a loop that never converges? Nothing it computed could be graded`;
    }
    if (o.status === 'died') return `the notebook stopped the worker: ${o.message}`;
    if (o.status === 'error') return `the notebook could not be run: ${o.error.message}`;
    for (const n of forbiddenNoteLines(o.forbiddenNotes)) this.notes.add(n);
    const cells = o.cells ?? [];
    const failed = cells.filter((c) => !c.ok);
    this.notes.add(`notebook ${nb?.file ?? ''}: ran top to bottom in ${o.seconds.toFixed(1)} s, ${cells.length} code cell${cells.length === 1 ? '' : 's'}${failed.length ? `, ${failed.length} failed (the next cells ran anyway)` : ''}`);
    for (const c of failed) this.notes.add(cellNote(c));
    return undefined;
  }

  async close() {
    if (!this.worker) return;
    await this.worker.close();
    this.keepOutput(this.worker);
  }

  /** Seconds every worker of this slot waited for a CPU (see worker/cpu-wait.ts). */
  waited(): number {
    return this.retiredWait + (this.worker?.waitedSeconds ?? 0);
  }

  private keepOutput(w: Worker) {
    this.stdout.push(w.stdout.text());
    this.stderr.push(w.stderr.text());
  }
}

function cellNote(c: CellOutcome): string {
  const where = /#cell\d+", line (\d+)/.exec(c.error?.traceback ?? '');
  return `notebook cell ${c.cell}${where ? `, line ${where[1]}` : ''} raised ${c.error?.message ?? 'an error'}`;
}
