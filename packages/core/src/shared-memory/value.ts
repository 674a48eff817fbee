/**
 * `Value`: one number in shared memory with atomic operations, and a lock for
 * compound updates.
 *
 * Layout: bytes 0–3 the lock word, bytes 8–15 the value. Integer types use
 * `Atomics` directly; `float32`/`float64` are read and written through an
 * `Int32Array`/`BigInt64Array` view of the same bytes, and their
 * read-modify-write operations are compare-exchange loops on the bit pattern.
 *
 * @module
 */
import { registerReviver, type SharedDescriptor, shareable } from "../internal/shareable.js";
import { describe } from "../internal/validate.js";
import { checkElement } from "./fits.js";
import { Lock } from "./lock.js";

const KEY = "juggle/shared-memory:Value";
const OFFSET = 8;

/** Element types of `Value` and `SharedArray`. */
export const ARRAY_TYPES = {
  int8: Int8Array,
  uint8: Uint8Array,
  int16: Int16Array,
  uint16: Uint16Array,
  int32: Int32Array,
  uint32: Uint32Array,
  float32: Float32Array,
  float64: Float64Array,
  bigint64: BigInt64Array,
  biguint64: BigUint64Array,
} as const;

/** The name of a shared element type, e.g. `"int32"` or `"float64"`. */
export type ValueType = keyof typeof ARRAY_TYPES;
/** The JavaScript type of an element: `bigint` for 64-bit integers, else `number`. */
export type ValueOf<T extends ValueType> = T extends "bigint64" | "biguint64" ? bigint : number;
/** The typed array class for an element type. */
export type ArrayOf<T extends ValueType> = InstanceType<(typeof ARRAY_TYPES)[T]>;

/** Checks an element type name. @internal */
export function checkType(action: string, type: unknown): ValueType {
  if (typeof type !== "string" || !Object.hasOwn(ARRAY_TYPES, type)) {
    throw new TypeError(
      `Cannot ${action} as 'type' must be one of ${Object.keys(ARRAY_TYPES).join(", ")}: received ${describe(type)}`,
    );
  }
  return type as ValueType;
}

type AtomicView = Int8Array | Uint8Array | Int16Array | Uint16Array | Int32Array | Uint32Array | BigInt64Array | BigUint64Array;

/**
 * A number in shared memory, with atomic operations and a lock for compound
 * updates. Pass it to workers as a task argument: they see the same number.
 *
 * Python: `multiprocessing.Value(typecode, value)` (with `get_lock()` as `lock`).
 *
 * @example A shared counter
 * ```ts
 * import { Value } from "juggle-core/shared-memory";
 * const hits = new Value("int32", 0);
 * hits.add(1); // atomic, from any thread
 * console.log(hits.value); // 1
 * ```
 */
export class Value<T extends ValueType = "float64"> {
  /** The element type. */
  readonly type: T;
  /** The memory the value (and its lock) live in. */
  readonly buffer: SharedArrayBuffer;
  /** A lock for compound updates (`withLock(v.lock, () => v.value = f(v.value))`). Python: `get_lock()`. */
  readonly lock: Lock;
  /** An atomic view: integer types use it directly; floats use it for their bit pattern. */
  readonly #view: AtomicView;
  /** For floats: a private scratch converting between the number and its bits. */
  readonly #float: Float32Array | Float64Array | undefined;
  readonly #bits: Int32Array | BigInt64Array | undefined;

