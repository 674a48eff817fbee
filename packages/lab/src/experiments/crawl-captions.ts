/**
 * The crawl's generated text: chronology captions and where the time went
 * (from each run's critical chain): the table, the hand-over note and, when
 * a target is missed, the sentence.
 *
 * @module
 */
import type { ChainBreakdown } from "../crawl-chain.js";
import type { ResultTable } from "../experiment.js";

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
 * Where a run's time beyond the ideal went, in one sentence, from its
 * critical chain (see `crawl-chain.ts`): the parts largest first, each with
 * what it stands for.
 */
export function whereTimeWent(chain: ChainBreakdown, ms: number): string {
  const parts: [number, string][] = [
    [chain.start, "before the chain's first request was sent (the model starting its requests)"],
    [chain.firstTrip, "on the first request's way to the server (opening its connection, the client's first use)"],
    [chain.toServer, `on the way to the server over the ${plural(chain.hops - 1, "later request")} of the chain (client write, kernel, server read)`],
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
  return `${ms1(chain.lost)} lost in ${s3(ms)}, along the critical chain of ${plural(chain.hops, "request")}: ${shown.join("; ")}.`;
}

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? "" : "s"}`;

/**
 * One sentence, from the chains: how much of each async model's lost time was
 * its own hand-over (an answer read → the next request sent), and how much
 * the client's, the kernel's and the server's.
 */
export function handOverNote(rows: readonly (readonly [string, ChainBreakdown | undefined])[]): string[] {
  const known = rows.filter((r): r is readonly [string, ChainBreakdown] => r[1] !== undefined && r[1].lost > 0);
  if (known.length === 0) return [];
  const ms = (x: number): string => `${x.toFixed(1)} ms`;
  const each = known.map(([label, p]) => `${label} ${ms(p.between)} of ${ms(p.lost)}`).join(", ");
  const io = known.map(([, p]) => (p.firstTrip + p.toServer + p.late + p.back) / p.lost);
  return [
    `Of each run's lost time, the concurrency model's own hand-over (from an answer to the next request) took: ${each}. ` +
      `Between ${(Math.min(...io) * 100).toFixed(0)}% and ${(Math.max(...io) * 100).toFixed(0)}% of it went to the requests' ways to and from the server and to late answers: the HTTP client, the kernel and the server, the same for every row ("Where the time went").`,
  ];
}

/** The table of each variant's lost time, split along the median run's critical chain. */
export function chainTable(rows: [string, { ms: number; parts: ChainBreakdown }][], repeats: number): ResultTable {
  const r1 = (x: number): number => Math.round(x * 10) / 10;
  return {
    title: "Where the time went: each variant's lost time along its critical chain (ms)",
    columns: ["variant", "lost", "start", "1st trip", "to server", "late", "back", "between", "+waves", "end"],
    rows: rows.map(([label, { parts: p }]) => [label, r1(p.lost), r1(p.start), r1(p.firstTrip), r1(p.toServer), r1(p.late), r1(p.back), r1(p.between), r1(p.extraWaves), r1(p.end)]),
    caption:
      `The median of ${repeats} run(s), from the client's records and the server's log of that run. The crawl ends with its last answer; that request was sent when an earlier answer freed its slot, and so on back to the start: the critical chain, whose parts add up to the time lost (measured − ideal). ` +
      "start: until the chain's first request was sent; 1st trip: that request's way to the server (opening a connection, the client's first use); to server: the later requests' way (client write, kernel, server read); late: answers written after their delay; back: from the server's write to the client having read the answer; between: from an answer to the next request (the concurrency model's hand-over); +waves: whole delays beyond the ideal's waves; end: after the last answer.",
  };
}
