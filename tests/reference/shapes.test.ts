import { describe, expect, it } from 'vitest';
import { tensor } from '../../harness/tensor/tensor.ts';
import { findOp } from '../../reference/registry.ts';

describe('as_column and last_row (Octave-shaped expectations)', () => {
  it('as_column gives (size, 1) in C order, keeping the dtype', () => {
    expect(findOp('as_column')!.run({ x: tensor([2], [602, -100]) }).column).toEqual(tensor([2, 1], [602, -100]));
    expect(findOp('as_column')!.run({ x: tensor([2, 2], [1, 2, 3, 4], 'int64') }).column).toEqual(tensor([4, 1], [1, 2, 3, 4], 'int64'));
  });

  it('last_row gives the final row of a path, and refuses what is not a 2-d array with rows', () => {
    expect(findOp('last_row')!.run({ x: tensor([3, 2], [1, 2, 3, 4, 5, 6]) }).row).toEqual(tensor([2], [5, 6]));
    expect(() => findOp('last_row')!.run({ x: tensor([2], [1, 2]) })).toThrow(/x must be 2-d/);
    expect(() => findOp('last_row')!.run({ x: tensor([0, 2], []) })).toThrow(/x has no rows/);
  });
});
