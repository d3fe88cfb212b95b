/**
 * Calibration as an instructor reads it: a table per output in the terminal, and a page with a
 * log-scale strip chart per output (one dot per graded submission, coloured by what it is, the
 * bar drawn as a line), so the margin between correct code and planted bugs can be seen.
 */
import type { OutputCalibration, Role } from '../harness/results/calibration.ts';
import { fmt } from '../harness/results/format.ts';
import { renderTemplate } from './html.ts';

const ratio = (v: number | null) => (v === null ? '—' : Number.isFinite(v) ? `${fmt(v)}x` : '∞');
const value = (v: number | null) => (v === null ? '—' : fmt(v));

/** Who sits at the worst valid and the best caught figure. */
function holders(o: OutputCalibration) {
  const valid = o.points.filter((p) => p.role === 'solution' || p.role === 'variant');
  const worst = valid.find((p) => p.value === o.worstValid);
  const caught = o.points.filter((p) => p.role === 'mutant' && p.value === o.bestCaught);
  return { worst: worst ? worst.name : '', caught: caught[0]?.name ?? '' };
}

export function calibrationText(outputs: OutputCalibration[], narrow: (check: string, output: string) => string | undefined): string {
  const lines: string[] = [];
  for (const o of outputs) {
    const h = holders(o);
    lines.push(`${o.check} · ${o.output}: ${o.metric} bar ${fmt(o.bar)}`);
    lines.push(`  worst valid ${value(o.worstValid)}${h.worst ? ` (${h.worst})` : ''}, best caught mutant ${value(o.bestCaught)}${h.caught ? ` (${h.caught})` : ''}`);
    lines.push(`  margin below ${ratio(o.marginBelow)}, above ${ratio(o.marginAbove)}${o.proposed !== null ? `; middle of the gap ${fmt(o.proposed)}` : '; no gap between correct code and caught mutants'}`);
    const why = narrow(o.check, o.output);
    if (why) lines.push(`  narrow margin, as the pack says: ${why}`);
    for (const f of o.flags) lines.push(`  ! ${f}`);
    const real = o.points.filter((p) => p.role === 'real');
    if (real.length) lines.push(`  real hand-ins: ${real.filter((p) => p.passed).length} of ${real.length} pass; largest passing ${value(Math.max(0, ...real.filter((p) => p.passed && Number.isFinite(p.value)).map((p) => p.value)))}`);
  }
  return lines.join('\n');
}

const COLOR: Record<Role, string> = { solution: '#1a7f37', variant: '#2da44e', mutant: '#cf222e', real: '#0969da' };
const WIDTH = 720, HEIGHT = 70, LEFT = 10, RIGHT = 10;

/** One strip per output: x is log10 of the figure, between the smallest and largest shown. */
function strip(o: OutputCalibration) {
  const finite = o.points.map((p) => p.value).filter((v) => Number.isFinite(v) && v > 0);
  const lo = Math.floor(Math.log10(Math.min(o.bar, ...finite)) - 1);
  const hi = Math.ceil(Math.log10(Math.max(o.bar, ...finite)) + 1);
  const x = (v: number) => LEFT + ((WIDTH - LEFT - RIGHT) * (Math.log10(v) - lo)) / (hi - lo);
  const place = (v: number) => (v === 0 ? LEFT : Number.isFinite(v) ? x(v) : WIDTH - RIGHT);
  const rows: Record<Role, number> = { solution: 18, variant: 30, mutant: 42, real: 54 };
  const dots = o.points.map((p, i) => ({
    cx: Math.round(place(p.value) * 10) / 10,
    // A little spread so that equal figures stay visible as several dots.
    cy: rows[p.role] + ((i % 3) - 1) * 2,
    fill: COLOR[p.role],
    title: `${p.role} ${p.name} (seed ${p.seed}): ${Number.isFinite(p.value) ? fmt(p.value) : 'wrong shape or nothing returned'}${p.passed ? ', passes' : ', fails'}`,
  }));
  const ticks = [];
  for (let d = lo; d <= hi; d++) ticks.push({ x: Math.round(x(10 ** d) * 10) / 10, label: `1e${d}` });
  return { width: WIDTH, height: HEIGHT, dots, ticks, bar: Math.round(x(o.bar) * 10) / 10 };
}

export function calibrationHtml(pack: string, seeds: string[], outputs: OutputCalibration[], narrow: (check: string, output: string) => string | undefined): string {
  const legend = (Object.keys(COLOR) as Role[]).map((role) => ({ role, color: COLOR[role] }));
  return renderTemplate('calibration', {
    pack,
    seeds: seeds.join(', '),
    legend,
    outputs: outputs.map((o) => {
      const h = holders(o);
      return {
        check: o.check,
        output: o.output,
        metric: o.metric,
        bar: fmt(o.bar),
        worstValid: value(o.worstValid),
        worstHolder: h.worst,
        bestCaught: value(o.bestCaught),
        caughtHolder: h.caught,
        below: ratio(o.marginBelow),
        above: ratio(o.marginAbove),
        proposed: o.proposed === null ? '—' : fmt(o.proposed),
        narrow: narrow(o.check, o.output),
        flags: o.flags,
        strip: strip(o),
      };
    }),
  });
}
