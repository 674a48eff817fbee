/**
 * Whether a value fits an element type of shared memory. A typed array
 * stores what does not fit without a word (`1.5`, `NaN` and `2 ** 40` all
 * become something else in an `Int32Array`, `"7"` becomes 7): `Value` and
 * the shared arrays refuse such values instead, with one rule
 * ({@link checkElement}).
 *
 * @internal
 * @module
 */
import { describe } from "../internal/validate.js";

/** Inclusive bounds of each integer type. */
const INTEGER_RANGES: Record<string, readonly [number, number]> = {
  int8: [-(2 ** 7), 2 ** 7 - 1],
  uint8: [0, 2 ** 8 - 1],
  int16: [-(2 ** 15), 2 ** 15 - 1],
  uint16: [0, 2 ** 16 - 1],
  int32: [-(2 ** 31), 2 ** 31 - 1],
  uint32: [0, 2 ** 32 - 1],
};

const BIGINT_RANGES: Record<string, readonly [bigint, bigint]> = {
  bigint64: [-(2n ** 63n), 2n ** 63n - 1n],
  biguint64: [0n, 2n ** 64n - 1n],
};

/** Largest finite float32. */
const FLOAT32_MAX = 3.4028234663852886e38;

/** Describes what `type` holds, for an error message. */
function kind(type: string): string {
  const ints = INTEGER_RANGES[type] ?? BIGINT_RANGES[type];
  if (ints !== undefined) return `an integer from ${ints[0]} to ${ints[1]}`;
  return `a number within ±${FLOAT32_MAX} (or ±Infinity, NaN)`;
}

/**
 * Checks that `value` (already of the right JS type: number, or bigint for
 * the 64-bit integer types) fits `type`: integers in range for the integer
 * types, no finite number that would overflow to Infinity for `float32`;
 * every number fits `float64`.
 *
 * @throws {RangeError} Naming `what` and the value when it does not fit.
 */
export function checkFits(action: string, what: string, type: string, value: number | bigint): void {
  let fits: boolean;
  const ints = INTEGER_RANGES[type];
  const bigs = BIGINT_RANGES[type];
  if (ints !== undefined) fits = Number.isInteger(value) && value >= ints[0] && value <= ints[1];
  else if (bigs !== undefined) fits = value >= bigs[0] && value <= bigs[1];
  else if (type === "float32") fits = !Number.isFinite(value) || Math.abs(value as number) <= FLOAT32_MAX;
  else fits = true;
  if (!fits) throw new RangeError(`Cannot ${action} as ${what} must be ${kind(type)}: received ${describe(value)}`);
}

/**
 * Checks that `value` is of the JS type `type` stores (a bigint for the
 * 64-bit integer types, else a number) and fits it (see {@link checkFits}).
 *
 * @throws {TypeError} Naming `what` and the value when it is of the wrong JS type.
 * @throws {RangeError} Naming `what` and the value when it does not fit.
 */
export function checkElement(action: string, what: string, type: string, value: unknown): void {
  const big = type === "bigint64" || type === "biguint64";
  if (big ? typeof value !== "bigint" : typeof value !== "number") {
    throw new TypeError(`Cannot ${action} as ${what} must be a ${big ? "bigint" : "number"}: received ${describe(value)}`);
  }
  checkFits(action, what, type, value as number | bigint);
}
