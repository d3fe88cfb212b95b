/**
 * A CPU hog: one busy process per CPU, for the tests whose verdicts must not depend on how busy
 * the machine is (CI shares its machine). Stop it in a finally.
 */
import { spawn } from 'node:child_process';
import os from 'node:os';

export interface CpuHog {
  processes: number;
  stop(): void;
}

export function startCpuHog(processes = os.availableParallelism()): CpuHog {
  const hogs = Array.from({ length: processes }, () =>
    spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore', detached: true }));
  return {
    processes,
    stop() {
      for (const h of hogs) {
        try {
          process.kill(-h.pid!, 'SIGKILL');
        } catch {
          /* gone */
        }
      }
    },
  };
}
