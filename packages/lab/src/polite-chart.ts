/**
 * The polite crawl's chart: requests per host over time, read from each
 * host's delay-server log (several servers on different ports stand in for
 * hosts). Answered requests and 429s are counted per time bin, so a
 * per-host rate limit shows as a flat ceiling and a `Retry-After` as a gap.
 *
 * @module
 */
import type { DelayLogEntry } from "./delay-server.js";
import type { LineChart } from "./experiment.js";

/** One host's log, as its delay server returned it. */
export interface HostLog {
  host: string;
  entries: readonly DelayLogEntry[];
}

/**
 * Requests started per second by host, in bins of `binMs` from the first
 * arrival on any host; one series per host and one for every host's 429s.
 *
 * @throws {RangeError} When `binMs` is not a positive finite number.
 * @example
 * ```ts
 * const chart = requestsPerHostChart([{ host: "a", entries: (await a.log()).entries }], 250);
 * ```
 */
export function requestsPerHostChart(hosts: readonly HostLog[], binMs: number): LineChart {
  if (!(binMs > 0 && Number.isFinite(binMs))) {
    throw new RangeError(`Cannot chart requests per host as 'binMs' must be a positive number of milliseconds: received ${binMs}`);
  }
  const all = hosts.flatMap((h) => h.entries);
  const t0 = Math.min(...all.map((e) => e.arrivedAt));
  const end = Math.max(...all.map((e) => e.arrivedAt));
  const bins = all.length === 0 ? 0 : Math.floor((end - t0) / binMs) + 1;
  const perSecond = 1000 / binMs;
  const count = (entries: readonly DelayLogEntry[]): [number, number][] => {
    const counts = new Array<number>(bins).fill(0);
    for (const e of entries) {
      const bin = Math.floor((e.arrivedAt - t0) / binMs);
      counts[bin] = (counts[bin] ?? 0) + 1;
    }
    return counts.map((n, i) => [Math.round(i * binMs) / 1000, n * perSecond]);
  };
  const series = hosts.map((h) => ({ label: h.host, points: count(h.entries.filter((e) => e.status !== 429)) }));
  const refused = all.filter((e) => e.status === 429);
  series.push({ label: "429 Too Many Requests (all hosts)", points: count(refused) });
  const busiest = hosts.map((h) => ({ host: h.host, n: h.entries.length })).reduce((a, b) => (b.n > a.n ? b : a), { host: "-", n: 0 });
  return {
    kind: "line",
    title: "Polite crawl: requests per host over time",
    caption:
      `Requests arriving at each host per second (bins of ${binMs} ms), from the hosts' own logs: ${all.length} requests over ${hosts.length} host(s), ` +
      `${refused.length} answered 429 (retried after their Retry-After). Busiest host: ${busiest.host} (${busiest.n} requests).`,
    xLabel: "seconds since the first request",
    yLabel: `requests per second (bins of ${binMs} ms)`,
    yMin: 0,
    series,
  };
}