  /**
   * @param type Element type (default `"float64"`).
   * @param initial Initial value (default 0).
   * @throws {TypeError} For an unknown type or a value of the wrong kind.
   */
  constructor(type?: T, initial?: ValueOf<T>);
  /** @internal Attaches to an existing value. */
  constructor(type: T, initial: undefined, buffer: SharedArrayBuffer);
  constructor(type: T = "float64" as T, initial?: ValueOf<T>, buffer?: SharedArrayBuffer) {
    this.type = checkType("create Value", type) as T;
    this.buffer = buffer ?? new SharedArrayBuffer(16);
    this.lock = new Lock(this.buffer, 0);
    if (type === "float64") {
      this.#view = new BigInt64Array(this.buffer, OFFSET, 1);
      this.#float = new Float64Array(1);
      this.#bits = new BigInt64Array(this.#float.buffer);
    } else if (type === "float32") {
      this.#view = new Int32Array(this.buffer, OFFSET, 1);
      this.#float = new Float32Array(1);
      this.#bits = new Int32Array(this.#float.buffer);
    } else {
      this.#view = new (ARRAY_TYPES[type] as unknown as new (b: SharedArrayBuffer, o: number, n: number) => AtomicView)(
        this.buffer,
        OFFSET,
        1,
      );
    }
    if (buffer === undefined && initial !== undefined) {
      this.#check("create Value", initial);
      this.store(initial);
    }
  }

  #check(action: string, v: unknown): void {
    checkElement(action, `the value of a ${this.type} Value`, this.type, v);
  }

  #toBits(v: number): number | bigint {
    (this.#float as Float64Array)[0] = v;
    return (this.#bits as Int32Array | BigInt64Array)[0] as number | bigint;
  }

  #fromBits(b: number | bigint): number {
    (this.#bits as BigInt64Array)[0] = b as bigint;
    return (this.#float as Float64Array)[0] as number;
  }

  /** Reads the value atomically. */
  load(): ValueOf<T> {
    const raw = Atomics.load(this.#view as Int32Array, 0) as number | bigint;
    return (this.#float ? this.#fromBits(raw) : raw) as ValueOf<T>;
  }

  /** Writes the value atomically. */
  store(v: ValueOf<T>): void {
    this.#check("store Value", v);
    Atomics.store(this.#view as Int32Array, 0, (this.#float ? this.#toBits(v as number) : v) as number);
  }

  /** The value (atomic load/store). Python: `.value`. */
  get value(): ValueOf<T> {
    return this.load();
  }

  set value(v: ValueOf<T>) {
    this.store(v);
  }

  /** Applies `f` atomically with a compare-exchange loop; returns the previous value. */
  #update(f: (old: number) => number): number {
    const view = this.#view as Int32Array;
    let raw = Atomics.load(view, 0) as number;
    for (;;) {
      const next = this.#toBits(f(this.#fromBits(raw))) as number;
      const seen = Atomics.compareExchange(view, 0, raw, next);
      if (seen === raw) return this.#fromBits(raw);
      raw = seen;
    }
  }

  /** Adds `delta` atomically; returns the previous value. */
  add(delta: ValueOf<T>): ValueOf<T> {
    this.#check("add to Value", delta);
    if (this.#float) return this.#update((old) => old + (delta as number)) as ValueOf<T>;
    return Atomics.add(this.#view as Int32Array, 0, delta as number) as ValueOf<T>;
  }

  /** Subtracts `delta` atomically; returns the previous value. */
  sub(delta: ValueOf<T>): ValueOf<T> {
    this.#check("subtract from Value", delta);
    if (this.#float) return this.#update((old) => old - (delta as number)) as ValueOf<T>;
    return Atomics.sub(this.#view as Int32Array, 0, delta as number) as ValueOf<T>;
  }

  /** Replaces the value atomically; returns the previous value. */
  exchange(v: ValueOf<T>): ValueOf<T> {
    this.#check("exchange Value", v);
    if (this.#float) return this.#fromBits(Atomics.exchange(this.#view as Int32Array, 0, this.#toBits(v as number) as number)) as ValueOf<T>;
    return Atomics.exchange(this.#view as Int32Array, 0, v as number) as ValueOf<T>;
  }

  /**
   * Stores `replacement` if the value is `expected` (for floats: the same bit
   * pattern); returns the value found, so the swap happened when it equals
   * `expected`.
   */
  compareExchange(expected: ValueOf<T>, replacement: ValueOf<T>): ValueOf<T> {
    this.#check("compare-exchange Value", expected);
    this.#check("compare-exchange Value", replacement);
    const view = this.#view as Int32Array;
    if (this.#float) {
      const e = this.#toBits(expected as number) as number;
      const r = this.#toBits(replacement as number) as number;
      return this.#fromBits(Atomics.compareExchange(view, 0, e, r)) as ValueOf<T>;
    }
    return Atomics.compareExchange(view, 0, expected as number, replacement as number) as ValueOf<T>;
  }

  /** @internal The shareable descriptor. */
  [shareable](): SharedDescriptor {
    return { $shared: KEY, module: import.meta.url, state: { sab: this.buffer, type: this.type } };
  }
}

registerReviver(KEY, (state) => {
  const s = state as { sab: SharedArrayBuffer; type: ValueType };
  return new Value(s.type, undefined, s.sab);
});
