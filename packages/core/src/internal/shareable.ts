/**
 * The protocol by which objects that live in shared memory (or behind a
 * manager) travel as ordinary task arguments and results.
 *
 * structuredClone keeps a SharedArrayBuffer shared but drops every class, so
 * a `Lock` sent to a worker would arrive as a plain object. Instead, an object
 * that can be shared implements `[shareable]()`, which returns a descriptor:
 * plain, cloneable data (its SharedArrayBuffer, an address…) plus the key of
 * the reviver that rebuilds a working object from it and the URL of the module
 * that registers that reviver. Executors call {@link encodeShared} on
 * arguments before sending them and {@link decodeShared} on arrival.
 *
 * The walk goes through arrays and plain objects only (not class instances,
 * typed arrays, maps or sets), a few levels deep: enough for `f(lock)`,
 * `f([a, b])` and `f({ counter, lock })`, and cheap for plain numbers and
 * strings, which are returned as they are.
 *
 * @module
 */

/** Implemented by objects that can be sent to another thread or process. */
export const shareable: unique symbol = Symbol.for("juggle.shareable") as never;

/** What a shareable object turns into on the wire. */
export interface SharedDescriptor {
  /** Marks the descriptor; the reviver's registry key, e.g. `"juggle/shared-memory:Lock"`. */
  readonly $shared: string;
  /** URL of the module that registers the reviver (imported on first use). */
  readonly module: string;
  /** Cloneable state the reviver needs (e.g. a SharedArrayBuffer). */
  readonly state: unknown;
}

export interface Shareable {
  [shareable](): SharedDescriptor;
}

type Reviver = (state: unknown) => unknown;
const revivers = new Map<string, Reviver>();

/** Registers the function that rebuilds objects of `key` from their state. */
export function registerReviver(key: string, reviver: Reviver): void {
  revivers.set(key, reviver);
}

const MAX_DEPTH = 4;

function isPlainObject(value: object): boolean {
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function encode(value: unknown, depth: number): unknown {
  if (value === null || typeof value !== "object") return value;
  const maybe = value as Partial<Shareable>;
  if (typeof maybe[shareable] === "function") return maybe[shareable]();
  if (depth >= MAX_DEPTH) return value;
  if (Array.isArray(value)) {
    let out: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const v = value[i];
      const e = encode(v, depth + 1);
      if (e !== v) {
        out ??= value.slice();
        out[i] = e;
      }
    }
    return out ?? value;
  }
  if (isPlainObject(value)) {
    let out: Record<string, unknown> | undefined;
    for (const key of Object.keys(value)) {
      const v = (value as Record<string, unknown>)[key];
      const e = encode(v, depth + 1);
      if (e !== v) {
        out ??= { ...(value as Record<string, unknown>) };
        out[key] = e;
      }
    }
    return out ?? value;
  }
  return value;
}

/**
 * Replaces shareable objects in `value` by their descriptors. Returns `value`
 * itself when there was nothing to replace (the common case costs no copy).
 */
export function encodeShared<T>(value: T): T {
  return encode(value, 0) as T;
}

/** True when `value` is a {@link SharedDescriptor}. */
export function isSharedDescriptor(value: unknown): value is SharedDescriptor {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as SharedDescriptor).$shared === "string" &&
    typeof (value as SharedDescriptor).module === "string"
  );
}

function needsDecode(value: unknown, depth: number): boolean {
  if (value === null || typeof value !== "object") return false;
  if (isSharedDescriptor(value)) return true;
  if (depth >= MAX_DEPTH) return false;
  if (Array.isArray(value)) return value.some((v) => needsDecode(v, depth + 1));
  if (isPlainObject(value)) return Object.values(value).some((v) => needsDecode(v, depth + 1));
  return false;
}

async function load(descriptor: SharedDescriptor): Promise<Reviver> {
  let reviver = revivers.get(descriptor.$shared);
  if (reviver === undefined) {
    await import(descriptor.module);
    reviver = revivers.get(descriptor.$shared);
    if (reviver === undefined) {
      throw new Error(
        `Cannot receive shared object '${descriptor.$shared}' as module ${descriptor.module} registers no reviver for it`,
      );
    }
  }
  return reviver;
}

async function decode(value: unknown, depth: number): Promise<unknown> {
  if (value === null || typeof value !== "object") return value;
  if (isSharedDescriptor(value)) return (await load(value))(value.state);
  if (depth >= MAX_DEPTH) return value;
  if (Array.isArray(value)) {
    const out = value.slice();
    for (let i = 0; i < out.length; i++) out[i] = await decode(out[i], depth + 1);
    return out;
  }
  if (isPlainObject(value)) {
    const out: Record<string, unknown> = { ...(value as Record<string, unknown>) };
    for (const key of Object.keys(out)) out[key] = await decode(out[key], depth + 1);
    return out;
  }
  return value;
}

/**
 * Rebuilds shareable objects from their descriptors in `value`. Synchronous
 * fast path: when `value` holds no descriptor it is returned as it is (not a
 * promise), so hot paths can skip an await; otherwise a promise of the
 * decoded value is returned (reviver modules may need importing first).
 */
export function decodeShared<T>(value: T): T | Promise<T> {
  if (!needsDecode(value, 0)) return value;
  return decode(value, 0) as Promise<T>;
}
