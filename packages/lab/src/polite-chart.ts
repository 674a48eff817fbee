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
  /** The client that crawled it ("juggle", "Python 3.11"): each client's time starts at its own first request. */
  client?: string;
}

/**
 * Requests started per second by host, in bins of `binMs` from each client's
 * first arrival on any host; one series per host and one per client for
 * every host's 429s.
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
  const clients = [...new Set(hosts.map((h) => h.client))];
  const sideOf = (client: string | undefined): DelayLogEntry[] => hosts.filter((h) => h.client === client).flatMap((h) => h.entries);
  const t0 = new Map(clients.map((c) => [c, Math.min(...sideOf(c).map((e) => e.arrivedAt))]));
  const end = Math.max(0, ...clients.map((c) => Math.max(...sideOf(c).map((e) => e.arrivedAt)) - (t0.get(c) as number)));
  const bins = all.length === 0 ? 0 : Math.floor(end / binMs) + 1;
  const perSecond = 1000 / binMs;
  const count = (entries: readonly DelayLogEntry[], client: string | undefined): [number, number][] => {
    const counts = new Array<number>(bins).fill(0);
    const start = t0.get(client) as number;
    for (const e of entries) {
      const bin = Math.floor((e.arrivedAt - start) / binMs);
      counts[bin] = (counts[bin] ?? 0) + 1;
    }
    return counts.map((n, i) => [Math.round(i * binMs) / 1000, n * perSecond]);
  };
  const labelOf = (h: HostLog): string => (h.client === undefined ? h.host : `${h.client}: ${h.host}`);
  const series = hosts.map((h) => ({ label: labelOf(h), points: count(h.entries.filter((e) => e.status !== 429), h.client) }));
  for (const client of clients) {
    const refusedBy = sideOf(client).filter((e) => e.status === 429);
    series.push({ label: `${client === undefined ? "" : `${client}: `}429 Too Many Requests (all hosts)`, points: count(refusedBy, client) });
  }
  const refused = all.filter((e) => e.status === 429);
  const busiest = hosts.map((h) => ({ host: labelOf(h), n: h.entries.length })).reduce((a, b) => (b.n > a.n ? b : a), { host: "-", n: 0 });
  const named = clients.filter((c) => c !== undefined);
  return {
    kind: "line",
    title: `Polite crawl: requests per host over time${named.length > 1 ? `, ${named.join(" and ")}` : ""}`,
    caption:
      named.length > 1
        ? `Requests arriving at each host per second (bins of ${binMs} ms), from the hosts' own logs, each client's time from its own first request: ` +
          `${named.map((c) => `${c} ${sideOf(c).length} requests, ${sideOf(c).filter((e) => e.status === 429).length} answered 429`).join("; ")} (retried after their Retry-After). ` +
          `Busiest host: ${busiest.host} (${busiest.n} requests).`
        : `Requests arriving at each host per second (bins of ${binMs} ms), from the hosts' own logs: ${all.length} requests over ${hosts.length} host(s), ` +
          `${refused.length} answered 429 (retried after their Retry-After). Busiest host: ${busiest.host} (${busiest.n} requests).`,
    xLabel: named.length > 1 ? "seconds since the client's first request" : "seconds since the first request",
    yLabel: `requests per second (bins of ${binMs} ms)`,
    yMin: 0,
    series,
  };
}
