/**
 * Compact value encoding of the SQLite adapter. SQLite writes an integral value of a REAL column as
 * an integer of 1 to 8 bytes (and reads it back as REAL), so a reading quantised to its device
 * resolution (25.3 C at 0.1 C) stored as 253 takes 2 bytes instead of 8. Halving the row size
 * roughly doubles bulk-load speed. Values that do not scale exactly are stored as they are and
 * flagged in the row's `raw_mask`, so every finite double survives the round trip bit for bit.
 */

/**
 * The scaled integer for `value`, or `undefined` when it is not exact (store `value` raw instead).
 * @example encodeScaled(25.3, 10) === 253; encodeScaled(25.34, 10) === undefined
 */
export function encodeScaled(value: number, scale: number): number | undefined {
  const k = Math.round(value * scale);
  // Division by an integer scale is correctly rounded, so k / scale is exactly the double a decimal
  // literal with that many places parses to: the check holds for every quantised device value.
  return k / scale === value && (value !== 0 || 1 / value > 0) ? k : undefined;
}

/** Inverse of {@link encodeScaled}. */
export function decodeScaled(stored: number, scale: number): number {
  return stored / scale;
}
