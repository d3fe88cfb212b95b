/** How one request to the worker splits into the profile's phases. */
import type { Timer } from '../results/profile.ts';
import type { RunOutcome } from '../worker/worker.ts';

/** `wall`: the whole call, preparing the request's folders included. */
export function profileRun(prof: Timer, o: RunOutcome, wall: number) {
  const t = o.status === 'ok' || o.status === 'error' ? o.timing : undefined;
  if (!t) {
    prof.add('round trips', wall);
    return;
  }
  // A probe already loaded costs nothing: only real loads count as imports.
  if (t.load > 5e-4) prof.add('worker imports', t.load);
  prof.add('worker arrays', t.arrays);
  prof.add('student compute', t.run);
  prof.add('round trips', wall - t.load - t.arrays - t.run);
}
