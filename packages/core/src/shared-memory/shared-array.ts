/**
 * Typed arrays in shared memory, handed to many workers without copying.
 *
 * A typed array over a SharedArrayBuffer already crosses threads by
 * reference (structured clone shares the buffer), so {@link sharedArray}
 * returns a plain typed array. {@link SharedArray} adds a lock for compound
 * updates, like Python's `multiprocessing.Array`.
 *
 * @module
 */
import { registerReviver, type SharedDescriptor, shareable } from "../internal/shareable.js";
import { checkInteger, describe } from "../internal/validate.js";
import { checkElement } from "./fits.js";
import { Lock } from "./lock.js";
import { ARRAY_TYPES, type ArrayOf, checkType, type ValueOf, type ValueType } from "./value.js";

type TypedCtor = {
  new (buffer: SharedArrayBuffer, byteOffset: number, length: number): unknown;
  readonly BYTES_PER_ELEMENT: number;
};

const KEY = "juggle/shared-memory:SharedArray";
/** Bytes before the elements: the lock word, padded so every element type is aligned. */
const HEADER = 8;

function lengthOf(action: string, init: unknown): number {
  if (typeof init === "number") return checkInteger(action, "length", init);
  if (init !== null && typeof init === "object" && Symbol.iterator in init) return -1;
  throw new TypeError(`Cannot ${action} as 'length' must be a non-negative integer or an iterable: received ${describe(init)}`);
}

function allocate<T extends ValueType>(action: string, type: T, init: number | Iterable<ValueOf<T>>, header: number): ArrayOf<T> {
  checkType(action, type);
  const Ctor = ARRAY_TYPES[type] as unknown as TypedCtor;
  let values: ArrayLike<ValueOf<T>> | undefined;
  let length = lengthOf(action, init);
  if (length < 0) {
    values = Array.from(init as Iterable<ValueOf<T>>);
    length = values.length;
    // A typed array would store 1.5 in an int32 as 1 without a word: refuse it, as Value does.
    for (let i = 0; i < length; i++) checkElement(action, `element ${i} of the initial values`, type, values[i]);
  }
  const bytes = header + length * Ctor.BYTES_PER_ELEMENT;
  let sab: SharedArrayBuffer;
  try {
    sab = new SharedArrayBuffer(bytes);
  } catch (cause) {
    // V8 says only "Array buffer allocation failed": name what was asked.
    throw new RangeError(
      `Cannot ${action} as 'length' ${length} of ${type} (${bytes} bytes) could not be allocated: ${(cause as Error).message}`,
      { cause },
    );
  }
  const array = new Ctor(sab, header, length) as unknown as ArrayOf<T>;
  if (values) (array as unknown as { set(v: ArrayLike<unknown>): void }).set(values);
  return array;
}

/**
 * Creates a typed array in a new SharedArrayBuffer, filled with zeros or with
 * `values`. Send it to workers as a task argument (or with `postMessage`):
 * they all see the same memory, nothing is copied.
 *
 * @param type Element type, e.g. `"float64"`.
 * @param init Length, or the initial values.
 * @throws {TypeError} For an unknown type, a bad length, or an initial value
 *   of the wrong JS type (a bigint for the 64-bit integer types, else a number).
 * @throws {RangeError} For an initial value the type cannot hold (`1.5` or
 *   `2 ** 40` in an `"int32"` array), or a length that cannot be allocated.
 * Python: `multiprocessing.RawArray(typecode, size_or_initializer)`.
 *
 * @example Sharing a large array between workers
 * ```ts
 * import { sharedArray } from "juggle-core/shared-memory";
 * const data = sharedArray("float64", 1_000_000);
 * data.fill(1);
 * // pool.map(sumSlice, [[data, 0, 500_000], [data, 500_000, 1_000_000]])
 * ```
 */
export function sharedArray<T extends ValueType>(type: T, init: number | Iterable<ValueOf<T>>): ArrayOf<T> {
  return allocate("create shared array", type, init, 0);
}

/**
 * A typed array in shared memory with a lock for compound updates.
 * `array` is the typed array itself: index it, `Atomics.add` on it, or
 * hold `lock` while updating several elements.
 *
 * Python: `multiprocessing.Array(typecode, size_or_initializer)` (`get_lock()` is `lock`).
 *
 * @example
 * ```ts
 * import { SharedArray, withLock } from "juggle-core/shared-memory";
 * const hist = new SharedArray("int32", 10);
 * await withLock(hist.lock, () => { hist.array[3]++; hist.array[4]--; });
 * ```
 */
export class SharedArray<T extends ValueType = "float64"> {
  /** The element type. */
  readonly type: T;
  /** The elements. */
  readonly array: ArrayOf<T>;
  /** A lock for compound updates. */
  readonly lock: Lock;

  /**
   * @param type Element type.
   * @param init Length, or the initial values.
   * @throws {TypeError} For an unknown type, a bad length, or an initial value of the wrong JS type.
   * @throws {RangeError} For an initial value the type cannot hold, or a length that cannot be allocated.
   */
  constructor(type: T, init: number | Iterable<ValueOf<T>>);
  /** @internal Attaches to an existing array. */
  constructor(type: T, init: number, buffer: SharedArrayBuffer);
  constructor(type: T, init: number | Iterable<ValueOf<T>>, buffer?: SharedArrayBuffer) {
    this.type = type;
    this.array =
      buffer === undefined
        ? allocate("create SharedArray", type, init, HEADER)
        : (new (ARRAY_TYPES[type] as unknown as TypedCtor)(buffer, HEADER, init as number) as unknown as ArrayOf<T>);
    this.lock = new Lock(this.array.buffer as unknown as SharedArrayBuffer, 0);
  }

  /** Number of elements. */
  get length(): number {
    return this.array.length;
  }

  /** The memory the array and its lock live in. */
  get buffer(): SharedArrayBuffer {
    return this.array.buffer as unknown as SharedArrayBuffer;
  }

  /** @internal The shareable descriptor. */
  [shareable](): SharedDescriptor {
    return { $shared: KEY, module: import.meta.url, state: { sab: this.buffer, type: this.type, length: this.length } };
  }
}

registerReviver(KEY, (state) => {
  const s = state as { sab: SharedArrayBuffer; type: ValueType; length: number };
  return new SharedArray(s.type, s.length, s.sab);
});
