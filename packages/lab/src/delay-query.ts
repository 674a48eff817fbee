/**
 * Reading the delay server's query parameters strictly: a number is decimal
 * digits with an optional fraction, nothing else. `Number()` would take
 * `0x10` as 16, `1e3` as 1000 and `" 5"` as 5; the server answers those 400.
 *
 * @module
 */

/** Reads a query parameter: the first value, or null when absent (`URLSearchParams.get`). */
export type Query = (name: string) => string | null;

/** A parameter the server cannot serve; answered 400 with this message. */
export class BadParameter extends Error {
  override name = "BadParameter";
}

const DECIMAL = /^\d+(\.\d+)?$/;
const INTEGER = /^\d+$/;

/**
 * The parameter's text.
 *
 * @throws {BadParameter} When it is absent or empty.
 */
export function readText(query: Query, name: string): string {
  const value = query(name);
  if (value === null || value === "") throw new BadParameter(`Cannot serve /add as '${name}' is missing`);
  return value;
}

/**
 * The parameter as a non-negative decimal number up to `max` (an integer when `integer`).
 *
 * @throws {BadParameter} When it is absent, not plain decimal digits, or above `max`.
 */
export function readNumber(query: Query, name: string, max: number, integer: boolean): number {
  const raw = readText(query, name);
  const value = (integer ? INTEGER : DECIMAL).test(raw) ? Number(raw) : Number.NaN;
  const kind = integer ? "a non-negative integer" : `a non-negative number of milliseconds <= ${max}`;
  if (!(value <= max) || (integer && !Number.isSafeInteger(value))) {
    throw new BadParameter(`Cannot serve /add as '${name}' must be ${kind}: received ${JSON.stringify(raw)}`);
  }
  return value;
}
