/**
 * One client's side of the polite crawl (juggle's or Python's), as the
 * hosts' own logs tell it, and how the experiment reports it: rows per host,
 * a sentence, and the side-by-side table with the ratio.
 *
 * @module
 */
import type { DelayServer } from "./delay-server.js";
import type { ResultTable } from "./experiment.js";
import type { HostLog } from "./polite-chart.js";
import { type PoliteChecks, politeChecks } from "./polite-checks.js";
import type { PoliteRun } from "./polite-crawl.js";

/** The limits every host was to be kept under. */
export interface PoliteLimits {
  /** Requests of one host in flight at once. */
  concurrency: number;
  /** Starts of one host per window. */
  rateLimit: number;
  /** The 429s' Retry-After, ms. */
  retryAfterMs: number;
}

/** The sizes the sentences and tables quote. */
export interface PoliteSizes {
  hosts: number;
  requests: number;
  concurrency: number;
  rateLimit: number;
  interval: number;
}

/** One client's crawl, checked against the hosts' logs. */
export interface PoliteSide {
  /** "juggle", "Python 3.11.2". */
  client: string;
  /** The crawl's time, ms, as the client measured it. */
  ms: number;
  run: PoliteRun;
  logs: HostLog[];
  checks: PoliteChecks[];
  /** Hosts that saw more than their limits. */
  over: number;
  answered: number;
  tooMany: number;
  /** The shortest wait after a 429 on any host, ms; `null` without retries. */
  shortestGap: number | null;
  /** Whether every 429 was retried no sooner than its Retry-After (1 ms of clock rounding allowed). */
  waited: boolean;
}

/**
 * Reads the servers' logs of one client's crawl and checks them.
 *
 * @param client The client's label.
 * @param servers The hosts, in the order of `run.hosts`.
 * @param run What the client reported.
 * @param window The rate window to count arrivals in, ms.
 * @param limits The limits to check.
 * @throws {RangeError} When `window` is not a positive number (from `politeChecks`).
 *
 * Python: none (reads the delay servers' logs).
 *
 * @example Checking juggle's crawl by the hosts' logs
 * ```ts
 * const side = checkSide("juggle", servers, await politeCrawl(spec), 900, { concurrency: 4, rateLimit: 10, retryAfterMs: 1000 });
 * console.log(side.over, hostRows(side, limits).length); // 0, hosts + 1
 * ```
 */
export function checkSide(client: string, servers: readonly DelayServer[], run: PoliteRun, window: number, limits: PoliteLimits): PoliteSide {
  const logs = servers.map((s, h) => ({ host: `host ${h + 1} (:${s.port})`, entries: s.log.filter((e) => e.kind === "add") }));
  const checks = logs.map((l) => politeChecks(l.entries, window));
  const gaps = checks.flatMap((c) => (c.shortestRetryGap === null ? [] : [c.shortestRetryGap]));
  const shortestGap = gaps.length === 0 ? null : Math.min(...gaps);
  return {
    client,
    ms: run.ms,
    run,
    logs,
    checks,
    over: checks.filter((c) => c.maxInFlight > limits.concurrency || c.maxInWindow > limits.rateLimit).length,
    answered: run.hosts.reduce((n, h) => n + h.answered, 0),
    tooMany: checks.reduce((n, c) => n + c.tooMany, 0),
    shortestGap,
    waited: shortestGap === null || shortestGap >= limits.retryAfterMs - 1,
  };
}

const maxOf = (side: PoliteSide, key: "maxInFlight" | "maxInWindow"): number => Math.max(...side.checks.map((c) => c[key]));

/** The side's rows of the per-host table: one per host, then its total of every host. */
export function hostRows(side: PoliteSide, limits: PoliteLimits): ResultTable["rows"] {
  const rows: ResultTable["rows"] = side.logs.map((l, h) => {
    const c = side.checks[h] as PoliteChecks;
    const client = side.run.hosts[h] as PoliteRun["hosts"][number];
    return [
      side.client,
      l.host,
      l.entries.length,
      client.answered,
      c.tooMany,
      client.retries,
      `${c.maxInFlight} / ${limits.concurrency}`,
      `${c.maxInWindow} / ${limits.rateLimit}`,
      c.shortestRetryGap === null ? "-" : Math.round(c.shortestRetryGap),
    ];
  });
  return [...rows, [side.client, "all hosts", ...[2, 3, 4, 5].map((col) => rows.reduce((n, row) => n + Number(row[col]), 0)), "-", "-", "-"]];
}

