/**
 * Declarative probes (`call:` steps): the syntax, the loader's refusals with file and place, and
 * the generated probe graded end to end: a cache kept between a forward and its backward, a class
 * built then its method called, a dict argument read back, and a broken backward that names the
 * student's line without hiding what the forward returned.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { callProbeSource } from '../../harness/runner/call-probe.ts';
import { parseCall } from '../../harness/spec/call.ts';
import { loadPack } from '../../harness/spec/load.ts';
import { grade } from '../helpers/grade.ts';

const PACK = path.resolve(import.meta.dirname, '../fixtures/packs/call-probes');

describe('call syntax', () => {
  it('reads calls, results, keywords, dicts, entries and method calls', () => {
    expect(parseCall('layers.affine_forward(x, w, b) -> out, cache')).toMatchObject({ target: ['layers', 'affine_forward'], args: [{ name: 'x' }, { name: 'w' }, { name: 'b' }], returns: ['out', 'cache'] });
    expect(parseCall('net = models.Net(hidden_dim=h, reg=0.5)')).toMatchObject({ target: ['models', 'Net'], kwargs: [['hidden_dim', { name: 'h' }], ['reg', { literal: 0.5 }]], returns: ['net'] });
    expect(parseCall("bn = {mode: 'train', eps: eps, on: True}")).toMatchObject({ value: { dict: [['mode', { literal: 'train' }], ['eps', { name: 'eps' }], ['on', { literal: true }]] }, returns: ['bn'] });
    expect(parseCall("m = bn['running_mean']")).toMatchObject({ value: { name: 'bn', key: 'running_mean' } });
    expect(parseCall('layers.dropout_forward(x, {p: p, seed: -3}) -> out, _').returns).toEqual(['out', '_']);
  });

  it('refuses what it cannot read, saying where', () => {
    expect(() => parseCall('layers.f(x -> out')).toThrow(/expected "," before "->"/);
    expect(() => parseCall('layers.f(a=x, y)')).toThrow(/positional argument after a keyword/);
    expect(() => parseCall('layers.f(x) -> a, a')).toThrow(/named twice/);
    expect(() => parseCall('layers.f(x); import os')).toThrow(/cannot read/);
  });

  it('the loader refuses a call that reads a name nobody gives, and a probe beside call steps', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dlgrade-call-'));
    fs.cpSync(PACK, dir, { recursive: true });
    const yaml = path.join(dir, 'assignment.yaml');
    const text = fs.readFileSync(yaml, 'utf8');
    fs.writeFileSync(yaml, text.replace('"mod.scale_backward(dout, cache) -> dx, dk"', '"mod.scale_backward(dout, cash) -> dx, dk"'));
    expect(() => loadPack(dir)).toThrow(/checks\[0\] \(scale\)\.call\[1\].*reads "cash", which is neither an earlier result nor an input of every case/);
    fs.writeFileSync(yaml, text.replace('"mod.scale_forward(x, k) -> out, cache"', '"scale_forward(x, k) -> out, cache"'));
    expect(() => loadPack(dir)).toThrow(/name the module and the function/);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('compiles to a probe that returns only what the check reads (not the cache)', () => {
    const source = callProbeSource(loadPack(PACK).spec.checks[0]);
    expect(source).toMatch(/_bind\(ns, _module\("mod"\)\.scale_forward\(_get\(ns, "x"\), _get\(ns, "k"\)\), "mod\.scale_forward", \["out","cache"\]\)/);
    expect(source).toContain('for name in ["out","dx"]:');
  });
});

describe('call probes graded', () => {
  it('the solution passes every check but the two shapes no setting accepts', async () => {
    const r = await grade(PACK, path.join(PACK, 'solution'));
    expect(r.checks.map((c) => [c.id, c.status])).toEqual([
      ['scale', 'passed'], ['counter', 'passed'], ['fill', 'passed'], ['dtypes', 'passed'],
      ['broadcast_on', 'passed'], ['broadcast_off', 'failed'], ['column_for_row', 'failed'],
    ]);
    const msg = (id: string) => r.checks.find((c) => c.id === id)!.cases[0].message;
    // The dtype policy (docs/packs.md): read exactly, compared in float64, the dtype itself never.
    expect(msg('dtypes')).toBe('as_int: rel_error 0 <= 0; as_f32: rel_error 0 <= 0; as_f16: rel_error 0 <= 0; as_bool: rel_error 0 <= 0; third_f32: rel_error 1.49e-8 <= 1.00e-6');
    expect(msg('broadcast_on')).toBe('sums: rel_error 0 <= 1.00e-12 (shape (1, 2), compared as (2,): broadcast)');
    // What a student reads: no word of spec settings.
    expect(msg('broadcast_off')).toBe('sums: shape (1, 2), expected (2,) (it differs only in a leading axis of length 1: a keepdims=True, or a missing reshape?)');
    expect(msg('column_for_row')).toBe('col: shape (2, 1), expected (2,) (a column where a row is expected, or the other way round?)');
  }, 60_000);

  it('a broken hand-in is told which call failed, at its own line', async () => {
    const r = await grade(PACK, path.join(PACK, 'broken'));
    const msg = (id: string) => r.checks.find((c) => c.id === id)!.cases[0].message;
    expect(msg('scale')).toMatch(/dx not computed: the mod\.scale_backward step raised ValueError: backward is not written yet/);
    expect(r.checks[0].cases[0].traceback ?? msg('scale')).toMatch(/mod\.py", line 9/);
    expect(msg('counter')).toMatch(/total: the code returned None \(is this part still a TODO\?\)/);
    expect(msg('fill')).toMatch(/param has no entry 'seen'.*did they set param\['seen'\]/);
    expect(msg('dtypes')).toBe('as_int: returned a ndarray that is not a numeric array (numpy dtype complex128)');
    // Under broadcast the values are still compared: a wrong sum fails, and says the shape.
    expect(msg('broadcast_on')).toMatch(/^sums: worst rel_error .* \(shape \(1, 2\), compared as \(2,\): broadcast\)$/);
  }, 60_000);
});
