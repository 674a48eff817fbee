/**
 * Where a crawl's time beyond the ideal went, read from the run's own data:
 * the client's record of each request (sent, answered) joined with the
 * server's log (arrived, answer written).
 *
 * A crawl at `c` in flight ends when its last answer is read. That request
 * was sent when an earlier answer freed its slot, that one when an earlier
 * one did, and so on back to the start: the critical chain. The run's time
 * is exactly the chain's time, so splitting each hop of the chain into its
 * parts splits the time lost:
 *
 * ```
 *  t0   sent   arrived          answer written  read   next sent
 *  |-----|--------|----- delay -----|-----------|--------|---- …
 *  start  to server   (late?)           back       between
 * ```
 *
 * - **start**: from the clock's start to the chain's first request being
 *   sent (the concurrency model starting its first requests);
 * - **first trip**: that first request's way to the server — opening a
 *   connection, the client's first-use costs, the server's accept;
 * - **to server**: the later requests' way (the client's write, the
 *   kernel, the server's read and parse), summed;
 * - **late**: how long after its delay each answer was written (timer
 *   granularity, the server working through a wave of answers);
 * - **back**: from the server's write to the client having read the answer;
 * - **between**: from an answer being read to the next request being sent —
 *   the concurrency model's own hand-over;
 * - **extra waves**: whole delays beyond `ceil(N / c)` on the chain (the
 *   requests were not spread evenly over the slots);
 * - **end**: from the last answer to the crawl returning.
 *
 * Client and server times come from two threads' clocks on one machine
 * (`performance.timeOrigin + performance.now()`); they agree within a
 * fraction of a ms, and the split between "to server" and "back" carries
 * that error, not their sum.
 *
 * @module
 */
import type { DelayLogEntry } from "./delay-server.js";

/** One request as the client saw it (ms from the crawl's start) and as the server logged it (epoch ms). */
interface Hop {
  start: number;
  end: number;
  arrived: number;
  written: number;
}

/** The parts of a run's lost time, ms (they add up to `lost`). */
export interface ChainBreakdown {
  /** Measured time minus the ideal. */
  lost: number;
  start: number;
  firstTrip: number;
  toServer: number;
  late: number;
  back: number;
  between: number;
  extraWaves: number;
  end: number;
  /** Requests on the chain. */
  hops: number;
}

/** What {@link criticalChain} reads. */
export interface ChainInput {
  /** The client's records: request index, sent and answered, ms from the crawl's start. */
  records: readonly { index: number; start: number; end: number }[];
  /** The server's log of the run. */
  entries: readonly DelayLogEntry[];
  /** The crawl's start, epoch ms (same clock as the log). */
  t0Epoch: number;
  /** The crawl's `name` parameter: request `i` is logged as `${name}-${i}`. */
  name: string;
  /** The run's wall time and ideal, ms. */
  ms: number;
  ideal: number;
  delay: number;
}

/**
 * Splits a run's lost time along its critical chain.
 *
 * Python: none — the book reads its chronology charts by eye.
 *
 * @returns The parts, or `undefined` when a request of the chain is missing from the server's log.
 *
 * @example
 * ```ts
 * const parts = criticalChain({ records, entries: log.entries, t0Epoch, name: "map", ms, ideal, delay: 100 });
 * console.log(parts?.firstTrip, parts?.between);
 * ```
 */
export function criticalChain(input: ChainInput): ChainBreakdown | undefined {
  const logged = new Map<string, DelayLogEntry>();
  for (const e of input.entries) if (e.kind === "add" && e.completedAt !== null) logged.set(e.name, e);
  const hops: Hop[] = [];
  for (const r of input.records) {
    const e = logged.get(`${input.name}-${r.index}`);
    if (e === undefined || e.completedAt === null) return undefined;
    hops.push({ start: r.start, end: r.end, arrived: e.arrivedAt - input.t0Epoch, written: e.completedAt - input.t0Epoch });
  }
  if (hops.length === 0) return undefined;
  hops.sort((a, b) => a.end - b.end);
  const out: ChainBreakdown = { lost: input.ms - input.ideal, start: 0, firstTrip: 0, toServer: 0, late: 0, back: 0, between: 0, extraWaves: 0, end: 0, hops: 0 };
  let hop = hops[hops.length - 1] as Hop;
  out.end = input.ms - hop.end;
  for (;;) {
    out.hops++;
    out.late += hop.written - hop.arrived - input.delay;
    out.back += hop.end - hop.written;
    // The slot's previous request: the last answer read before this request was sent.
    const previous = lastEndingBy(hops, hop.start);
    if (previous === undefined) {
      out.firstTrip = hop.arrived - hop.start;
      out.start = hop.start;
      break;
    }
    out.toServer += hop.arrived - hop.start;
    out.between += hop.start - previous.end;
    hop = previous;
  }
  out.extraWaves = out.hops * input.delay - input.ideal;
  return out;
}

/** The hop with the latest `end` not after `t` (hops sorted by `end`), by binary search. */
function lastEndingBy(hops: readonly Hop[], t: number): Hop | undefined {
  let lo = 0;
  let hi = hops.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((hops[mid] as Hop).end <= t) lo = mid + 1;
    else hi = mid;
  }
  return lo === 0 ? undefined : hops[lo - 1];
}