/** What the hosts' logs say about one side, as a sentence of the summary. */
export function sideSentence(side: PoliteSide, f: PoliteSizes, total: number): string {
  const gap = side.shortestGap;
  return (
    `${side.client}: ${side.over === 0 ? "no host ever saw more than its limits" : `${side.over} host(s) saw more than their limits`} (at most ${maxOf(side, "maxInFlight")} of ${f.concurrency} requests in flight and ${maxOf(side, "maxInWindow")} of ${f.rateLimit} starts per ${f.interval} ms on any host, by the hosts' own logs); ` +
    `${side.answered} of ${total} requests answered 200 in ${(side.ms / 1000).toFixed(2)} s, ${gap === null ? "no 429 retried" : side.waited ? "every 429 retried no sooner than its Retry-After" : `a 429 retried after ${Math.round(gap)} ms, sooner than its Retry-After`}.`
  );
}

/** The least time the rate limit allows the busiest host's requests, s: a start every interval after each full window. */
const rateFloor = (s: PoliteSide, f: PoliteSizes): string => {
  const busiest = Math.max(...s.logs.map((l) => l.entries.length));
  return ((Math.floor(Math.max(0, busiest - 1) / f.rateLimit) * f.interval) / 1000).toFixed(2);
};

const ratio = (python: number, juggle: number): string => (juggle > 0 ? `${(python / juggle).toFixed(2)}x` : "-");

/**
 * juggle and Python side by side: total time, requests per host, and the
 * limits each kept, with Python / juggle where a ratio means something.
 */
export function sideBySide(juggle: PoliteSide, python: PoliteSide, f: PoliteSizes): ResultTable {
  const seen = (s: PoliteSide): number => s.logs.reduce((n, l) => n + l.entries.length, 0) / f.hosts;
  const gap = (s: PoliteSide): string | number => (s.shortestGap === null ? "-" : Math.round(s.shortestGap));
  const kept = (s: PoliteSide): string => (s.over === 0 ? "yes" : `no (${s.over} host(s) over)`);
  return {
    title: `juggle and ${python.client} side by side: the same ${f.hosts} hosts, requests and limits`,
    columns: ["measure", "juggle", python.client, `${python.client} / juggle`],
    rows: [
      ["total time, s", (juggle.ms / 1000).toFixed(2), (python.ms / 1000).toFixed(2), ratio(python.ms, juggle.ms)],
      ["requests seen per host (mean)", Number(seen(juggle).toFixed(1)), Number(seen(python).toFixed(1)), ratio(seen(python), seen(juggle))],
      ["answered 200", juggle.answered, python.answered, ratio(python.answered, juggle.answered)],
      ["429s retried", juggle.tooMany, python.tooMany, "-"],
      ["max in flight on any host / limit", `${maxOf(juggle, "maxInFlight")} / ${f.concurrency}`, `${maxOf(python, "maxInFlight")} / ${f.concurrency}`, "-"],
      ["max starts per window on any host / limit", `${maxOf(juggle, "maxInWindow")} / ${f.rateLimit}`, `${maxOf(python, "maxInWindow")} / ${f.rateLimit}`, "-"],
      ["shortest wait after a 429, ms", gap(juggle), gap(python), "-"],
      ["limits respected", kept(juggle) === "yes" && juggle.waited ? "yes" : "no", kept(python) === "yes" && python.waited ? "yes" : "no", "-"],
    ],
    caption:
      `Both clients crawled the same hosts with the same limits, one after the other, measured live on this machine: juggle in ${(juggle.ms / 1000).toFixed(2)} s, ${python.client} in ${(python.ms / 1000).toFixed(2)} s (Python / juggle ${ratio(python.ms, juggle.ms)}). ` +
      `${juggle.over === 0 && python.over === 0 ? "Neither" : juggle.over > 0 && python.over > 0 ? "Both" : juggle.over > 0 ? "Only juggle" : `Only ${python.client}`} let a host see more than its limits. ` +
      `At ${f.rateLimit} starts per ${f.interval} ms, the rate limit alone makes the busiest host's requests, retries included, take at least ${rateFloor(juggle, f)} s (juggle) and ${rateFloor(python, f)} s (Python).`,
  };
}
