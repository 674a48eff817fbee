/**
 * Worker-side code of the lab's communication experiments (High Performance
 * Python ch. 9): queue workers with poison pills, factor checks that poll a
 * shared "found" flag through different channels, and workers that update a
 * shared counter and a shared file with and without a lock. A task module:
 * `Thread`, `Process` and the pools load it by URL.
 *
 * @module
 */
import { closeSync, openSync, readFileSync, readSync, writeFileSync, writeSync } from "node:fs";
import type { Event } from "../../shared-memory/event.js";
import type { Lock } from "../../shared-memory/lock.js";
import { type AsyncFlag, checkFactorRange, checkFactorRangeAsync, type FactorCheck, isPrime } from "./cpu.js";

/** The parent's poison pill: no more work (the book's `FLAG_ALL_DONE`). */
export const ALL_DONE = -1;
/** A worker's reply to the pill (the book's `FLAG_WORKER_FINISHED_PROCESSING`). */
export const WORKER_FINISHED = -2;

/** A queue a worker thread can block on. */
export interface BlockingQueue<T> {
  getSync(): T;
  putSync(item: T): void;
}

/** A queue reached by messages (a manager's queue proxy). */
export interface RemoteQueue<T> {
  get(): Promise<T>;
  put(item: T): Promise<unknown>;
}

/**
 * HPP Example 9-5 for threads: take numbers from `jobs` until the poison
 * pill, put the primes on `results`, then confirm with `WORKER_FINISHED`.
 *
 * @returns How many numbers this worker checked.
 */
export function primeQueueWorker(jobs: BlockingQueue<number>, results: BlockingQueue<number>): number {
  let checked = 0;
  for (;;) {
    const n = jobs.getSync();
    if (n === ALL_DONE) {
      results.putSync(WORKER_FINISHED);
      return checked;
    }
    checked++;
    if (isPrime(n)) results.putSync(n);
  }
}

/** {@link primeQueueWorker} for processes, over a manager's queues. */
export async function primeQueueWorkerRemote(jobs: RemoteQueue<number>, results: RemoteQueue<number>): Promise<number> {
  let checked = 0;
  for (;;) {
    const n = await jobs.get();
    if (n === ALL_DONE) {
      await results.put(WORKER_FINISHED);
      return checked;
    }
    checked++;
    if (isPrime(n)) await results.put(n);
  }
}

// ---------------------------------------------------------------------------
// Verifying primes: the same factor search, with the flag in different places.
// ---------------------------------------------------------------------------

/** The book's `RawValue`: a bare Int32Array over shared memory, read with Atomics. */
export function factorsRawFlag(n: number, from: number, to: number, flag: Int32Array, checkEvery: number): FactorCheck {
  return checkFactorRange(n, from, to, flag, checkEvery);
}

/** The flag as juggle's shared-memory `Event`. */
export function factorsEventFlag(n: number, from: number, to: number, flag: Event, checkEvery: number): FactorCheck {
  return checkFactorRange(n, from, to, { isSet: () => flag.isSet, set: () => flag.set() }, checkEvery);
}

/** No flag at all: every worker searches its whole range (the book's naive pool). */
export function factorsNoFlag(n: number, from: number, to: number): FactorCheck {
  return checkFactorRange(n, from, to);
}

/**
 * The book's `mmap` flag, for processes (which share no memory in Node): one
 * byte of a file, re-read with a `pread` at each poll. The page cache makes
 * it a cheap system call rather than a message.
 */
export function factorsFileFlag(n: number, from: number, to: number, path: string, checkEvery: number): FactorCheck {
  const fd = openSync(path, "r+");
  const byte = Buffer.alloc(1);
  try {
    return checkFactorRange(
      n,
      from,
      to,
      {
        isSet: () => readSync(fd, byte, 0, 1, 0) === 1 && byte[0] === 49,
        set: () => void writeSync(fd, "1", 0),
      },
      checkEvery,
    );
  } finally {
    closeSync(fd);
  }
}

/** A value held by a manager process, reached by messages. */
export interface RemoteValue<T> {
  get(): Promise<T>;
  set(value: T): Promise<unknown>;
}

