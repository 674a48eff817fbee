/**
 * A cheap check, made when a task is submitted, for values that can never be
 * sent to a worker (functions and symbols, also inside arrays and objects, as
 * in a socket's listeners), so the caller gets a `TypeError` naming the
 * argument before anything is queued. The walk is bounded (depth and entries
 * per container), so large arrays cost nothing more than a few checks; what it
 * misses is caught when the message is posted, and fails only that task.
 *
 * @internal
 * @module
 */
import { shareable } from "../internal/shareable.js";
import { describe } from "../internal/validate.js";

const MAX_DEPTH = 3;
const MAX_ENTRIES = 64;

function unsendable(value: unknown): boolean {
  return typeof value === "function" || typeof value === "symbol";
}

/** Returns the path of the first unsendable value inside `value` (`""` for itself), or undefined. */
function find(value: unknown, depth: number): [string, unknown] | undefined {
  if (unsendable(value)) return ["", value];
  if (value === null || typeof value !== "object" || depth >= MAX_DEPTH) return undefined;
  if (typeof (value as { [shareable]?: unknown })[shareable] === "function") return undefined;
  if (ArrayBuffer.isView(value) || value instanceof ArrayBuffer || value instanceof SharedArrayBuffer) return undefined;
  if (value instanceof Date || value instanceof RegExp || value instanceof Error) return undefined;
  if (Array.isArray(value)) {
    const n = Math.min(value.length, MAX_ENTRIES);
    for (let i = 0; i < n; i++) {
      const v = value[i];
      if (v === null || (typeof v !== "object" && !unsendable(v))) continue;
      const found = find(v, depth + 1);
      if (found) return [`[${i}]${found[0]}`, found[1]];
    }
    return undefined;
  }
  if (value instanceof Map || value instanceof Set) return undefined;
  let seen = 0;
  for (const key in value) {
    if (!Object.hasOwn(value, key)) continue;
    if (++seen > MAX_ENTRIES) break;
    const v = (value as Record<string, unknown>)[key];
    if (v === null || (typeof v !== "object" && !unsendable(v))) continue;
    const found = find(v, depth + 1);
    if (found) return [`${/^[A-Za-z_$][\w$]*$/.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`}${found[0]}`, found[1]];
  }
  return undefined;
}

/** True when every value is a primitive other than a symbol: nothing to walk (the hot path). */
export function allPlain(values: readonly unknown[]): boolean {
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    const type = typeof v;
    if ((type === "object" && v !== null) || type === "function" || type === "symbol") return false;
  }
  return true;
}

/**
 * The values as an Int32Array when they are all 32-bit integers (not -0), as
 * a Float64Array when they are all numbers, else undefined. Int32 first: a
 * task reading a double where it expects a small integer runs on V8's slow
 * floating-point path (`n % d` becomes a C call).
 */
export function toTypedArray(values: ArrayLike<unknown>): Int32Array | Float64Array | undefined {
  const n = values.length;
  let ints = true;
  for (let i = 0; i < n; i++) {
    const v = values[i];
    if (typeof v !== "number") return undefined;
    if (ints && (v !== (v | 0) || (v === 0 && 1 / v < 0))) ints = false;
  }
  const out = ints ? new Int32Array(n) : new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = values[i] as number;
  return out;
}

/**
 * Throws a `TypeError` when one of `values` holds a function or a symbol.
 *
 * @param action What was being done, e.g. `"submit task 'square'"`.
 * @param label How to name each value, e.g. `"args"` → `args[0]`.
 * @param limit Check at most this many values (the rest is checked at post).
 * @param offset Index of `values[0]` in the caller's list, for the message.
 */
export function checkSendable(
  action: string,
  label: string,
  values: readonly unknown[],
  limit = values.length,
  offset = 0,
): void {
  const n = Math.min(values.length, limit);
  for (let i = 0; i < n; i++) {
    const v = values[i];
    if (v === null || (typeof v !== "object" && !unsendable(v))) continue;
    const found = find(v, 0);
    if (found !== undefined) {
      throw new TypeError(
        `Cannot ${action} as ${label}[${offset + i}]${found[0]} cannot be sent to a worker (functions and symbols cannot be cloned): received ${describe(found[1])}`,
      );
    }
  }
}
