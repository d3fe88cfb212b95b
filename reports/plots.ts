/**
 * Geometry for the HTML reports' inline SVG: the templates only place what is computed here,
 * so the pictures need no script, no library and no network. Every value leaving this file is a
 * number or a string the templates escape.
 */
import { fmt } from '../harness/results/format.ts';
import type { Detail } from '../harness/results/types.ts';
import type { Curve } from '../harness/results/types.ts';

const round1 = (x: number) => Math.round(x * 10) / 10;

/** Yellow to dark red: how far above the tolerance an element is, on a log scale. */
const RAMP = ['#ffffb2', '#fecc5c', '#fd8d3c', '#f03b20', '#bd0026'];
export const OK_COLOR = '#e7f4e4';

function ramp(t: number): string {
  const x = Math.min(1, Math.max(0, t)) * (RAMP.length - 1);
  const i = Math.min(RAMP.length - 2, Math.floor(x));
  const f = x - i;
  const a = RAMP[i], b = RAMP[i + 1];
  const ch = (k: number) => Math.round(parseInt(a.slice(k, k + 2), 16) * (1 - f) + parseInt(b.slice(k, k + 2), 16) * f);
  return `#${[1, 3, 5].map((k) => ch(k).toString(16).padStart(2, '0')).join('')}`;
}

export interface HeatmapView {
  width: number;
  height: number;
  cells: { x: number; y: number; size: number; fill: string }[];
  /** A cell's drawn size: a pixel short of its pitch, so neighbours stay apart. */
  inner: number;
  note: string;
  legend: { low: string; stops: { offset: string; color: string }[]; okColor: string };
  rows: number;
  cols: number;
}

/**
 * Cells at or under `floor` (the comparison's bar when it is a rel_error bar) are drawn as fine;
 * above it the colour climbs with log10(rel_error) up to 1, the largest a finite pair can reach.
 */
export function heatmapView(h: NonNullable<Detail['heatmap']>, floor: number): HeatmapView {
  const lo = Math.min(0.1, Math.max(1e-16, floor));
  const size = Math.max(6, Math.min(28, Math.floor(300 / Math.max(h.rows, h.cols))));
  const cells = h.rel_error.map((v, i) => {
    const r = Math.floor(i / h.cols), c = i % h.cols;
    const fill = v <= lo ? OK_COLOR : ramp((Math.log10(v) - Math.log10(lo)) / -Math.log10(lo));
    return { x: c * size, y: r * size, size, fill };
  });
  const stops = RAMP.map((color, i) => ({ offset: `${(i / (RAMP.length - 1)) * 100}%`, color }));
  return { width: h.cols * size, height: h.rows * size, cells, inner: size >= 8 ? size - 1 : size, note: h.note, legend: { low: fmt(lo), stops, okColor: OK_COLOR }, rows: h.rows, cols: h.cols };
}

/** Round tick values (1, 2, 5 × 10^k) covering [lo, hi]. */
export function niceTicks(lo: number, hi: number, target = 5): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / target;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const ticks: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) ticks.push(Number(v.toPrecision(12)));
  return ticks;
}

const PALETTE = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b'];

export interface PlotView {
  title: string;
  width: number;
  height: number;
  frame: { x: number; y: number; w: number; h: number };
  xTicks: { x: number; label: string }[];
  yTicks: { y: number; label: string }[];
  series: { name: string; color: string; path: string; points: { x: number; y: number }[] }[];
}

/** Curves sharing `plot` are drawn together; each other curve gets a plot of its own. */
export function plotViews(curves: Curve[]): PlotView[] {
  const groups = new Map<string, Curve[]>();
  for (const c of curves) {
    const key = c.plot ?? `\u0000${c.name}`;
    groups.set(key, [...(groups.get(key) ?? []), c]);
  }
  return [...groups.entries()].map(([key, cs]) => plotView(key.startsWith('\u0000') ? key.slice(1) : key, cs));
}

