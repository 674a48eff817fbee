import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  type CrawlRun,
  type CrawlSpec,
  crawlAdaptive,
  crawlCallbacks,
  crawlMap,
  crawlProcesses,
  crawlSemaphore,
  crawlSerial,
  crawlThreads,
  crawlPLimit,
  type RequestRecord,
} from "../src/crawl-variants.js";
import { DelayServer } from "../src/delay-server.js";
import { idealMs } from "../src/experiments/crawl.js";

const N = 8;
const DELAY = 40;
const C = 4;

function spec(server: DelayServer, name: string, concurrency: number): CrawlSpec {
  return { origin: server.url, name, requests: N, delay: DELAY, concurrency };
}

/** The most records whose [start, end] overlap at one time. */
function peakInFlight(records: RequestRecord[]): number {
  const events = records.flatMap((r) => [
    [r.start, 1],
    [r.end, -1],
  ]);
  events.sort((a, b) => (a[0] as number) - (b[0] as number) || (a[1] as number) - (b[1] as number));
  let now = 0;
  let peak = 0;
  for (const [, d] of events) {
    now += d as number;
    peak = Math.max(peak, now);
  }
  return peak;
}

function checkAnswered(run: CrawlRun, server: DelayServer, name: string): void {
  assert.equal(run.records.length, N);
  assert.deepEqual(
    run.records.map((r) => r.index).sort((a, b) => a - b),
    Array.from({ length: N }, (_, i) => i),
  );
  assert.ok(run.records.every((r) => r.ok && r.bytes > 0 && r.end >= r.start));
  const served = server.log.filter((e) => e.name.startsWith(`${name}-`) && e.completedAt !== null);
  assert.equal(served.length, N);
}

describe("crawl variants", () => {
  it("serial: one request at a time, so the run takes at least N × delay", async () => {
    await using server = await DelayServer.start();
    const run = await crawlSerial(spec(server, "serial", 1));
    checkAnswered(run, server, "serial");
    assert.ok(run.ms >= N * (DELAY - 1), `${run.ms} ms`);
    const sorted = [...run.records].sort((a, b) => a.start - b.start);
    for (let i = 1; i < sorted.length; i++) assert.ok((sorted[i] as RequestRecord).start >= (sorted[i - 1] as RequestRecord).end);
    assert.equal(run.connections, 1);
  });

  for (const [name, fn] of [
    ["callbacks", crawlCallbacks],
    ["semaphore", crawlSemaphore],
    ["map", crawlMap],
    ["adaptive", crawlAdaptive],
    ["p-limit", crawlPLimit],
  ] as const) {
    it(`${name}: answers every request with at most 'concurrency' in flight, faster than serial`, async () => {
      await using server = await DelayServer.start();
      const run = await fn(spec(server, name, C));
      checkAnswered(run, server, name);
      assert.ok(peakInFlight(run.records) <= C, `peak ${peakInFlight(run.records)}`);
      assert.ok(server.accepted <= C);
      // Each request waits DELAY ms on the server: at least ceil(N / C) waves.
      assert.ok(run.ms >= idealMs(N, C, DELAY) - 2, `${run.ms} ms`);
      // Faster than serial because requests overlapped (not a wall-clock bound, which flakes on a loaded machine).
      assert.ok(peakInFlight(run.records) >= 2, `peak ${peakInFlight(run.records)}`);
    });
  }

  for (const [name, fn] of [
    ["threads", crawlThreads],
    ["processes", crawlProcesses],
  ] as const) {
    it(`${name}: two serial fetchers answer every request, two in flight, and the pool is gone after`, async () => {
      await using server = await DelayServer.start();
      const run = await fn({ ...spec(server, name, 2), workers: 2 });
      checkAnswered(run, server, name);
      assert.ok(peakInFlight(run.records) <= 2, `peak ${peakInFlight(run.records)}`);
      assert.ok(run.ms >= idealMs(N, 2, DELAY) - 2, `${run.ms} ms`);
      // Each worker kept its one keep-alive connection; the pool was terminated, so they are closed.
      assert.ok(server.accepted <= 2);
      for (let i = 0; i < 1000 && server.connections > 0; i++) await new Promise((r) => setTimeout(r, 5));
      assert.equal(server.connections, 0);
    });
  }

  it("stops with the error of a failing request", async () => {
    await using server = await DelayServer.start({ maxDelay: 10 });
    const bad: CrawlSpec = { origin: server.url, name: "bad", requests: 3, delay: 50, concurrency: 2 };
    await assert.rejects(crawlMap(bad), /status 400/);
    await assert.rejects(crawlCallbacks(bad), /status 400/);
  });

  it("computes the ideal as full waves", () => {
    assert.equal(idealMs(500, 100, 100), 500);
    assert.equal(idealMs(500, 500, 100), 100);
    assert.equal(idealMs(501, 100, 100), 600);
    assert.equal(idealMs(10, 1, 20), 200);
  });
});
