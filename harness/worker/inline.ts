/**
 * Outputs that travel in the worker's reply instead of as files (the driver's INLINE_BYTES):
 * `outputs: { name: { npy: <base64 of the .npy bytes> } }`. As untrusted as a file the student's
 * process wrote, and read as such: the caller decodes and checks the bytes like a file's.
 */

/** A reply line is at most 1 MiB, so this bounds what decoding can cost. */
const MAX_BASE64 = 1 << 20;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** The outputs that came inline, as .npy bytes by name; anything malformed is left out. */
export function inlineOutputs(outputs: Record<string, unknown>): Record<string, Uint8Array> {
  const found: Record<string, Uint8Array> = {};
  let total = 0;
  for (const [name, value] of Object.entries(outputs)) {
    const npy = value && typeof value === 'object' ? (value as Record<string, unknown>).npy : undefined;
    if (typeof npy !== 'string' || npy.length % 4 !== 0 || !BASE64.test(npy)) continue;
    total += npy.length;
    if (total > MAX_BASE64) break;
    found[name] = Buffer.from(npy, 'base64');
  }
  return found;
}
