/**
 * Progress while a batch runs. On a terminal: one line that keeps being rewritten,
 * `[#####.....] 12/40 graded, 3 failed checks`. Anywhere else (a log file, CI): one line per
 * submission as it finishes, which reads well after the fact and never fills a log with
 * carriage returns. A resumed batch counts on from the results it kept: `13/40`, not `1/40`.
 */
import type { SubmissionResult } from '../harness/results/types.ts';
import { isBad, passedCount, pts } from './text.ts';

export interface ProgressStream {
  isTTY?: boolean;
  columns?: number;
  write(s: string): unknown;
}

export function bar(done: number, total: number, width = 20): string {
  const filled = total > 0 ? Math.round((done / total) * width) : width;
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}]`;
}

const failedChecks = (r: SubmissionResult) => r.checks.filter((c) => isBad(c.status)).length;

export class Progress {
  private failedChecks = 0;
  private done = 0;
  private readonly tty: boolean;
  private lastLength = 0;

  /** `kept`: results an earlier run left, already counted (a resumed batch). */
  constructor(private readonly stream: ProgressStream, private readonly total: number, kept: readonly SubmissionResult[] = []) {
    this.tty = !!stream.isTTY;
    this.done = kept.length;
    for (const r of kept) this.failedChecks += failedChecks(r);
    if (this.tty) this.draw();
  }

  /** The line a terminal shows after `done` submissions. */
  line(): string {
    const failed = `${this.failedChecks} failed check${this.failedChecks === 1 ? '' : 's'}`;
    return `${bar(this.done, this.total)} ${this.done}/${this.total} graded, ${failed}`;
  }

  update(r: SubmissionResult) {
    this.done++;
    this.failedChecks += failedChecks(r);
    if (this.tty) this.draw();
    else {
      const w = String(this.total).length;
      const how = r.cache?.hit ? 'from the cache' : `${r.seconds.toFixed(1)} s`;
      this.stream.write(`[${String(this.done).padStart(w)}/${this.total}] ${r.submission.padEnd(24)} ${pts(r.score).padStart(5)}/${pts(r.max_score)}  (${passedCount(r)}/${r.checks.length} checks${r.pending_score ? `, ${pts(r.pending_score)} pending` : ''}, ${how})\n`);
    }
  }

  /** Ends the line on a terminal so what is printed next starts on its own. */
  finish() {
    if (this.tty) this.stream.write('\n');
  }

  private draw() {
    let text = this.line();
    const cols = this.stream.columns || 80; // a pseudo-terminal may report 0
    if (text.length > cols - 1) text = text.slice(0, cols - 1);
    // \r then spaces over what the previous, longer line left behind.
    this.stream.write(`\r${text}${' '.repeat(Math.max(0, this.lastLength - text.length))}`);
    this.lastLength = text.length;
  }
}
