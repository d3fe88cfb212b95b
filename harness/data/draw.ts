/** Seeded, class-balanced choices of examples: the same seed gives the same rows everywhere. */
import { Rng } from '../tensor/random.ts';
import { DataError } from './idx.ts';

export function shuffle<T>(items: T[], rng: Rng): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = rng.int(0, i + 1);
    [items[i], items[j]] = [items[j], items[i]];
  }
  return items;
}

/**
 * `count` row indices with the classes as equal as the data allow (classes differ by at most
 * one when each has enough examples), in a random order.
 */
export function balancedDraw(labels: Uint8Array, count: number, classes: number, rng: Rng): number[] {
  if (!Number.isInteger(count) || count < 1) throw new DataError(`cannot draw ${count} examples`);
  if (count > labels.length) throw new DataError(`cannot draw ${count} examples from ${labels.length}`);
  const byClass: number[][] = Array.from({ length: classes }, () => []);
  labels.forEach((y, i) => byClass[y].push(i));
  for (const rows of byClass) shuffle(rows, rng);
  // Whole rounds of one example per class first; the classes that get one more are drawn too.
  const order = shuffle(Array.from({ length: classes }, (_, c) => c), rng);
  const out: number[] = [];
  for (let k = 0; out.length < count; k++) {
    for (const c of order) {
      if (out.length === count) break;
      if (k < byClass[c].length) out.push(byClass[c][k]);
    }
  }
  return shuffle(out, rng);
}
