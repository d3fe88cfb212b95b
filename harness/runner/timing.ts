/** How one request to the worker splits into the profile's phases. */
import type { Timer } from '../results/profile.ts';
import type { RunOutcome } from '../worker/worker.ts';

export function profileRun(prof: Timer, o: RunOutcome) {
  const t = o.status === 'ok' || o.status === 'error' ? o.timing : undefined;
  if (!t) {
    prof.add('round trips', o.seconds);
    return;
  }
  // A probe already loaded costs nothing: only real loads count as imports.
  if (t.load > 5e-4) prof.add('worker imports', t.load);
  prof.add('worker arrays', t.arrays);
  prof.add('student compute', t.run);
  prof.add('round trips', o.seconds - t.load - t.arrays - t.run);
}
