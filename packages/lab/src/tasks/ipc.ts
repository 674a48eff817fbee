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
import type { Event } from "juggle-core/shared-memory";
import type { Lock } from "juggle-core/shared-memory";
import type { Value } from "juggle-core/shared-memory";
import { type AsyncFlag, checkFactorRange, checkFactorRangeAsync, type FactorCheck, isPrime } from "./cpu.js";

/** The parent's poison pill: no more work (the book's `FLAG_ALL_DONE`). */
export const ALL_DONE = -1;
/** A worker's reply to the pill (the book's `FLAG_WORKER_FINISHED_PROCESSING`). */
export const WORKER_FINISHED = -2;
/** A worker's first message: it is running (the parent starts its clock once every worker is). */
export const WORKER_READY = -3;

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
 * HPP Example 9-5 for threads: check the `warm` numbers (the serial loop's
 * warm-up), say `WORKER_READY`, take numbers from `jobs` until the poison
 * pill, put the primes on `results`, then confirm with `WORKER_FINISHED`.
 *
 * @returns How many numbers this worker checked.
 */
export function primeQueueWorker(jobs: BlockingQueue<number>, results: BlockingQueue<number>, warm: readonly number[] = []): number {
  // The same warm-up as the serial loop's, before the clock starts (the JIT warm on both sides).
  for (const n of warm) isPrime(n);
  results.putSync(WORKER_READY);
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
export async function primeQueueWorkerRemote(jobs: RemoteQueue<number>, results: RemoteQueue<number>, warm: readonly number[] = []): Promise<number> {
  for (const n of warm) isPrime(n);
  await results.put(WORKER_READY);
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

/** The book's `RawValue` flag: juggle's shared-memory `Value`, one atomic load per poll. */
export function factorsValueFlag(n: number, from: number, to: number, flag: Value<"int32">, checkEvery: number): FactorCheck {
  return checkFactorRange(
    n,
    from,
    to,
    {
      isSet: () => flag.value !== 0,
      set: () => {
        flag.value = 1;
      },
    },
    checkEvery,
  );
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

/** A number held by a `Manager`, reached by messages (a `ManagerValue`). */
export interface RemoteValue {
  load(): Promise<number>;
  store(value: number): Promise<unknown>;
  add(delta: number): Promise<number>;
}

/** A lock held by a `Manager` (a `ManagerLock`). */
export interface RemoteLock {
  acquire(): Promise<boolean>;
  release(): Promise<unknown>;
}

/** An event held by a `Manager` (a `ManagerEvent`). */
export interface RemoteEvent {
  set(): Promise<unknown>;
  wait(): Promise<boolean>;
}

/** The book's `Manager().Value` flag: each poll is a round trip to the manager. */
export function factorsManagerFlag(n: number, from: number, to: number, flag: RemoteValue, checkEvery: number): Promise<FactorCheck> {
  const adapter: AsyncFlag = {
    isSet: async () => (await flag.load()) !== 0,
    set: async () => {
      await flag.store(1);
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
 * Waits until `parties` workers have arrived, so that they start their
 * updates together and really race. `gate` is a shared Int32Array. Gives up
 * waiting after 10 s (a worker that failed to start must not hang the rest).
 */
function arrive(gate: Int32Array, parties: number): void {
  const deadline = performance.now() + 10_000;
  let seen = Atomics.add(gate, 0, 1) + 1;
  if (seen >= parties) Atomics.notify(gate, 0);
  while (seen < parties && performance.now() < deadline) {
    Atomics.wait(gate, 0, seen, 5);
    seen = Atomics.load(gate, 0);
  }
}

/**
 * `counter.value += 1`, `times` times: an atomic read, then an atomic write,
 * but nothing holds the two together, so two workers interleave and
 * overwrite each other's updates (Python's `value.value += 1` without
 * `get_lock()`).
 */
export function incrementUnlocked(counter: Value<"int32">, times: number, gate: Int32Array, parties: number): void {
  arrive(gate, parties);
  for (let i = 0; i < times; i++) counter.value = counter.value + 1;
}

/** The same updates, each under the value's lock (Python: `with value.get_lock():`). */
export function incrementLocked(counter: Value<"int32">, times: number, gate: Int32Array, parties: number): void {
  arrive(gate, parties);
  const lock = counter.lock;
  for (let i = 0; i < times; i++) {
    lock.acquireSync();
    try {
      counter.value = counter.value + 1;
    } finally {
      lock.release();
    }
  }
}

/** The JavaScript way: one atomic read-modify-write (`Atomics.add`), no lock needed. */
export function incrementAtomic(counter: Value<"int32">, times: number, gate: Int32Array, parties: number): void {
  arrive(gate, parties);
  for (let i = 0; i < times; i++) counter.add(1);
}

/** What a file worker saw. */
export interface FileWork {
  /** Reads that found the file truncated by another writer, not yet rewritten (retried). */
  tornReads: number;
}

/** Digits of the number in the shared file; fixed, so a late writer overwrites every byte. */
export const FILE_DIGITS = 12;

/**
 * Reads the number, writes it back plus one. A read that finds the file
 * empty (another worker truncated it and has not written yet: the book meets
 * this as `ValueError: invalid literal for int()`) is counted and retried.
 *
 * @returns The torn reads met on the way.
 */
function bumpFile(path: string): number {
  let torn = 0;
  for (;;) {
    const seen = Number.parseInt(readFileSync(path, "utf8"), 10);
    if (Number.isFinite(seen)) {
      writeFileSync(path, String(seen + 1).padStart(FILE_DIGITS, "0"));
      return torn;
    }
    torn++;
  }
}

/** HPP's file counter: read the number, write it back plus one, `times` times, no lock. */
export function fileIncrementUnlocked(path: string, times: number, gate: Int32Array, parties: number): FileWork {
  arrive(gate, parties);
  let tornReads = 0;
  for (let i = 0; i < times; i++) tornReads += bumpFile(path);
  return { tornReads };
}

/** The same with each read-and-write under a shared-memory `Lock`. */
export function fileIncrementLocked(path: string, lock: Lock, times: number, gate: Int32Array, parties: number): FileWork {
  arrive(gate, parties);
  let tornReads = 0;
  for (let i = 0; i < times; i++) {
    lock.acquireSync();
    try {
      tornReads += bumpFile(path);
    } finally {
      lock.release();
    }
  }
  return { tornReads };
}

// Processes share no memory: their start gate, counter and lock live in a Manager.

/** Waits until `parties` processes have arrived: a manager counter and event. */
async function arriveRemote(arrived: RemoteValue, go: RemoteEvent, parties: number): Promise<void> {
  if ((await arrived.add(1)) + 1 >= parties) await go.set();
  else await go.wait();
}

/** `value = load(); store(value + 1)`, `times` times, from a process: two round trips, nothing holding them together. */
export async function incrementRemoteUnlocked(counter: RemoteValue, times: number, arrived: RemoteValue, go: RemoteEvent, parties: number): Promise<void> {
  await arriveRemote(arrived, go, parties);
  for (let i = 0; i < times; i++) await counter.store((await counter.load()) + 1);
}

/** The same under a manager `Lock`. */
export async function incrementRemoteLocked(
  counter: RemoteValue,
  lock: RemoteLock,
  times: number,
  arrived: RemoteValue,
  go: RemoteEvent,
  parties: number,
): Promise<void> {
  await arriveRemote(arrived, go, parties);
  for (let i = 0; i < times; i++) {
    await lock.acquire();
    try {
      await counter.store((await counter.load()) + 1);
    } finally {
      await lock.release();
    }
  }
}

/** The file counter from a process, without a lock. */
export async function fileIncrementRemoteUnlocked(path: string, times: number, arrived: RemoteValue, go: RemoteEvent, parties: number): Promise<FileWork> {
  await arriveRemote(arrived, go, parties);
  let tornReads = 0;
  for (let i = 0; i < times; i++) tornReads += bumpFile(path);
  return { tornReads };
}

/** The file counter from a process, each read-and-write under a manager `Lock`. */
export async function fileIncrementRemoteLocked(
  path: string,
  lock: RemoteLock,
  times: number,
  arrived: RemoteValue,
  go: RemoteEvent,
  parties: number,
): Promise<FileWork> {
  await arriveRemote(arrived, go, parties);
  let tornReads = 0;
  for (let i = 0; i < times; i++) {
    await lock.acquire();
    try {
      tornReads += bumpFile(path);
    } finally {
      await lock.release();
    }
  }
  return { tornReads };
}
