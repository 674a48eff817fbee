/**
 * The crawl's generated sentences: chronology captions and, when a target
 * is missed, where the time went (from the run's critical chain).
 *
 * @module
 */
import type { ChainBreakdown } from "../crawl-chain.js";

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

/** The caption of one variant's chronology, with the charted run's numbers. */
export function chronologyCaption(f: ChronologyFacts): string {
  const eff = pct(f.ideal / f.ms);
  if (f.kind === "serial") {
    return `One line per request, from when it was sent to when its answer arrived. Serial requests never overlap: a staircase of ${f.requests} steps of ${f.delay} ms, ${s3(f.ms)} in this run (${eff} of the ideal ${s3(f.ideal)}).`;
  }
  if (f.kind === "pool") {
    return `One line per request. Each of the ${f.concurrency} workers fetches one request at a time, so ${f.concurrency} are in flight: a staircase ${f.concurrency} requests wide, ${s3(f.ms)} for ${f.requests} requests (${eff} of the ideal ${s3(f.ideal)}).`;
  }
  if (f.key === "adaptive") {
    const final = f.extra?.finalLimit;
    return `One line per request. The limiter starts at 4 requests in flight and raises its limit while latency stays flat, up to the cap of ${f.concurrency}${final === undefined ? "" : ` (it ended at ${final})`}: the first waves are narrower, the price of not knowing the right number in advance (${eff} of the ideal ${s3(f.ideal)}).`;
  }
  return `One line per request. With ${f.concurrency} in flight, requests go in waves of ${f.concurrency}: the steeper and straighter the edges, the less time is lost between an answer and the next request. ${s3(f.ms)}, ${eff} of the ideal ${s3(f.ideal)}.`;
}

/**
 * Where a run's time beyond the ideal went, in one sentence, from its
 * critical chain (see `crawl-chain.ts`): the parts largest first, each with
 * what it stands for.
 */
export function whereTimeWent(chain: ChainBreakdown, ms: number): string {
  const parts: [number, string][] = [
    [chain.start, "before the chain's first request was sent (the model starting its requests)"],
    [chain.firstTrip, "on the first request's way to the server (opening its connection, the client's first use)"],
    [chain.toServer, `on the way to the server over the ${chain.hops - 1} later request(s) of the chain (client write, kernel, server read)`],
    [chain.late, "in answers written after their delay (timers, the server working through a wave)"],
    [chain.back, "from the server's write to the client having read the answer"],
    [chain.between, "between an answer and the next request (the concurrency model's hand-over)"],
    [chain.extraWaves, "in extra waves (requests not spread evenly over the slots)"],
    [chain.end, "after the last answer"],
  ];
  const shown = parts
    .filter(([t]) => Math.abs(t) >= 0.05)
    .sort((a, b) => b[0] - a[0])
    .map(([t, what]) => `${ms1(t)} ${what}`);
  return `${ms1(chain.lost)} lost in ${s3(ms)}, along the critical chain of ${chain.hops} requests: ${shown.join("; ")}.`;
}
