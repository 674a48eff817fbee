/**
 * Each Python program of the lab (packages/lab/python/*.py) computes the same
 * answer as juggle's side at tiny sizes: prime counts, sums of squares,
 * counter totals, factors, the crawl's answered and logged requests, the
 * polite crawl's limits by the hosts' own logs. Runs
 * with the machine's python3; skipped (visibly) without one.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { DelayServer } from "../src/delay-server.js";
import { politeChecks } from "../src/polite-checks.js";
import { findPython } from "../src/python.js";
import { type PythonResult, runPython } from "../src/python/run-python.js";
import { countPrimes, isPrime } from "../src/tasks/cpu.js";
import { primesBetween } from "../src/tasks/primes-db.js";

const python = findPython()?.command ?? null;

async function run(program: string, params: Record<string, unknown>): Promise<PythonResult> {
  assert.ok(python);
  const outcome = await runPython(python, program, params, { timeoutMs: 60_000 });
  assert.equal(outcome.state, "ok", outcome.state === "failed" ? outcome.message : "");
  return (outcome as { result: PythonResult }).result;
}

function smallestFactor(n: number): number | null {
  if (n % 2 === 0) return 2;
  for (let i = 3; i * i <= n; i += 2) if (n % i === 0) return i;
  return null;
}

describe("lab Python programs compute juggle's answers", () => {
  const skip = python === null ? "python3 not on PATH" : false;

  it("primes: every chunk size counts juggle's primes", { skip }, async () => {
    const result = await run("primes", { start: 1_000_000, count: 600, workers: 2, chunkSizes: [1, 7, 600], repeat: 1 });
    const expected = countPrimes(1_000_000, 1_000_600);
    assert.deepEqual(result.rows.map((r) => r.label), ["serial", "chunksize 1", "chunksize 7", "chunksize 600"]);
    for (const row of result.rows) assert.equal(row.answer.primes, expected, row.label);
  });

  it("work_queue: poison pills end every worker and the primes are juggle's", { skip }, async () => {
    const result = await run("work_queue", { start: 1_000_000, count: 400, maxWorkers: 2, repeat: 1 });
    const expected = countPrimes(1_000_000, 1_000_400);
    assert.deepEqual(result.rows.map((r) => [r.label, r.workers]), [["serial", 1], ["multiprocessing.Queue", 1], ["multiprocessing.Queue", 2]]);
    for (const row of result.rows) assert.equal(row.answer.primes, expected, `${row.label} ×${row.workers}`);
  });

  it("locks: with get_lock() no update is lost; without, none is invented", { skip }, async () => {
    const result = await run("locks", { workers: 2, increments: 3000, repeat: 1 });
    const byLabel = new Map(result.rows.map((r) => [r.label, r.answer]));
    assert.deepEqual(byLabel.get("Value with get_lock()"), { expected: 6000, counted: 6000, lost: 0 });
    for (const label of ["Value, no lock", "RawValue, no lock"]) {
      const answer = byLabel.get(label) as { expected: number; counted: number; lost: number };
      assert.equal(answer.expected, 6000);
      assert.ok(answer.counted > 0 && answer.counted <= 6000, `${label}: ${answer.counted}`);
      assert.equal(answer.lost, 6000 - answer.counted);
    }
  });

  it("ipc: every flag finds juggle's verdict and the smallest factor", { skip }, async () => {
    // juggle's quick numbers: a prime, a product of two primes near 10^6, and 3 times a prime.
    const numbers = [1_000_003, 1_000_033 * 1_000_037, 1_000_003 * 3, 1_022_117];
    const result = await run("ipc", { numbers, workers: 2, checkEvery: 50, serialCutoff: 21, repeat: 1 });
    assert.deepEqual(result.rows.map((r) => r.label), ["no flag", "RawValue flag", "Manager().Value flag"]);
    const expected = numbers.map((n) => ({ n: String(n), prime: isPrime(n), factor: smallestFactor(n) }));
    for (const row of result.rows) assert.deepEqual(row.answer.checks, expected, row.label);
  });

  it("primes_db: serial and AsyncBatcher save juggle's primes, one request each", { skip }, async () => {
    await using server = await DelayServer.start({ dbLatency: 5 });
    const result = await run("primes_db", { url: server.url, maxNumber: 60, batchSize: 4, cpuRepeat: 2, repeat: 1 });
    const expected = primesBetween(0, 60).length;
    assert.deepEqual(result.rows.map((r) => r.label), ["CPU only (no saving)", "serial", "AsyncBatcher"]);
    assert.equal(result.rows[0]?.answer.primes, expected);
    for (const row of result.rows.slice(1)) assert.deepEqual(row.answer, { primes: expected, requests: expected, stored: expected }, row.label);
    assert.equal(server.primes.length, expected);
  });

  it("polite: every request answered 200, no host above its limits by its own log, every 429 waited out", { skip }, async () => {
    await using a = await DelayServer.start({ tooManyRequests: { share: 0.25, retryAfter: 1 } });
    await using b = await DelayServer.start({ tooManyRequests: { share: 0.25, retryAfter: 1 } });
    const interval = 400;
    const result = await run("polite", { origins: [a.url, b.url], requests: 8, delay: 5, concurrency: 2, limit: 3, interval });
    assert.deepEqual(result.rows.map((r) => r.label), [a.url, b.url]);
    for (const [h, server] of [a, b].entries()) {
      const entries = server.log.filter((e) => e.kind === "add");
      // Every request answered 200 exactly once, by the server's log too.
      assert.deepEqual(entries.filter((e) => e.status === 200).map((e) => e.name).sort(), Array.from({ length: 8 }, (_, i) => `${h}-${i}`).sort());
      // The window less 10% for the client-to-server time, as the experiment counts it.
      const checks = politeChecks(entries, interval * 0.9);
      assert.ok(checks.maxInFlight <= 2, `host ${h}: ${checks.maxInFlight} in flight`);
      assert.ok(checks.maxInWindow <= 3, `host ${h}: ${checks.maxInWindow} arrivals in one window`);
      assert.ok(checks.tooMany >= 2, `host ${h}: ${checks.tooMany} 429s`);
      assert.equal(checks.retried, checks.tooMany);
      assert.ok((checks.shortestRetryGap as number) >= 999, `host ${h}: retried ${checks.shortestRetryGap} ms after a 429`);
      assert.deepEqual(result.rows[h]?.answer, { answered: 8, tooMany: checks.tooMany, retries: checks.tooMany });
    }
  });

  it("polite: refuses origins that are not http:// URLs, naming them", { skip }, async () => {
    assert.ok(python);
    const outcome = await runPython(python, "polite", { origins: ["localhost:80"] }, { timeoutMs: 60_000 });
    assert.equal(outcome.state, "failed");
    assert.match((outcome as { message: string }).message, /'origins' must be http:\/\/ URLs: received \['localhost:80'\]/);
  });
});
