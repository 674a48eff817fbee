/**
 * The CPU-bound kernels of the lab's chapter-9 experiments (High Performance
 * Python, "The multiprocessing Module") and the roadmap article's CPU-bound table. This
 * is a task module: pools load it in their workers by URL, so it imports
 * nothing heavier than types and keeps every export a plain function.
 *
 * Random numbers: each Monte Carlo call takes its own seed and builds its own
 * generator. The book's pitfall (Example 9-3: forked numpy workers sharing one
 * generator state, so every worker throws the *same* darts) cannot happen by
 * accident here: the experiment hands every chunk a different seed, and
 * {@link chunkSeed} mixes the run seed with the chunk index.
 *
 * @module
 */

// ---------------------------------------------------------------------------
// A small seeded generator: xoshiro128** (Blackman & Vigna), 128 bits of
// state, 32-bit outputs, seeded through splitmix32 so that nearby seeds give
// unrelated streams. Fast in V8 (Math.imul and shifts on small integers).
// ---------------------------------------------------------------------------

const TWO_TO_MINUS_32 = 2.3283064365386963e-10;

function splitmix32(state: number): () => number {
  let s = state | 0;
  return () => {
    s = (s + 0x9e3779b9) | 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };
}

/**
 * A seeded uniform generator on [0, 1). Two generators built with the same
 * seed produce the same sequence; different seeds give unrelated sequences.
 *
 * @example
 * ```ts
 * const rng = new Random(42);
 * const x = rng.next(); // 0 <= x < 1
 * ```
 */
export class Random {
  #a: number;
  #b: number;
  #c: number;
  #d: number;

