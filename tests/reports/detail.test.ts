/** Where a failed output differs: the worst elements and the heat map, small and schema-valid. */
import { describe, expect, it } from 'vitest';
import { compareOutput, detailOf } from '../../harness/checks/compare.ts';
import { HEATMAP_MAX } from '../../harness/results/types.ts';
import { toJson } from '../../harness/results/write.ts';
import { tensor } from '../../harness/tensor/tensor.ts';
import { expectValidResult } from '../helpers/grade.ts';
import { syntheticResult } from '../helpers/results.ts';

const seq = (n: number, f: (i: number) => number) => Array.from({ length: n }, (_, i) => f(i));

describe('comparison detail', () => {
  it('is attached to failed comparisons only', () => {
    const e = tensor([2, 2], [1, 2, 3, 4]);
    expect(compareOutput('x', e, [e], { output: 'x', rel_error: 1e-8 }).detail).toBeUndefined();
    const bad = compareOutput('x', tensor([2, 2], [1, 2, 3, 5]), [e], { output: 'x', rel_error: 1e-8 });
    expect(bad.detail?.shape).toEqual([2, 2]);
    expect(bad.detail?.top).toEqual([{ index: [1, 1], expected: 4, got: 5, error: 1 / 9 }]);
    expect(bad.detail?.heatmap).toEqual({ rows: 2, cols: 2, rel_error: [0, 0, 0, 0.1], note: 'rows: axis 0, columns: axis 1' });
  });

  it('lists the five worst elements, worst first', () => {
    const e = tensor([10], seq(10, () => 1));
    const g = tensor([10], seq(10, (i) => 1 + i / 10));
    const d = detailOf(g, e, 'abs_error');
    expect(d.top.map((t) => t.index[0])).toEqual([9, 8, 7, 6, 5]);
    expect(d.heatmap).toBeUndefined(); // 1-D: the list says it all
  });

  it('reduces a large matrix to at most 32x32 by block maxima, so one bad element still shows', () => {
    const e = tensor([100, 6], seq(600, (i) => i + 1));
    const gData = Float64Array.from(e.data);
    gData[57 * 6 + 4] = -1; // one element, far off
    const d = detailOf(tensor([100, 6], gData), e, 'rel_error');
    const h = d.heatmap!;
    expect(h.rows).toBeLessThanOrEqual(HEATMAP_MAX);
    expect([h.rows, h.cols]).toEqual([25, 6]);
    expect(h.note).toMatch(/4×1 block/);
    expect(h.rel_error[Math.floor(57 / 4) * 6 + 4]).toBe(1);
    expect(h.rel_error.filter((v) => v > 0)).toHaveLength(1);
  });

  it('draws a 4-D batch as height × width, the maximum over images and channels', () => {
    const e = tensor([3, 4, 5, 2], seq(120, () => 1));
    const g = Float64Array.from(e.data);
    g[((2 * 4 + 1) * 5 + 3) * 2 + 1] = 3; // image 2, row 1, column 3, channel 1
    const h = detailOf(tensor([3, 4, 5, 2], g), e, 'rel_error').heatmap!;
    expect([h.rows, h.cols]).toEqual([4, 5]);
    expect(h.rel_error[1 * 5 + 3]).toBe(0.5);
    expect(h.rel_error.reduce((a, b) => a + b, 0)).toBe(0.5);
    expect(h.note).toMatch(/maximum over axis 0 \(3\) and axis 3 \(2\)/);
  });

  it('counts NaN and infinity as the largest error', () => {
    const e = tensor([2, 2], [1, 2, 3, 4]);
    const d = detailOf(tensor([2, 2], [1, NaN, 3, Infinity]), e, 'rel_error');
    expect(d.heatmap!.rel_error).toEqual([0, 1, 0, 1]);
    expect(d.top.map((t) => t.index)).toEqual([[0, 1], [1, 1]]);
    expectValidResult({ ...syntheticResult(), checks: [] }); // sanity: the helper result is valid
  });

  it('keeps results valid against the schema, with and without details and curves', () => {
    const r = syntheticResult();
    expectValidResult(JSON.parse(toJson(r)));
    const old = JSON.parse(toJson(r));
    for (const c of old.checks) {
      delete c.curves;
      for (const k of c.cases) for (const x of k.comparisons) delete x.detail;
    }
    expectValidResult(old);
  });

  it('keeps a failed 32x32 output small in result.json', () => {
    const e = tensor([64, 64], seq(4096, (i) => Math.sin(i)));
    const g = tensor([64, 64], e.data.map((v) => v * 1.01));
    const json = toJson(compareOutput('w', g, [e], { output: 'w', rel_error: 1e-8 }));
    expect(json.length).toBeLessThan(10_000); // the 4096 values themselves would be 80 kB
  });
});
