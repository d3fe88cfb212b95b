/** What a grader's workers left running, as the CLI tests look for it. */
import fs from 'node:fs';
import { runningAsRoot, workerUidRange } from '../../harness/worker/sandbox.ts';

/**
 * Processes of a grader's workers: whose command line names `marker` (a scratch folder of the
 * test; bwrap's names the workspace), or, as root, that run as one of the users grader `pid` hands
 * out (every student process, whatever it calls itself).
 */
export function workersOf(marker: string, pid: number): string[] {
  const [lo, hi] = workerUidRange(pid);
  return fs.readdirSync('/proc').filter((p) => /^\d+$/.test(p)).flatMap((p) => {
    try {
      const cmd = fs.readFileSync(`/proc/${p}/cmdline`, 'utf8').replace(/\0/g, ' ');
      const uid = fs.statSync(`/proc/${p}`).uid;
      return cmd.includes(marker) || (runningAsRoot() && uid >= lo && uid <= hi) ? [`${p} (uid ${uid}): ${cmd.slice(0, 120)}`] : [];
    } catch {
      return [];
    }
  });
}
