/**
 * The words a student reads when an output is wrong. Each known pattern of a wrong answer gets
 * its diagnosis (the README advertises transposed, sign flipped, scale factor, NaN), and the
 * metric is said as what it is.
 */
import { describe, expect, it } from 'vitest';
import { compareOutput, measure, scaleOf } from '../../harness/checks/compare.ts';
import { type Tensor, tensor } from '../../harness/tensor/tensor.ts';

const expected = tensor([2, 3], [0.5, -1, 2, 0.25, 3, -0.75]);
const map = (t: Tensor, f: (v: number, i: number) => number) => tensor(t.shape, Array.from(t.data, f));
const compare = (got: Tensor, spec: Record<string, unknown> = { rel_error: 1e-8 }, want: Tensor = expected, mistakes: { value: Tensor; say: string }[] = []) =>
  compareOutput('dx', got, [want], { output: 'dx', ...spec }, mistakes);

describe('what a failed comparison says', () => {
  it('names the worst element with its index, the expected and the got value and the bar', () => {
    const c = compare(map(expected, (v, i) => (i === 4 ? 3.3 : v)));
    expect(c.passed).toBe(false);
    expect(c.message).toBe('dx: worst rel_error 0.047619 at [1,1], expected 3, got 3.3 (bar 1.00e-8)');
  });

  it('a sign error', () => {
    expect(compare(map(expected, (v) => -v)).message).toMatch(/ — got = -expected everywhere: a sign error\?$/);
  });

  it('a constant scale factor, as with a 1/keep_prob applied twice', () => {
    expect(compare(map(expected, (v) => v * 4 / 3)).message).toMatch(/ — got = 1.33333 × expected everywhere: a missing or extra scale factor\?$/);
  });

  it('NaN and inf, with where the first one is', () => {
    expect(compare(map(expected, (v, i) => (i === 2 ? NaN : v))).message).toMatch(/ — NaN at \[0,2\]: an overflow or a division by zero\?$/);
    expect(compare(map(expected, (v, i) => (i === 5 ? -Infinity : v))).message).toMatch(/ — inf at \[1,2\]: an overflow or a division by zero\?$/);
  });

  it('all zeros: not computed yet', () => {
    expect(compare(map(expected, () => 0)).message).toMatch(/ — got is all zeros: not computed yet\?$/);
  });

  it('the transpose, of a square output and by its shape', () => {
    const square = tensor([2, 2], [1, 2, 3, 4]);
    expect(compare(tensor([2, 2], [1, 3, 2, 4]), { rel_error: 1e-8 }, square).message).toMatch(/ — got is the transpose of expected$/);
    expect(compare(tensor([3, 2], [0.5, 0.25, -1, 3, 2, -0.75])).message).toBe('dx: shape (3, 2), expected (2, 3) (transposed?)');
  });

  it('shapes: a lost axis, an empty slice, a size taken from the wrong dimension', () => {
    expect(compare(tensor([6], Array.from(expected.data))).message).toBe('dx: shape (6,), expected (2, 3) (same number of elements: reshaped or an axis lost?)');
    const images = tensor([2, 6, 6, 2], new Float64Array(144).fill(1));
    expect(compare(tensor([2, 0, 0, 2], []), { rel_error: 1e-8 }, images).message).toMatch(/an axis of length 0: an empty slice, such as x\[:, p:-p\] when p = 0\?/);
    const wide = tensor([2, 7, 5, 3], new Float64Array(210).fill(1));
    expect(compare(tensor([2, 7, 7, 3], new Float64Array(294).fill(1)), { rel_error: 1e-8 }, wide).message)
      .toMatch(/axis 2 has the length of axis 1: a size computed from the wrong dimension, such as the width from the height\?/);
  });

  it('a known mistake by name, before any pattern', () => {
    const summed = map(expected, (v) => v * 100);
    const c = compare(summed, { rel_error: 1e-8 }, expected, [{ value: summed, say: 'this is the summed loss' }]);
    expect(c.message).toMatch(/ — this is the summed loss$/);
  });

  it('nothing returned', () => {
    expect(compareOutput('dx', undefined, [expected], { output: 'dx', rel_error: 1e-8 }).message).toBe('dx: nothing was returned');
  });
});

