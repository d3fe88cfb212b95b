/**
 * The time limits credit what a worker waited for a CPU (harness/worker/cpu-wait.ts): a process
 * tree that competes for the CPUs is seen waiting, one that sleeps is not, and the credit is
 * capped. Loaded on purpose: more busy processes than this machine has CPUs, whatever else runs.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import os from 'node:os';
import { afterEach, describe, expect, it } from 'vitest';
import { MAX_WALL_FACTOR, WaitMeter, creditedLimit } from '../../harness/worker/cpu-wait.ts';

const started: ChildProcess[] = [];
afterEach(() => {
  for (const p of started.splice(0)) {
    try {
      process.kill(-p.pid!, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
});

/**
 * A Python process that starts `children` processes below it, each running `body`; resolved
 * once all are started (so that the interpreter's own start, itself a wait on a busy machine,
 * is behind it).
 */
async function tree(children: number, body: string): Promise<ChildProcess> {
  const code = `import os, sys, time\nfor _ in range(${children}):\n    if os.fork() == 0:\n        ${body}\n        os._exit(0)\nprint("ready", flush=True)\ntime.sleep(60)\n`;
  const p = spawn('python3', ['-c', code], { detached: true, stdio: ['ignore', 'pipe', 'ignore'] });
  started.push(p);
  await new Promise<void>((resolve) => p.stdout!.once('data', () => resolve()));
  return p;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('waiting for a CPU', () => {
  it('is credited up to MAX_WALL_FACTOR times the limit, never less than the limit', () => {
    expect(creditedLimit(3, 0)).toBe(3);
    expect(creditedLimit(3, 1.5)).toBe(4.5);
    expect(creditedLimit(3, 100)).toBe(3 * MAX_WALL_FACTOR);
    expect(creditedLimit(3, -1)).toBe(3);
  });

  it('is seen for processes that compete for the CPUs, children started after the first reading included', async () => {
    const busy = os.availableParallelism() + 2;
    const root = await tree(busy, 'x = 0\n        while True: x += 1');
    const meter = new WaitMeter(root.pid);
    const before = meter.seconds();
    await sleep(1500);
    // busy processes on fewer CPUs for 1.5 s: together they wait at least (busy - cpus) x 1.5 s;
    // a fraction of that is asserted, for other work on the machine changes only how much more.
    expect(meter.seconds(true) - before).toBeGreaterThan(0.5);
  });

  it('is not seen for processes that sleep', async () => {
    const root = await tree(3, 'time.sleep(60)');
    await sleep(200); // the children's own first steps after the fork
    const meter = new WaitMeter(root.pid);
    const before = meter.seconds(true);
    await sleep(1000);
    expect(meter.seconds(true) - before).toBeLessThan(0.05);
  });

  it('reads 0 for a process that is gone or was never started', () => {
    expect(new WaitMeter(undefined).seconds()).toBe(0);
    expect(new WaitMeter(2 ** 22 + 12345).seconds(true)).toBe(0);
  });
});
