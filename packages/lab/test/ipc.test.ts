import assert from "node:assert/strict";
import { describe, it } from "node:test";
import ipc, { defaultVariants, factorRanges, ipcReport, redisFlagVariant, runIpc } from "../src/experiments/ipc.js";
import { isPrime } from "../src/tasks/cpu.js";
import { startRedisServer } from "juggle-testing/redis-server";
import { assertNoWorkersLeft, quickContext } from "./fixtures/cpu-quick.js";

describe("lab ipc", () => {
  it("factorRanges covers the range without overlap", () => {
    assert.deepEqual(factorRanges(22, 100, 2), [[22, 61], [62, 100]]);
    assert.deepEqual(factorRanges(22, 23, 4), [[22, 22], [23, 23]]);
    assert.deepEqual(factorRanges(30, 20, 2), []);
  });

  it("every variant agrees with trial division on primes and composites", async () => {
    const numbers = [1_000_003, 1_000_033 * 1_000_037, 1_000_003 * 3, 1_000_037 * 2];
    const variants = defaultVariants();
    const result = await runIpc({ numbers, workers: 2, checkEvery: 100, serialCutoff: 21, variants });
    assert.equal(result.runs.length, numbers.length * variants.length);
    for (const run of result.runs) {
      assert.equal(run.prime, isPrime(run.n), `${run.variant}: ${run.n}`);
      if (!run.prime) assert.equal(run.n % (run.factor as number), 0);
    }
    // A flag stops the other worker early: the flagged runs never do more divisions than the flag-less one.
    const steps = (variant: string) => result.runs.find((r) => r.variant === variant && r.n === 1_000_033 * 1_000_037)?.steps ?? 0;
    assert.ok(steps("threads, Value flag") <= steps("threads, no flag"));
    const report = ipcReport(result);
    assert.equal(report.tables[0]?.rows.length, result.runs.length);
    assert.equal(report.charts.length, 2);
    await assertNoWorkersLeft();
  });

  it("checks every number once per round, shows medians with min–max, and flags an impossible speed-up on the primes", async () => {
    // A prime whose check takes milliseconds (its time must not round to 0), and a composite.
    const numbers = [999_999_999_989, 999_999_999_989 * 3];
    assert.ok(isPrime(numbers[0] as number));
    const variants = defaultVariants().filter((v) => v.name === "serial" || v.name === "threads, no flag");
    const result = await runIpc({ numbers, workers: 2, checkEvery: 100, serialCutoff: 21, variants, repeats: 3, cores: 1 });
    for (const run of result.runs) assert.equal(run.time.runs.length, 3, `${run.variant} ${run.n}`);
    assert.deepEqual(result.totals.map((t) => [t.variant, t.all.runs.length, t.primes.runs.length]), [["serial", 3, 3], ["threads, no flag", 3, 3]]);
    // The prime's time is all the primes' time: the speed-up is measured on it.
    const prime = (v: string) => result.runs.find((r) => r.variant === v && r.n === numbers[0])?.time.median ?? 0;
    const threads = result.totals[1];
    assert.ok(threads);
    assert.equal(threads.primes.median, prime("threads, no flag"));
    assert.equal(threads.speedup, Math.round((prime("serial") / prime("threads, no flag")) * 100) / 100);
    const report = ipcReport(result);
    const [perNumber, totals] = report.tables;
    assert.ok(perNumber && totals);
    for (const row of perNumber.rows) assert.match(String(row[perNumber.columns.indexOf("seconds (min–max)")]), /^\d+\.\d{3} \(\d+\.\d{3}–\d+\.\d{3}\)$/);
    // Both charts draw every bar's range: no stacked bars, whose error bars would sit on the wrong height.
    for (const chart of report.charts) {
      assert.ok(chart.kind === "bar" && chart.stacked !== true, chart.title);
      for (const series of chart.series) assert.equal(series.errors?.length, series.values.length, `${chart.title}: ${series.label}`);
    }
    // With 1 core, a 2-worker speed-up above 1 is impossible: flagged in place.
    threads.speedup = 1.8;
    threads.problem = "1.8x with 2 worker(s) is above the 1 cores";
    const flagged = ipcReport(result);
    assert.deepEqual(flagged.tables[1]?.rows.map((r) => r.at(-1)), ["ok", "SUSPECT"]);
    assert.ok(flagged.notes?.some((n) => n.startsWith("Measurement problem, threads, no flag:")));
    await assertNoWorkersLeft();
  });

  it("runs at its --quick size through the experiment definition", async () => {
    const result = await ipc.run(quickContext(ipc) as never);
    assert.ok(result.notes?.some((n) => n.includes("--redis-url")));
    await assertNoWorkersLeft();
  });
});

describe("lab ipc with Redis", () => {
  it("the Redis flag variant verifies primes and stops early on a composite", async () => {
    const redis = await startRedisServer();
    try {
      const numbers = [1_000_003, 1_000_033 * 1_000_037];
      const result = await runIpc({
        numbers,
        workers: 2,
        checkEvery: 100,
        serialCutoff: 21,
        variants: [...defaultVariants().filter((v) => v.name === "processes, no flag"), redisFlagVariant()],
        redisUrl: redis.url,
      });
      for (const run of result.runs) assert.equal(run.prime, isPrime(run.n), `${run.variant}: ${run.n}`);
      const steps = (variant: string) => result.runs.find((r) => r.variant === variant && !r.prime)?.steps ?? 0;
      assert.ok(steps("processes, Redis flag") <= steps("processes, no flag"));
      assert.ok(!ipcReport(result).notes?.some((n) => n.includes("--redis-url")), "no hint when the variant ran");
    } finally {
      await redis.stop();
    }
    await assertNoWorkersLeft();
  });
});