describe('scaled_error', () => {
  it('measures |diff| against the largest |expected|, so rounding of a tiny element is not a failure', () => {
    // A value near zero whose sign rounding flipped: elementwise rel_error is 1 there, against
    // the output's scale it is 1e-6.
    const want = tensor([3], [2, 1e-6, -1]);
    const got = tensor([3], [2, -1e-6, -1]);
    expect(measure(got, want, 'rel_error').value).toBe(1);
    expect(measure(got, want, 'scaled_error').value).toBeCloseTo(1e-6, 18);
    expect(scaleOf(want)).toBe(2);
    expect(compareOutput('dx', got, [want], { output: 'dx', scaled_error: 1e-5 }).passed).toBe(true);
    expect(compareOutput('dx', got, [want], { output: 'dx', rel_error: 1e-5 }).passed).toBe(false);
  });

  it('says what it measured when it fails', () => {
    const c = compare(map(expected, (v, i) => (i === 0 ? 0.8 : v)), { scaled_error: 1e-5 });
    expect(c.message).toBe('dx: worst |diff| 0.1 of the largest |expected| (3) at [0,0], expected 0.5, got 0.8 (bar 1.00e-5)');
  });

  it('treats an all-zero expected output as zero for every purpose, not as a division by zero', () => {
    const zero = tensor([2], [0, 0]);
    expect(compareOutput('db', tensor([2], [0, 0]), [zero], { output: 'db', scaled_error: 1e-5 }).passed).toBe(true);
    expect(compareOutput('db', tensor([2], [0, 1e-3]), [zero], { output: 'db', scaled_error: 1e-5 }).passed).toBe(false);
  });
});

describe('broadcast: true', () => {
  const row = tensor([3], [1, 2, 3]);
  it('accepts shapes that broadcast to each other without growing, and says the shape differed', () => {
    expect(compare(tensor([1, 3], [1, 2, 3]), { rel_error: 1e-8, broadcast: true }, row).message).toBe('dx: rel_error 0 <= 1.00e-8 (shape (1, 3), compared as (3,): broadcast)');
    expect(compare(tensor([1, 1, 3], [1, 2, 3]), { rel_error: 1e-8, broadcast: true }, row).passed).toBe(true);
    expect(compare(tensor([1], [2]), { rel_error: 1e-8, broadcast: true }, tensor([], [2])).passed).toBe(true);
    expect(compare(tensor([3], [1, 2, 3]), { rel_error: 1e-8, broadcast: true }, tensor([1, 3], [1, 2, 3])).passed).toBe(true);
  });
  it('never accepts (N, 1) for (N,), which broadcasts to (N, N)', () => {
    const c = compare(tensor([3, 1], [1, 2, 3]), { rel_error: 1e-8, broadcast: true }, row);
    expect(c.passed).toBe(false);
    expect(c.message).toBe('dx: shape (3, 1), expected (3,) (a column where a row is expected, or the other way round?)');
  });
  it('without it, a leading axis of length 1 fails with a hint for the student, not a spec setting', () => {
    const c = compare(tensor([1, 3], [1, 2, 3]), { rel_error: 1e-8 }, row);
    expect(c.passed).toBe(false);
    expect(c.message).toBe('dx: shape (1, 3), expected (3,) (it differs only in a leading axis of length 1: a keepdims=True, or a missing reshape?)');
    expect(c.message).not.toMatch(/broadcast/);
  });
});

it('a (1, n) for an (n, 1) is still said to be transposed, whatever broadcast says', () => {
  const c = compareOutput('g', tensor([1, 2], [1, 2]), [tensor([2, 1], [1, 2])], { output: 'g', rel_error: 1e-8, broadcast: true });
  expect(c.message).toBe('g: shape (1, 2), expected (2, 1) (transposed?)');
});
