/**
 * Presenting images the way a course's code expects them. Data sets hold H x W grey images;
 * a pack written for CIFAR-sized input gets them zero-padded to 32x32 with the grey channel
 * copied into three, so its architecture runs unchanged.
 */
import { DataError } from './idx.ts';
import type { ImageSet } from './datasets.ts';

export const LAYOUTS = ['flat', 'hw', 'nhwc', 'nhwc32x3'] as const;
export type Layout = (typeof LAYOUTS)[number];

export interface ByteArray {
  shape: number[];
  bytes: Uint8Array;
}

export function layoutShape(layout: Layout, n: number, h: number, w: number): number[] {
  switch (layout) {
    case 'flat': return [n, h * w];
    case 'hw': return [n, h, w];
    case 'nhwc': return [n, h, w, 1];
    case 'nhwc32x3': return [n, 32, 32, 3];
  }
}

/** The chosen rows of a set's images, in the layout asked for (uint8, values unchanged). */
export function present(set: ImageSet, rows: readonly number[], layout: Layout): ByteArray {
  const { height: h, width: w } = set;
  const pixels = h * w;
  const shape = layoutShape(layout, rows.length, h, w);
  if (layout !== 'nhwc32x3') {
    const bytes = new Uint8Array(rows.length * pixels);
    rows.forEach((r, k) => bytes.set(set.images.subarray(r * pixels, (r + 1) * pixels), k * pixels));
    return { shape, bytes };
  }
  if (h > 32 || w > 32) throw new DataError(`layout nhwc32x3: images of ${h}x${w} do not fit in 32x32`);
  // Centred: 28x28 gets two rows and columns of zeros on each side.
  const top = Math.floor((32 - h) / 2), left = Math.floor((32 - w) / 2);
  const size = 32 * 32 * 3;
  const bytes = new Uint8Array(rows.length * size);
  rows.forEach((r, k) => {
    const src = r * pixels;
    for (let i = 0; i < h; i++) {
      for (let j = 0; j < w; j++) {
        const v = set.images[src + i * w + j];
        const o = k * size + ((top + i) * 32 + (left + j)) * 3;
        bytes[o] = v;
        bytes[o + 1] = v;
        bytes[o + 2] = v;
      }
    }
  });
  return { shape, bytes };
}
