/**
 * Option checks of the lab's own classes (the delay server, the HTTP
 * client). Messages follow the project's style: action first, then the
 * option and the value received.
 *
 * @module
 */

function shown(value: unknown): string {
  return typeof value === "string" ? JSON.stringify(value) : String(value);
}

/** Returns `value` if it is an integer in `[min, max]`; throws a TypeError/RangeError naming `name` otherwise. */
export function wholeNumber(action: string, name: string, value: unknown, min = 0, max = Number.MAX_SAFE_INTEGER): number {
  const wanted =
    max !== Number.MAX_SAFE_INTEGER
      ? `an integer from ${min} to ${max}`
      : min === 1
        ? "a positive integer"
        : min === 0
          ? "a non-negative integer"
          : `an integer >= ${min}`;
  if (typeof value !== "number") throw new TypeError(`Cannot ${action} as '${name}' must be ${wanted}: received ${shown(value)}`);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(`Cannot ${action} as '${name}' must be ${wanted}: received ${shown(value)}`);
  }
  return value;
}

/** Returns `value` if it is a finite, non-negative number of milliseconds; throws naming `name` otherwise. */
export function duration(action: string, name: string, value: unknown): number {
  if (typeof value !== "number") throw new TypeError(`Cannot ${action} as '${name}' must be a number of milliseconds: received ${shown(value)}`);
  if (!Number.isFinite(value) || value < 0) {
    throw new RangeError(`Cannot ${action} as '${name}' must be a finite, non-negative number of milliseconds: received ${shown(value)}`);
  }
  return value;
}
