/**
 * Argument checks shared by every layer. Each throws a `TypeError` or
 * `RangeError` whose message names what was being done, the option and the
 * value received, in the project's style:
 *
 *   Cannot create Semaphore as 'value' must be a non-negative integer: received -1
 *
 * @module
 */

/** Renders a received value for an error message. */
export function describe(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "bigint") return `${value}n`;
  if (typeof value === "function") return `function ${value.name || "(anonymous)"}`;
  if (typeof value === "symbol") return value.toString();
  if (value === null || value === undefined) return String(value);
  if (typeof value === "object") {
    const name = value.constructor?.name;
    return name && name !== "Object" ? `an instance of ${name}` : "an object";
  }
  return String(value);
}

export interface IntegerBounds {
  /** Smallest allowed value (inclusive). Default 0. */
  min?: number;
  /** Largest allowed value (inclusive). Default `Number.MAX_SAFE_INTEGER`. */
  max?: number;
  /** Accept `Infinity` as well (for "no limit" options). */
  allowInfinity?: boolean;
}

function kindOf(bounds: IntegerBounds): string {
  const min = bounds.min ?? 0;
  const base = min === 0 ? "a non-negative integer" : min === 1 ? "a positive integer" : `an integer >= ${min}`;
  const withMax = bounds.max === undefined ? base : `${base} <= ${bounds.max}`;
  return bounds.allowInfinity ? `${withMax} or Infinity` : withMax;
}

/**
 * Checks that `value` is an integer within bounds.
 *
 * @param action What was being done, e.g. `"create Semaphore"`.
 * @param name The option's name, e.g. `"value"`.
 * @throws {TypeError} When `value` is not a number.
 * @throws {RangeError} When it is NaN, fractional or out of bounds.
 */
export function checkInteger(action: string, name: string, value: unknown, bounds: IntegerBounds = {}): number {
  const kind = kindOf(bounds);
  if (typeof value !== "number") {
    throw new TypeError(`Cannot ${action} as '${name}' must be ${kind}: received ${describe(value)}`);
  }
  if (value === Number.POSITIVE_INFINITY && bounds.allowInfinity) return value;
  const min = bounds.min ?? 0;
  const max = bounds.max ?? Number.MAX_SAFE_INTEGER;
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(`Cannot ${action} as '${name}' must be ${kind}: received ${describe(value)}`);
  }
  return value;
}

/**
 * Checks that `value` is a finite number of milliseconds, `>= min` (0 by
 * default). `Infinity` is accepted when `allowInfinity` is set.
 */
export function checkMilliseconds(
  action: string,
  name: string,
  value: unknown,
  options: { min?: number; allowInfinity?: boolean; positive?: boolean } = {},
): number {
  const min = options.min ?? 0;
  const kind = options.positive
    ? "a positive number of milliseconds"
    : min === 0
      ? "a non-negative number of milliseconds"
      : `a number of milliseconds >= ${min}`;
  const full = options.allowInfinity ? `${kind} or Infinity` : kind;
  if (typeof value !== "number") {
    throw new TypeError(`Cannot ${action} as '${name}' must be ${full}: received ${describe(value)}`);
  }
  if (value === Number.POSITIVE_INFINITY && options.allowInfinity) return value;
  if (Number.isNaN(value) || !Number.isFinite(value) || value < min || (options.positive && value <= 0)) {
    throw new RangeError(`Cannot ${action} as '${name}' must be ${full}: received ${describe(value)}`);
  }
  return value;
}

/** Checks that `value` is a function. */
export function checkFunction(action: string, name: string, value: unknown): void {
  if (typeof value !== "function") {
    throw new TypeError(`Cannot ${action} as '${name}' must be a function: received ${describe(value)}`);
  }
}

/** Checks that `value` is an `AbortSignal` or undefined. */
export function checkSignal(action: string, value: unknown): AbortSignal | undefined {
  if (value === undefined) return undefined;
  if (!(value instanceof AbortSignal)) {
    throw new TypeError(`Cannot ${action} as 'signal' must be an AbortSignal: received ${describe(value)}`);
  }
  return value;
}

/** Checks that `value` is a plain options object or undefined. */
export function checkOptions<T extends object>(action: string, value: unknown): Partial<T> {
  if (value === undefined) return {};
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw new TypeError(`Cannot ${action} as 'options' must be an object: received ${describe(value)}`);
  }
  return value as Partial<T>;
}

/**
 * An option's value, or `fallback` when it is `undefined` (left out). The
 * one rule for defaults: only a missing option takes its default; `null` is
 * a value like any other, refused by the check that follows (`??` would
 * silently read it as "default").
 */
export function given<T>(value: T | undefined, fallback: NoInfer<T>): T {
  return value === undefined ? fallback : value;
}
