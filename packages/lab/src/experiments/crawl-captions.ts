/**
 * The crawl's generated sentences: chronology captions and, when a target
 * is missed, where the time went (read from the server's own log).
 *
 * @module
 */
import type { DelayLog } from "../delay-server.js";

const pct = (x: number): string => `${(x * 100).toFixed(1)}%`;
const s3 = (ms: number): string => `${(ms / 1000).toFixed(3)} s`;
const ms1 = (ms: number): string => `${ms.toFixed(1)} ms`;

/** What a chronology caption is built from. */
export interface ChronologyFacts {
  kind: "serial" | "async" | "pool" | "anchor";
  key: string;
  label: string;
  requests: number;
  concurrency: number;
  delay: number;
  /** The charted run's wall time and ideal, ms. */
  ms: number;
  ideal: number;
  extra?: Record<string, number>;
}

/** The ideal, told by the flags it comes from (the caption quotes only numbers of the run's data). */
const idealOf = (f: ChronologyFacts): string => `the ideal: ${f.requests} requests, ${f.concurrency} at a time, ${f.delay} ms each`;

/** The caption of one variant's chronology, with the charted run's numbers. */
export function chronologyCaption(f: ChronologyFacts): string {
  const eff = pct(f.ideal / f.ms);
  if (f.kind === "serial") {
    return `One line per request, from when it was sent to when its answer arrived. Serial requests never overlap: a staircase of ${f.requests} steps of ${f.delay} ms, ${s3(f.ms)} in this run (${eff} of ${idealOf(f)}).`;
  }
  if (f.kind === "pool") {
    return `One line per request. Each of the ${f.concurrency} workers fetches one request at a time, so ${f.concurrency} are in flight: a staircase ${f.concurrency} requests wide, ${s3(f.ms)} for ${f.requests} requests (${eff} of ${idealOf(f)}).`;
  }
  if (f.key === "adaptive") {
    const final = f.extra?.finalLimit;
    return `One line per request. The limiter starts at 4 requests in flight and raises its limit while latency stays flat, up to the cap of ${f.concurrency}${final === undefined ? "" : ` (it ended at ${final})`}: the first waves are narrower, the price of not knowing the right number in advance (${eff} of ${idealOf(f)}).`;
  }
  return `One line per request. With ${f.concurrency} in flight, requests go in waves of ${f.concurrency}: the steeper and straighter the edges, the less time is lost between an answer and the next request. ${s3(f.ms)}, ${eff} of ${idealOf(f)}.`;
}

/**
 * Where a run's time beyond the ideal went, from the server's log: how long
 * the first wave took to reach the server (connection set-up), how late the
 * server's answers left on average, and the client's time before the first
 * arrival and after the last answer.
 */
export function whereTimeWent(log: DelayLog, delay: number, concurrency: number, ms: number, ideal: number): string {
  const done = log.entries.filter((e) => e.kind === "add" && e.completedAt !== null).sort((a, b) => a.arrivedAt - b.arrivedAt);
  if (done.length === 0) return "the server logged no answered request";
  const first = done[0] as (typeof done)[number];
  const wave = done[Math.min(done.length, concurrency) - 1] as (typeof done)[number];
  const late = done.reduce((sum, e) => sum + ((e.completedAt as number) - e.arrivedAt - delay), 0) / done.length;
  const lastOut = Math.max(...done.map((e) => e.completedAt as number));
  const onServer = lastOut - first.arrivedAt;
  return `${ms1(ms - ideal)} lost in ${s3(ms)}: the first ${Math.min(done.length, concurrency)} requests reached the server over ${ms1(wave.arrivedAt - first.arrivedAt)} (connection set-up and first writes), answers left the server ${ms1(late)} after their delay on average, and ${ms1(Math.max(0, ms - onServer))} passed on the client before the first request arrived and after the last answer left.`;
}