function plotView(title: string, curves: Curve[]): PlotView {
  const width = 420, height = 240;
  const frame = { x: 56, y: 10, w: width - 56 - 14, h: height - 10 - 34 };
  const finite = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
  const xs = curves.flatMap((c) => c.x.filter(finite));
  const ys = curves.flatMap((c) => c.y.filter(finite));
  let [x0, x1] = xs.length ? [Math.min(...xs), Math.max(...xs)] : [0, 1];
  let [y0, y1] = ys.length ? [Math.min(...ys), Math.max(...ys)] : [0, 1];
  if (x1 === x0) [x0, x1] = [x0 - 1, x1 + 1];
  if (y1 === y0) [y0, y1] = [y0 - Math.max(1, Math.abs(y0)) * 0.1, y1 + Math.max(1, Math.abs(y1)) * 0.1];
  const pad = (y1 - y0) * 0.05;
  [y0, y1] = [y0 - pad, y1 + pad];
  const X = (v: number) => round1(frame.x + ((v - x0) / (x1 - x0)) * frame.w);
  const Y = (v: number) => round1(frame.y + frame.h - ((v - y0) / (y1 - y0)) * frame.h);
  const series = curves.map((c, i) => {
    // A missing or non-finite value breaks the line instead of drawing it through zero.
    let path = '';
    let pen = false;
    const points: { x: number; y: number }[] = [];
    for (let k = 0; k < Math.min(c.x.length, c.y.length); k++) {
      const xv = c.x[k], yv = c.y[k];
      if (!finite(xv) || !finite(yv)) {
        pen = false;
        continue;
      }
      path += `${pen ? 'L' : 'M'}${X(xv)} ${Y(yv)} `;
      pen = true;
      points.push({ x: X(xv), y: Y(yv) });
    }
    return { name: c.name, color: PALETTE[i % PALETTE.length], path: path.trim(), points: points.length <= 60 ? points : [] };
  });
  const xTicks = niceTicks(x0, x1).map((v) => ({ x: X(v), label: fmt(v) }));
  const yTicks = niceTicks(y0, y1).map((v) => ({ y: Y(v), label: fmt(v) }));
  return { title, width, height, frame, xTicks, yTicks, series };
}

export interface HistogramView {
  width: number;
  height: number;
  frame: { x: number; y: number; w: number; h: number };
  bars: { x: number; y: number; w: number; h: number; count: number; label: string; title: string; labelY: number }[];
  yTicks: { y: number; label: string }[];
  axisLabel: string;
}

/** Scores in bins: one per point when the scale is small, else a round width (2, 4, 5, 10…). */
export function histogramView(scores: number[], max: number): HistogramView {
  const width = 560, height = 220;
  const frame = { x: 40, y: 16, w: width - 40 - 10, h: height - 16 - 40 };
  const perPoint = max > 0 && max <= 20 && Number.isInteger(max);
  const step = perPoint ? 1 : [2, 4, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000].find((w) => Math.ceil(max / w) <= 12) ?? (max / 10 || 1);
  const n = perPoint ? max + 1 : Math.max(1, Math.ceil(max / step));
  const counts = new Array(n).fill(0);
  // Full marks fall in the last bin, not one of their own.
  const binOf = (s: number) => (perPoint ? Math.round(s) : Math.min(n - 1, Math.floor(s / step)));
  for (const s of scores) counts[Math.max(0, Math.min(n - 1, binOf(s)))]++;
  const top = Math.max(1, ...counts);
  const slot = frame.w / n;
  const w = Math.max(2, slot * 0.8);
  const bars = counts.map((count, i) => {
    const h = round1((count / top) * frame.h);
    const hi = Math.min(max, (i + 1) * step);
    const label = perPoint ? String(i) : `${fmt(i * step)}–${fmt(hi)}`;
    const y = round1(frame.y + frame.h - h);
    return { x: round1(frame.x + i * slot + (slot - w) / 2), y, w: round1(w), h, count, label, title: `${label} points: ${count} submission${count === 1 ? '' : 's'}`, labelY: y - 3 };
  });
  const yTicks = niceTicks(0, top, Math.min(5, top)).filter((v) => Number.isInteger(v)).map((v) => ({ y: round1(frame.y + frame.h - (v / top) * frame.h), label: String(v) }));
  return { width, height, frame, bars, yTicks, axisLabel: perPoint ? 'points' : `points (bins of ${fmt(step)}, the last one includes full marks)` };
}
