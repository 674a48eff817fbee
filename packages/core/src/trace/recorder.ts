/**
 * Records each task's queue, start and end times and the worker that ran it,
 * and exports them as JSON or as a Chrome trace (open it in Perfetto or
 * chrome://tracing). The lab draws the book's request-chronology figures
 * from these records.
 *
 * Times are milliseconds from the recorder's creation, read from
 * `performance.now()` (monotonic). Workers report their own clock readings
 * as offsets from `performance.timeOrigin`, so records from several threads
 * and processes land on one time line.
 *
 * @module
 */
import { checkInteger, checkOptions, given } from "../internal/validate.js";

/** One task's life. */
export interface TraceEvent {
  /** Task id, unique within the recorder. */
  id: number;
  /** Task name (export name, or a label). */
  name: string;
  /** The worker that ran it ("main" for the event loop). */
  worker: string;
  /** When the task was submitted, ms since the recorder started. */
  queuedAt: number;
  /** When it started running. */
  startedAt: number;
  /** When it finished. */
  endedAt: number;
  /** Whether it succeeded. */
  ok: boolean;
}

/** The JSON export. */
export interface TraceJSON {
  /** `performance.timeOrigin + origin` in ms since the Unix epoch: wall time of t = 0. */
  startedAtEpochMs: number;
  events: TraceEvent[];
}

/** Options for {@link TraceRecorder}. */
export interface TraceRecorderOptions {
  /** Most events kept; older ones are dropped first. Default 1,000,000. */
  limit?: number;
}

/**
 * Collects {@link TraceEvent}s. Executors take one through their `trace`
 * option; the lab makes one per experiment run.
 *
 * @example Tracing a pool
 * ```ts
 * const trace = new TraceRecorder();
 * await using pool = new ThreadPool({ workers: 2, trace });
 * await pool.map(t.square, [1, 2, 3]);
 * await writeFile("trace.json", JSON.stringify(trace.toChromeTrace()));
 * ```
 */
export class TraceRecorder {
  /** `performance.now()` at creation: t = 0 of every event. */
  readonly origin: number;
  readonly #limit: number;
  #events: TraceEvent[] = [];
  /** Events before this index were dropped (see `record`). */
  #head = 0;
  #nextId = 0;
  #dropped = 0;

  constructor(options?: TraceRecorderOptions) {
    const o = checkOptions<TraceRecorderOptions>("create TraceRecorder", options);
    this.#limit = checkInteger("create TraceRecorder", "limit", given(o.limit, 1_000_000), { min: 1 });
    this.origin = performance.now();
  }

  /** Milliseconds since the recorder started. */
  now(): number {
    return performance.now() - this.origin;
  }

  /**
   * Converts an absolute epoch-based time (`performance.timeOrigin + now()` on
   * any thread or process) to the recorder's time line.
   */
  fromEpoch(epochMs: number): number {
    return epochMs - (performance.timeOrigin + this.origin);
  }

  /** A fresh task id. */
  nextId(): number {
    return this.#nextId++;
  }

  /** Adds one event. */
  record(event: TraceEvent): void {
    this.#events.push(event);
    if (this.#events.length - this.#head > this.#limit) {
      // Dropping by shift() copies the whole array once it is large (about
      // 0.6 ms a record at a million events); instead the oldest are skipped
      // and cut off together, a copy every limit/2 records.
      this.#head++;
      this.#dropped++;
      if (this.#head * 2 >= this.#limit) this.#compact();
    }
  }

  #compact(): void {
    if (this.#head === 0) return;
    this.#events = this.#events.slice(this.#head);
    this.#head = 0;
  }

  /** Records the life of a function run on the event loop ("main"). */
  async span<T>(name: string, fn: () => Promise<T> | T, worker = "main"): Promise<T> {
    const id = this.nextId();
    const startedAt = this.now();
    let ok = false;
    try {
      const value = await fn();
      ok = true;
      return value;
    } finally {
      this.record({ id, name, worker, queuedAt: startedAt, startedAt, endedAt: this.now(), ok });
    }
  }

  /** The events recorded so far, in recording order. */
  get events(): readonly TraceEvent[] {
    this.#compact();
    return this.#events;
  }

  /** How many events were dropped because of `limit`. */
  get dropped(): number {
    return this.#dropped;
  }

  /** Removes every event. */
  clear(): void {
    this.#events = [];
    this.#head = 0;
    this.#dropped = 0;
  }

  /** The events as plain JSON-ready data. */
  toJSON(): TraceJSON {
    return { startedAtEpochMs: performance.timeOrigin + this.origin, events: [...this.events] };
  }

  /**
   * The events in the Chrome trace event format: one complete (`"X"`) event
   * per task on its worker's row (a `thread_name` entry names each row), its
   * queue time in `args.queuedMs`. Load the file in Perfetto or
   * chrome://tracing.
   */
  toChromeTrace(): { traceEvents: object[]; displayTimeUnit: "ms" } {
    const tids = new Map<string, number>();
    const traceEvents: object[] = [];
    for (const e of this.events) {
      let tid = tids.get(e.worker);
      if (tid === undefined) {
        tid = tids.size + 1;
        tids.set(e.worker, tid);
        traceEvents.push({ name: "thread_name", ph: "M", pid: 1, tid, args: { name: e.worker } });
      }
      traceEvents.push({
        name: e.name,
        cat: e.ok ? "task" : "task,error",
        ph: "X",
        pid: 1,
        tid,
        ts: Math.round(e.startedAt * 1000),
        dur: Math.max(0, Math.round((e.endedAt - e.startedAt) * 1000)),
        args: { id: e.id, queuedMs: e.startedAt - e.queuedAt, ok: e.ok },
      });
    }
    return { traceEvents, displayTimeUnit: "ms" };
  }
}
