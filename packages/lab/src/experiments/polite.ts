/**
 * `polite`: the crawl made polite. Several delay servers on different ports
 * stand in for hosts, each answering a share of requests `429 Too Many
 * Requests` with a `Retry-After`; the crawler keeps each host under a
 * concurrency and a rate limit with one `KeyedLimiter` and retries every 429
 * with `retry` after the wait the host asked for. The hosts' own logs then
 * say whether any limit was ever exceeded. When python3 is there, its
 * asyncio counterpart (`python/polite.py`) crawls the same hosts with the
 * same limits, checked against the same logs, beside juggle's run.
 *
 * @module
 */
import { CLIENT_LABEL } from "../crawl-client.js";
import { DelayServer } from "../delay-server.js";
import { defineExperiment, type SummaryRow } from "../experiment.js";
import { requestsPerHostChart } from "../polite-chart.js";
import { politeCrawl } from "../polite-crawl.js";
import { PYTHON_POLITE_CLIENT, runPythonPolite } from "../polite-python.js";
import { checkSide, hostRows, type PoliteSide, sideBySide, sideSentence } from "../polite-side.js";

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
      const origins = servers.map((s) => s.url);
      const window = f.interval * (1 - JITTER_SHARE);
      const limits = { concurrency: f.concurrency, rateLimit: f.rateLimit, retryAfterMs: f.retryAfter * 1000 };
      const task = ctx.progress.task(`polite: ${f.hosts} hosts x ${f.requests} requests`, f.hosts * f.requests);
      const run = await politeCrawl({
        origins,
        requests: f.requests,
        delay: f.delay,
        concurrency: f.concurrency,
        rate: { limit: f.rateLimit, interval: f.interval },
        onAnswer: () => task.tick(),
        signal: ctx.signal,
      }).finally(() => task.done());
      const sides: PoliteSide[] = [checkSide("juggle", servers, run, window, limits)];
      // Python's crawler against the same hosts, their logs (and 429 spread) reset first.
      // A failed Python run is a note, never a failed experiment (docs/lab.md).
      let pythonFailure: string | undefined;
      if (ctx.python !== undefined && !ctx.signal.aborted) {
        for (const s of servers) s.reset();
        ctx.progress.log("polite: Python side (polite.py)");
        try {
          const py = await runPythonPolite(ctx.python, { origins, requests: f.requests, delay: f.delay, concurrency: f.concurrency, limit: f.rateLimit, interval: f.interval }, ctx.signal);
          sides.push(checkSide(`Python ${ctx.python.version}`, servers, py, window, limits));
        } catch (error) {
          if (ctx.signal.aborted) throw error;
          pythonFailure = `Python side failed: ${error instanceof Error ? error.message : String(error)}`;
        }
      }
      const [juggle, python] = sides as [PoliteSide, PoliteSide | undefined];
      const total = f.hosts * f.requests;
      const headline: SummaryRow[] = [
        { label: "hosts over their limit", value: sides.map((s) => s.over).join(" / "), detail: `of ${f.hosts} (${sides.map((s) => s.client).join(" / ")}); must be 0` },
        { label: "answered 200", value: sides.map((s) => `${s.answered} / ${total}`).join(", "), detail: `${sides.map((s) => s.tooMany).join(" / ")} 429s retried` },
        { label: "shortest wait after a 429", value: sides.map((s) => (s.shortestGap === null ? "-" : `${Math.round(s.shortestGap)} ms`)).join(" / "), detail: `Retry-After: ${limits.retryAfterMs} ms` },
      ];
      if (python !== undefined) headline.push({ label: "Python / juggle total time", value: `${(python.ms / juggle.ms).toFixed(2)}x`, detail: `${(python.ms / 1000).toFixed(2)} s / ${(juggle.ms / 1000).toFixed(2)} s, same hosts and limits` });
      return {
        summary: `${sides.map((s) => sideSentence(s, f, total)).join(" ")}${python !== undefined ? "" : pythonFailure === undefined ? " Python side: not run (no python3 on PATH, or --no-python)." : ` ${pythonFailure}.`}`,
        headline,
        tables: [
          {
            title: `Polite crawl: ${f.hosts} hosts × ${f.requests} requests × ${f.delay} ms, per host ${f.concurrency} in flight and ${f.rateLimit} per ${f.interval} ms, ${Math.round(f.share * 100)}% answered 429`,
            columns: ["client", "host", "requests seen", "answered 200", "429s", "retries", "max in flight / limit", "max per window / limit", "shortest wait after 429, ms"],
            rows: sides.flatMap((s) => hostRows(s, limits)),
            caption:
              `From each host's own log: every attempt it saw, 429s included. Max per window counts arrivals within any ${Math.round(window)} ms (the ${f.interval} ms interval less ${JITTER_SHARE * 100}% for the time between the client's start and the server's arrival). ` +
              `The wait after a 429 runs from the 429's answer to the same request's next arrival; the host asked for ${limits.retryAfterMs} ms. ` +
              `juggle: one KeyedLimiter keyed by host, retry with Retry-After; client: ${CLIENT_LABEL}, one per host.` +
              (python === undefined ? "" : ` ${python.client}: polite.py, ${PYTHON_POLITE_CLIENT}; the hosts' logs and 429 spread were reset between the clients.`),
          },
          ...(python === undefined ? [] : [sideBySide(juggle, python, f)]),
        ],
        charts: [requestsPerHostChart(sides.length === 1 ? juggle.logs : sides.flatMap((s) => s.logs.map((l) => ({ ...l, client: s.client }))), Math.max(50, Math.round(f.interval / 4)))],
        notes: [
          "The limits are kept by the client (juggle-core's KeyedLimiter; Python's per-host semaphore and rate limiter) and checked by the servers: a limiter that let one request too many through would show in the table.",
          "A retry waits outside the limiter (the Retry-After wait holds no slot), then queues for a slot and a start like any request, so retries count against the host's rate too.",
          ...(pythonFailure === undefined ? [] : [`${pythonFailure}.`]),
        ],
      };
    } finally {
      await Promise.all(servers.map((s) => s.close()));
    }
  },
});
