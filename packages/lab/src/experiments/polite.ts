/**
 * `polite`: the crawl made polite. Several delay servers on different ports
 * stand in for hosts, each answering a share of requests `429 Too Many
 * Requests` with a `Retry-After`; the crawler keeps each host under a
 * concurrency and a rate limit with one `KeyedLimiter` and retries every 429
 * with `retry` after the wait the host asked for. The hosts' own logs then
 * say whether any limit was ever exceeded.
 *
 * @module
 */
import { CLIENT_LABEL } from "../crawl-client.js";
import { DelayServer } from "../delay-server.js";
import { defineExperiment, type ResultTable, type SummaryRow } from "../experiment.js";
import { type PoliteChecks, politeChecks } from "../polite-checks.js";
import { requestsPerHostChart } from "../polite-chart.js";
import { politeCrawl } from "../polite-crawl.js";

/**
 * Arrivals are counted over windows of the interval less this share of it:
 * the limiter times starts at the client, the server sees them a little
 * later, and two starts exactly one interval apart can arrive a hair closer.
 */
const JITTER_SHARE = 0.1;

export default defineExperiment({
  name: "polite",
  title: "A polite crawl: per-host limits and 429s",
  description: "requests over several hosts with a KeyedLimiter (concurrency + rate per host) and retry honouring Retry-After",
  source: "a polite crawler on High Performance Python ch. 8's delay server",
  flags: {
    hosts: { type: "integer", default: 3, quick: 2, min: 1, max: 16, description: "hosts (delay servers on different ports)" },
    requests: { type: "integer", default: 60, quick: 10, min: 1, max: 10_000, description: "requests per host" },
    delay: { type: "integer", default: 50, quick: 10, min: 0, max: 10_000, description: "server delay per request, ms" },
    concurrency: { type: "integer", default: 4, quick: 2, min: 1, max: 1000, description: "requests of one host in flight at once" },
    rateLimit: { type: "integer", default: 10, quick: 5, min: 1, max: 100_000, description: "starts of one host per interval" },
    interval: { type: "integer", default: 1000, quick: 250, min: 1, max: 60_000, description: "the rate limit's interval, ms" },
    share: { type: "number", default: 0.1, quick: 0.2, min: 0, max: 0.9, description: "share of requests each host answers 429" },
    retryAfter: { type: "integer", default: 1, quick: 1, min: 0, max: 60, description: "the 429s' Retry-After, seconds" },
  },
  async run(ctx) {
    const f = ctx.flags;
    const servers: DelayServer[] = [];
    try {
      for (let h = 0; h < f.hosts; h++) servers.push(await DelayServer.start({ tooManyRequests: { share: f.share, retryAfter: f.retryAfter } }));
      const task = ctx.progress.task(`polite: ${f.hosts} hosts x ${f.requests} requests`, f.hosts * f.requests);
      const run = await politeCrawl({
        origins: servers.map((s) => s.url),
        requests: f.requests,
        delay: f.delay,
        concurrency: f.concurrency,
        rate: { limit: f.rateLimit, interval: f.interval },
        onAnswer: () => task.tick(),
        signal: ctx.signal,
      }).finally(() => task.done());
      const window = f.interval * (1 - JITTER_SHARE);
      const logs = servers.map((s, h) => ({ host: `host ${h + 1} (:${s.port})`, entries: s.log.filter((e) => e.kind === "add") }));
      const checks: PoliteChecks[] = logs.map((l) => politeChecks(l.entries, window));
      const over = checks.filter((c) => c.maxInFlight > f.concurrency || c.maxInWindow > f.rateLimit).length;
      const gaps = checks.flatMap((c) => (c.shortestRetryGap === null ? [] : [c.shortestRetryGap]));
      const shortestGap = gaps.length === 0 ? null : Math.min(...gaps);
      const answered = run.hosts.reduce((n, h) => n + h.answered, 0);
      const rows: ResultTable["rows"] = logs.map((l, h) => {
        const c = checks[h] as PoliteChecks;
        const client = run.hosts[h] as (typeof run.hosts)[number];
        return [
          l.host,
          l.entries.length,
          client.answered,
          c.tooMany,
          client.retries,
          `${c.maxInFlight} / ${f.concurrency}`,
          `${c.maxInWindow} / ${f.rateLimit}`,
          c.shortestRetryGap === null ? "-" : Math.round(c.shortestRetryGap),
        ];
      });
      const kept = over === 0;
      const headline: SummaryRow[] = [
        { label: "hosts over their limit", value: String(over), detail: `of ${f.hosts}; must be 0` },
        { label: "answered 200", value: `${answered} / ${f.hosts * f.requests}`, detail: `${checks.reduce((n, c) => n + c.tooMany, 0)} 429s retried` },
        { label: "shortest wait after a 429", value: shortestGap === null ? "-" : `${Math.round(shortestGap)} ms`, detail: `Retry-After: ${f.retryAfter * 1000} ms` },
      ];
      return {
        summary:
          `${kept ? "No host ever saw more than its limits" : "A host saw more than its limits"}: at most ${Math.max(...checks.map((c) => c.maxInFlight))} of ${f.concurrency} requests in flight and ${Math.max(...checks.map((c) => c.maxInWindow))} of ${f.rateLimit} starts per ${f.interval} ms on any host, by the hosts' own logs; ` +
          `${answered} of ${f.hosts * f.requests} requests answered 200 in ${(run.ms / 1000).toFixed(2)} s, ${shortestGap === null ? "no 429 retried" : shortestGap >= f.retryAfter * 1000 - 1 ? "every 429 retried no sooner than its Retry-After" : `a 429 retried after ${Math.round(shortestGap)} ms, sooner than its Retry-After`}.`,
        headline,
        tables: [
          {
            title: `Polite crawl: ${f.hosts} hosts × ${f.requests} requests × ${f.delay} ms, per host ${f.concurrency} in flight and ${f.rateLimit} per ${f.interval} ms, ${Math.round(f.share * 100)}% answered 429`,
            columns: ["host", "requests seen", "answered 200", "429s", "retries", "max in flight / limit", "max per window / limit", "shortest wait after 429, ms"],
            rows: [...rows, ["all hosts", ...[1, 2, 3, 4].map((col) => rows.reduce((n, row) => n + Number(row[col]), 0)), "-", "-", "-"]],
            caption:
              `From each host's own log: every attempt it saw, 429s included. Max per window counts arrivals within any ${Math.round(window)} ms (the ${f.interval} ms interval less ${JITTER_SHARE * 100}% for the time between the client's start and the server's arrival). ` +
              `The wait after a 429 runs from the 429's answer to the same request's next arrival; the host asked for ${f.retryAfter * 1000} ms. One KeyedLimiter keyed by host, retry with Retry-After; client: ${CLIENT_LABEL}, one per host.`,
          },
        ],
        charts: [requestsPerHostChart(logs, Math.max(50, Math.round(f.interval / 4)))],
        notes: [
          "The limits are kept by the client (juggle-core's KeyedLimiter) and checked by the servers: a limiter that let one request too many through would show in the table.",
          "A retry waits outside the limiter (the Retry-After wait holds no slot), then queues for a slot and a start like any request, so retries count against the host's rate too.",
        ],
      };
    } finally {
      await Promise.all(servers.map((s) => s.close()));
    }
  },
});
