/**
 * Per experiment: which Python program is its counterpart, the parameters it
 * gets from juggle's flags (the same sizes where CPython finishes in about a
 * second a run, smaller ones where it would not), and which row of juggle's
 * tables each Python row is compared with.
 *
 * Matching reads juggle's tables by column name and row text, so an
 * experiment whose tables change only loses the ratio (shown as "-"), never
 * the Python run.
 *
 * @module
 */
import type { PythonRow } from "./run-python.js";

/** One row of a juggle table, by column name. */
export type Cells = Record<string, string | number | null>;

/** Which juggle rows a Python row is compared with. */
export interface Counterpart {
  /** Whether a juggle row is one of them. */
  match(cells: Cells): boolean;
  /** Items juggle's run handled, from its flags or the matched row. */
  items(cells: Cells): number;
  /** Add up every matching row's seconds (juggle reports per number), instead of taking the first. */
  sum?: boolean;
}

/** How an experiment's Python counterpart is run and compared. */
export interface PythonAdapter {
  /** The program in `packages/lab/python/`, without `.py`. */
  program: string;
  /** Whether it needs the delay server's URL (as `url`). */
  server?: boolean;
  /** Its parameters from juggle's flags. */
  params(flags: Record<string, unknown>, quick: boolean): Record<string, unknown>;
  /** The juggle rows a Python row is compared with; `undefined` for none. */
  counterpart(row: PythonRow, flags: Record<string, unknown>): Counterpart | undefined;
  /** The answer as table text. */
  answer(row: PythonRow): string;
}

const num = (flags: Record<string, unknown>, key: string): number => Number(flags[key]);
const text = (cells: Cells, key: string): string => String(cells[key] ?? "");
const repeat = (quick: boolean): number => (quick ? 1 : 3);
const sameWorkers = (cells: Cells, row: PythonRow): boolean => row.workers === null || Number(cells.workers ?? cells["in flight"]) === row.workers;
const primesAnswer = (row: PythonRow): string => `${row.answer.primes} primes`;

const primes: PythonAdapter = {
  program: "primes",
  params: (f, quick) => {
    // CPython checks a number past 2^31 in about 125 µs (exact integers, where V8 divides in floating point):
    // 8,000 of them make a serial run of about a second.
    const count = quick ? num(f, "count") : Math.min(num(f, "count"), 8_000);
    const sizes = (f.chunkSizes as number[] | undefined) ?? [1, 10, 100];
    return { start: num(f, "start"), count, workers: num(f, "workers"), chunkSizes: sizes.filter((s) => s <= count), repeat: repeat(quick) };
  },
  counterpart: (row, f) =>
    row.answer.chunkSize === undefined
      ? undefined
      : { match: (c) => c.sweep === "chunksize" && Number(c["chunk size"]) === row.answer.chunkSize, items: () => num(f, "count") },
  answer: primesAnswer,
};

const queue: PythonAdapter = {
  program: "work_queue",
  params: (f, quick) => ({ start: num(f, "start"), count: quick ? num(f, "count") : Math.min(num(f, "count"), 8_000), maxWorkers: num(f, "maxWorkers"), repeat: repeat(quick) }),
  counterpart: (row, f) => ({
    // multiprocessing.Queue is a pipe with a feeder thread: its juggle counterpart is ProcessQueue
    // (run with 2 workers), not the Manager queue of the other process rows.
    match: (c) =>
      row.label === "serial"
        ? /serial/i.test(text(c, "variant"))
        : c.variant === "queue" && c.model === "processes, ProcessQueue" && sameWorkers(c, row),
    items: () => num(f, "count"),
  }),
  answer: primesAnswer,
};

const locks: PythonAdapter = {
  program: "locks",
  params: (f, quick) => ({ workers: num(f, "workers"), increments: quick ? 2000 : 50_000, repeat: repeat(quick) }),
  counterpart: (row) => ({
    // multiprocessing.Value lives in shared memory: juggle's shared memory is between threads
    // (Node processes share none; juggle's process rows go through a Manager, one message an update).
    match: (c) => c.target === "counter" && c.model === "threads" && c.variant === (/get_lock/.test(row.label) ? "lock" : "no lock"),
    items: (c) => Number(c.expected),
  }),
  answer: (row) => `${row.answer.counted} of ${row.answer.expected}`,
};

const ipc: PythonAdapter = {
  program: "ipc",
  params: (f, quick) => ({ numbers: f.numbers, workers: num(f, "workers"), checkEvery: num(f, "checkEvery"), serialCutoff: num(f, "serialCutoff"), repeat: quick ? 1 : 2 }),
  counterpart: (row, f) => {
    // A RawValue is shared memory: juggle's shared-memory Value flag (read by threads) is its counterpart.
    const variant = /RawValue/.test(row.label) ? "threads, Value flag" : /Manager/.test(row.label) ? "processes, Manager flag" : "processes, no flag";
    return { match: (c) => c.variant === variant, items: () => (f.numbers as number[]).length, sum: true };
  },
  answer: (row) => {
    const checks = row.answer.checks as { prime: boolean }[];
    return `${checks.filter((c) => c.prime).length} of ${checks.length} prime`;
  },
};

/**
 * CPython checks a small number about this many times slower than V8 (the
 * pi and sum-of-squares rows measure 16–40x on such loops): the Python side
 * checks each number this many times fewer, so its CPU part weighs against
 * the saves about as juggle's does.
 */
export const PRIMES_DB_PYTHON_SCALE = 50;

const primesDb: PythonAdapter = {
  program: "primes_db",
  server: true,
  params: (f, quick) => ({
    maxNumber: Math.min(num(f, "maxNumber"), quick ? 64 : 256),
    batchSize: num(f, "batchSize"),
    cpuRepeat: Math.max(1, Math.round(num(f, "cpuRepeat") / PRIMES_DB_PYTHON_SCALE)),
    repeat: repeat(quick),
  }),
  // Only the CPU part is compared, per check: the saving rows' time is the
  // same server's latency on both sides, over different prime counts.
  counterpart: (row, f) =>
    /^CPU only/.test(row.label)
      ? { match: (c) => /^CPU only/.test(text(c, "variant")), items: () => num(f, "maxNumber") * num(f, "cpuRepeat") }
      : undefined,
  answer: (row) => `${row.answer.primes} primes${row.answer.requests === undefined ? "" : `, ${row.answer.requests} saves logged`}`,
};

/** The adapters by experiment name (advise has no Python counterpart: it measures the user's own task). */
export const adapters: Readonly<Record<string, PythonAdapter>> = {
  "primes-db": primesDb,
  primes,
  queue,
  ipc,
  locks,
};
