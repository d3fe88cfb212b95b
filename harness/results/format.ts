/**
 * How every number in a result's messages and reports is written: six significant digits in the
 * range a student reads at a glance, three in exponent form outside it, so a bar of 1e-8 and an
 * error of 3.1e-2 read as the course writes them.
 */
export const fmt = (v: number): string => {
  if (!Number.isFinite(v)) return String(v);
  if (v === 0) return '0';
  const a = Math.abs(v);
  return a >= 1e-3 && a < 1e5 ? String(Number(v.toPrecision(6))) : v.toExponential(2).replace('e+', 'e');
};
