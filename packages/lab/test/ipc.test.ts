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