  constructor(seed: number) {
    const mix = splitmix32(seed);
    this.#a = mix();
    this.#b = mix();
    this.#c = mix();
    this.#d = mix();
    if ((this.#a | this.#b | this.#c | this.#d) === 0) this.#a = 1;
  }

  /** The next 32-bit unsigned integer. */
  nextUint32(): number {
    const b = this.#b;
    const result = Math.imul(rotl(Math.imul(b, 5), 7), 9) >>> 0;
    const t = b << 9;
    this.#c ^= this.#a;
    this.#d ^= b;
    this.#b ^= this.#c;
    this.#a ^= this.#d;
    this.#c ^= t;
    this.#d = rotl(this.#d, 11);
    return result;
  }

  /** The next double in [0, 1). */
  next(): number {
    return this.nextUint32() * TWO_TO_MINUS_32;
  }

  /** Fills `out` with doubles in [0, 1) (the "numpy" batch call). */
  fill(out: Float64Array): Float64Array {
    let a = this.#a;
    let b = this.#b;
    let c = this.#c;
    let d = this.#d;
    for (let i = 0; i < out.length; i++) {
      out[i] = (Math.imul(rotl(Math.imul(b, 5), 7), 9) >>> 0) * TWO_TO_MINUS_32;
      const t = b << 9;
      c ^= a;
      d ^= b;
      b ^= c;
      a ^= d;
      c ^= t;
      d = rotl(d, 11);
    }
    this.#a = a;
    this.#b = b;
    this.#c = c;
    this.#d = d;
    return out;
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/**
 * The seed of chunk `index` of a run seeded with `runSeed`: distinct chunks
 * get distinct, well-mixed seeds (never the identically seeded workers of
 * the book's numpy pitfall).
 */
export function chunkSeed(runSeed: number, index: number): number {
  return splitmix32((Math.imul(runSeed | 0, 0x27d4eb2d) ^ Math.imul(index + 1, 0x165667b1)) | 0)();
}

// ---------------------------------------------------------------------------
// Monte Carlo pi (HPP Examples 9-1 and 9-3).
// ---------------------------------------------------------------------------

/**
 * Throws `samples` darts at the unit square one at a time and counts those
 * inside the quarter circle (HPP Example 9-1, the "Python objects" loop).
 *
 * @param samples Darts to throw.
 * @param seed Seed of this call's generator (give every chunk its own).
 * @returns How many darts landed inside; pi ≈ 4 × inside / samples.
 */
export function piLoop(samples: number, seed: number): number {
  const rng = new Random(seed);
  let inside = 0;
  for (let i = 0; i < samples; i++) {
    const x = rng.next();
    const y = rng.next();
    if (x * x + y * y <= 1) inside++;
  }
  return inside;
}

/** Darts per batch of the typed-array version: two 512 KiB arrays, cache-sized. */
export const PI_BATCH = 65_536;

/**
 * The vectorised version (HPP Example 9-3, numpy): fills typed arrays of x
 * and y in batches, then counts `x² + y² <= 1` over the arrays.
 *
 * @param samples Darts to throw.
 * @param seed Seed of this call's generator (give every chunk its own).
 * @returns How many darts landed inside.
 */
export function piTyped(samples: number, seed: number): number {
  const rng = new Random(seed);
  const size = Math.min(PI_BATCH, Math.max(1, samples));
  const xs = new Float64Array(size);
  const ys = new Float64Array(size);
  let inside = 0;
  for (let done = 0; done < samples; done += size) {
    const n = Math.min(size, samples - done);
    rng.fill(xs);
    rng.fill(ys);
    for (let i = 0; i < n; i++) {
      const x = xs[i] as number;
      const y = ys[i] as number;
      inside += x * x + y * y <= 1 ? 1 : 0;
    }
  }
  return inside;
}

// ---------------------------------------------------------------------------
// Primes (HPP Example 9-4 and the queue / IPC sections).
// ---------------------------------------------------------------------------

/**
 * Trial division by odd factors up to √n (HPP Example 9-4, without its
 * off-by-ones: 1 is not prime, 2 is).
 */
export function isPrime(n: number): boolean {
  if (n < 2) return false;
  if (n % 2 === 0) return n === 2;
  const limit = Math.floor(Math.sqrt(n));
  for (let i = 3; i <= limit; i += 2) {
    if (n % i === 0) return false;
  }
  return true;
}

/** The primes among `numbers` (a chunk of work for one message). */
export function primesIn(numbers: readonly number[]): number[] {
  const out: number[] = [];
  for (const n of numbers) if (isPrime(n)) out.push(n);
  return out;
}

/** How many primes lie in [from, to). */
export function countPrimes(from: number, to: number): number {
  let count = 0;
  for (let n = from; n < to; n++) if (isPrime(n)) count++;
  return count;
}

/** The largest odd factor worth trying for `n`: ⌊√n⌋. */
export function factorLimit(n: number): number {
  return Math.floor(Math.sqrt(n));
}

/** What {@link checkFactorRange} found. */
export type FactorCheck =
  /** A factor of n (the caller may stop every other worker). */
  | { state: "factor"; factor: number; steps: number }
  /** No factor in the range. */
  | { state: "none"; steps: number }
  /** Another worker raised the flag first; the range was not finished. */
  | { state: "stopped"; steps: number };

/**
 * Something a synchronous kernel can poll: a raw `Int32Array` over shared
 * memory (the book's `RawValue`), or any object with `isSet()`/`set()` (an
 * adapter around juggle's shared `Value` or `Event`, or a file flag).
 */
export type SyncFlag = Int32Array | { isSet(): boolean; set(): void };

function flagIsSet(flag: SyncFlag): boolean {
  return flag instanceof Int32Array ? Atomics.load(flag, 0) !== 0 : flag.isSet();
}

function raiseFlag(flag: SyncFlag): void {
  if (flag instanceof Int32Array) Atomics.store(flag, 0, 1);
  else flag.set();
}

function firstOdd(from: number): number {
  const start = Math.max(3, Math.ceil(from));
  return start % 2 === 0 ? start + 1 : start;
}

/**
 * Looks for an odd factor of `n` in [from, to] (HPP "Verifying Primes Using
 * Interprocess Communication"). With a flag, polls it every `checkEvery`
 * trial divisions and stops early once another worker has found a factor;
 * on finding one, raises the flag itself.
 *
 * @param n The number to verify (below 2^53).
 * @param from First factor to try (odd numbers from max(3, from)).
 * @param to Last factor to try (inclusive).
 * @param flag The shared "factor found" flag, or none (the naive version).
 * @param checkEvery Trial divisions between two polls of the flag.
 */
export function checkFactorRange(n: number, from: number, to: number, flag?: SyncFlag, checkEvery = 1000): FactorCheck {
  let steps = 0;
  let untilCheck = checkEvery;
  for (let i = firstOdd(from); i <= to; i += 2) {
    steps++;
    if (n % i === 0) {
      if (flag !== undefined) raiseFlag(flag);
      return { state: "factor", factor: i, steps };
    }
    if (flag !== undefined && --untilCheck === 0) {
      untilCheck = checkEvery;
      if (flagIsSet(flag)) return { state: "stopped", steps };
    }
  }
  return { state: "none", steps };
}

/**
 * An asynchronous flag: a proxy held by a manager process, or a key in
 * Redis. Each poll is a round trip, which is what the ipc experiment
 * measures.
 */
export interface AsyncFlag {
  isSet(): Promise<boolean>;
  set(): Promise<void>;
}

/**
 * {@link checkFactorRange} with a flag that answers asynchronously (the
 * book's `Manager().Value` and Redis flags): every `checkEvery` divisions the
 * worker waits for a round trip to learn whether to go on.
 */
export async function checkFactorRangeAsync(
  n: number,
  from: number,
  to: number,
  flag: AsyncFlag,
  checkEvery = 1000,
): Promise<FactorCheck> {
  let steps = 0;
  let untilCheck = checkEvery;
  for (let i = firstOdd(from); i <= to; i += 2) {
    steps++;
    if (n % i === 0) {
      await flag.set();
      return { state: "factor", factor: i, steps };
    }
    if (--untilCheck === 0) {
      untilCheck = checkEvery;
      if (await flag.isSet()) return { state: "stopped", steps };
    }
  }
  return { state: "none", steps };
}

// ---------------------------------------------------------------------------
// Sum of squares (the roadmap article, Jim Anderson's cpu_bound()).
// ---------------------------------------------------------------------------

const TWO_52 = 2 ** 52;
/** Largest `n` for which {@link sumOfSquares} stays exact (i² < 2^52). */
export const SUM_OF_SQUARES_MAX = 2 ** 26;

/**
 * `sum(i * i for i in range(n))`, exactly: the running sum is kept as a
 * count of 2^52 carries plus a remainder, so every addition stays within a
 * double's exact integers; the result is a bigint.
 *
 * @throws {RangeError} When `n` is above {@link SUM_OF_SQUARES_MAX}.
 */
export function sumOfSquares(n: number): bigint {
  if (!Number.isInteger(n) || n < 0 || n > SUM_OF_SQUARES_MAX) {
    throw new RangeError(`Cannot sum squares as 'n' must be an integer in [0, ${SUM_OF_SQUARES_MAX}]: received ${n}`);
  }
  let lo = 0;
  let carries = 0;
  for (let i = 0; i < n; i++) {
    lo += i * i;
    if (lo >= TWO_52) {
      lo -= TWO_52;
      carries++;
    }
  }
  return BigInt(carries) * BigInt(TWO_52) + BigInt(lo);
}

/** `sumOfSquares` as an async function that never awaits: the "asyncio" row. */
export async function sumOfSquaresAsync(n: number): Promise<bigint> {
  return sumOfSquares(n);
}

/** Does nothing; the lab maps it over a pool to start every worker before timing. */
export function noop(): void {}

/**
 * The I/O-bound sample of `juggle lab advise`: waits `ms` milliseconds (a
 * stand-in for a request or a query), then does a trifle of CPU work.
 */
export async function waitThenSquare(ms: number): Promise<number> {
  await new Promise((resolve) => setTimeout(resolve, ms));
  return ms * ms;
}
