/** `grade --profile`'s table: each phase's seconds, share, count and time per occurrence. */
import type { ProfileData } from '../harness/results/profile.ts';

const s = (x: number) => (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(3));
const ms = (x: number) => (x >= 0.1 ? `${(x * 1000).toFixed(0)} ms` : `${(x * 1000).toFixed(2)} ms`);

export function profileTable(p: ProfileData): string {
  const total = p.phases.reduce((a, x) => a + x.seconds, 0);
  const rows = p.phases.map((x) => [x.phase, s(x.seconds), `${((100 * x.seconds) / Math.max(total, 1e-9)).toFixed(1)}%`, String(x.count), ms(x.seconds / Math.max(1, x.count)), x.describe]);
  const head = ['phase', 'seconds', 'share', 'count', 'each', 'what'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r: string[]) => r.map((c, i) => (i === 0 || i === r.length - 1 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ').trimEnd();
  const { graded, cached, kept } = p.submissions;
  const out = [
    `Where the time went: ${s(p.wall_seconds)} s wall, --jobs ${p.jobs}; submissions: ${graded} graded, ${cached} from the cache, ${kept} kept from the output folder`,
    line(head),
    line(widths.map((w) => '-'.repeat(w))),
    ...rows.map(line),
    line(['(sum)', s(total), '', '', '', p.jobs > 1 ? `submissions graded side by side overlap: the sum can exceed the wall time` : '']),
  ];
  return out.join('\n');
}
