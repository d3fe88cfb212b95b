/**
 * The one worker a submission is graded by, started on first use and again after a timeout or
 * a crash killed it. It keeps what every worker printed (for the result's stdout and stderr) and
 * what the first said of a notebook (for the result's notes).
 */
import type { Timer } from '../results/profile.ts';
import { notebookNotes } from '../worker/notebook.ts';
import { Worker, type WorkerOptions } from '../worker/worker.ts';

export class WorkerSlot {
  private worker: Worker | undefined;
  /** Why the last start failed, kept for the result's errors. */
  problem: string | undefined;
  readonly stdout: string[] = [];
  readonly stderr: string[] = [];
  readonly notes = new Set<string>();

  constructor(private readonly options: WorkerOptions, private readonly prof: Timer) {}

  /** A live worker, or why none could be started. */
  async get(): Promise<Worker | string> {
    if (this.worker?.alive) return this.worker;
    if (this.worker) {
      await this.worker.stopped(); // the old one and all it started are gone before a new one starts
      this.keepOutput(this.worker);
      this.worker = undefined;
    }
    try {
      this.worker = await this.prof.timeAsync('worker start', () => Worker.start(this.options));
      for (const n of notebookNotes(this.worker.notebook)) this.notes.add(n);
      return this.worker;
    } catch (e) {
      this.problem = (e as Error).message;
      return this.problem;
    }
  }

  async close() {
    if (!this.worker) return;
    await this.worker.close();
    this.keepOutput(this.worker);
  }

  private keepOutput(w: Worker) {
    this.stdout.push(w.stdout.text());
    this.stderr.push(w.stderr.text());
  }
}