/** The book's `Manager().Value` flag: each poll is a round trip to the manager. */
export function factorsManagerFlag(
  n: number,
  from: number,
  to: number,
  flag: RemoteValue<number>,
  checkEvery: number,
): Promise<FactorCheck> {
  const adapter: AsyncFlag = {
    isSet: async () => (await flag.get()) !== 0,
    set: async () => {
      await flag.set(1);
    },
  };
  return checkFactorRangeAsync(n, from, to, adapter, checkEvery);
}

/**
 * The book's Redis flag: `GET key` at each poll, `SET key 1` on a factor.
 * One connection per call, closed before returning (so a pool's worker is
 * left with nothing open).
 */
export async function factorsRedisFlag(
  n: number,
  from: number,
  to: number,
  url: string,
  key: string,
  checkEvery: number,
): Promise<FactorCheck> {
  const { Redis } = await import("ioredis");
  const redis = new Redis(url, { lazyConnect: false, maxRetriesPerRequest: 1 });
  try {
    return await checkFactorRangeAsync(
      n,
      from,
      to,
      {
        isSet: async () => (await redis.get(key)) === "1",
        set: async () => {
          await redis.set(key, "1", "EX", 600);
        },
      },
      checkEvery,
    );
  } finally {
    redis.disconnect();
  }
}

// ---------------------------------------------------------------------------
// Locks: several workers update one counter and one file.
// ---------------------------------------------------------------------------

/**
 * Waits (spinning) until `parties` workers have arrived, so that they start
 * their updates together and really race. `gate` is a shared Int32Array.
 */
function arrive(gate: Int32Array, parties: number): void {
  Atomics.add(gate, 0, 1);
  while (Atomics.load(gate, 0) < parties) {
    Atomics.wait(gate, 0, Atomics.load(gate, 0), 1);
  }
}

/**
 * `counter[0] += 1`, `times` times, with a plain read then a plain write:
 * two workers interleave and overwrite each other's updates.
 */
export function incrementUnlocked(counter: Int32Array, times: number, gate: Int32Array, parties: number): void {
  arrive(gate, parties);
  for (let i = 0; i < times; i++) {
    const seen = counter[0] as number;
    counter[0] = seen + 1;
  }
}

/** The same updates, each under a shared-memory `Lock`. */
export function incrementLocked(counter: Int32Array, lock: Lock, times: number, gate: Int32Array, parties: number): void {
  arrive(gate, parties);
  for (let i = 0; i < times; i++) {
    lock.acquireSync();
    try {
      const seen = counter[0] as number;
      counter[0] = seen + 1;
    } finally {
      lock.release();
    }
  }
}

/** The JavaScript way: one atomic read-modify-write, no lock needed. */
export function incrementAtomic(counter: Int32Array, times: number, gate: Int32Array, parties: number): void {
  arrive(gate, parties);
  for (let i = 0; i < times; i++) Atomics.add(counter, 0, 1);
}

/** What a file worker saw. */
export interface FileWork {
  /** Reads that found a half-written (empty) file and were skipped. */
  tornReads: number;
}

function bumpFile(path: string): boolean {
  const text = readFileSync(path, "utf8");
  const seen = Number.parseInt(text, 10);
  // Another worker truncated the file and has not written it yet: the book
  // meets this as `ValueError: invalid literal for int()`.
  if (!Number.isFinite(seen)) return false;
  writeFileSync(path, String(seen + 1));
  return true;
}

/** HPP's file counter: read the number, write it back plus one, `times` times, no lock. */
export function fileIncrementUnlocked(path: string, times: number, gate: Int32Array, parties: number): FileWork {
  arrive(gate, parties);
  let tornReads = 0;
  for (let i = 0; i < times; i++) if (!bumpFile(path)) tornReads++;
  return { tornReads };
}

/** The same with each read-and-write under a shared-memory `Lock`. */
export function fileIncrementLocked(path: string, lock: Lock, times: number, gate: Int32Array, parties: number): FileWork {
  arrive(gate, parties);
  let tornReads = 0;
  for (let i = 0; i < times; i++) {
    lock.acquireSync();
    try {
      if (!bumpFile(path)) tornReads++;
    } finally {
      lock.release();
    }
  }
  return { tornReads };
}
