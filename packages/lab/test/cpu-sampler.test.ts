import assert from "node:assert/strict";
import { cpus } from "node:os";
import { describe, it } from "node:test";
import { CpuSampler, cpusBusy, sampleWhile, utilisation } from "../src/cpu-sampler.js";

describe("CpuSampler", () => {
  it("records per-CPU utilisation samples while a busy loop runs on the main thread", async () => {
    const { result, timeline } = await sampleWhile(
      () => {
        const end = performance.now() + 250;
        let spins = 0;
        while (performance.now() < end) spins++;
        return spins;
      },
      { intervalMs: 50 },
    );
    assert.ok(result > 0);
    assert.equal(timeline.cpuCount, cpus().length);
    assert.ok(timeline.samples.length >= 1, "the worker samples even while the main thread is busy");
    for (const s of timeline.samples) {
      assert.equal(s.cpus.length, cpus().length);
      for (const u of s.cpus) assert.ok(u >= 0 && u <= 100);
    }
    const busy = cpusBusy(timeline);
    assert.ok(busy >= 0 && busy <= cpus().length);
  });

  it("stop() is idempotent and the worker ends", async () => {
    const sampler = await CpuSampler.start({ intervalMs: 20 });
    const a = await sampler.stop();
    const b = await sampler.stop();
    assert.equal(a, b);
  });

  it("rejects a bad interval, naming it", async () => {
    await assert.rejects(CpuSampler.start({ intervalMs: 0 }), { name: "RangeError", message: /'intervalMs' must be a positive number: received 0/ });
  });

  it("utilisation() turns tick deltas into percentages", () => {
    assert.deepEqual(
      utilisation([{ busy: 0, total: 0 }], [{ busy: 50, total: 100 }]),
      [50],
    );
    assert.deepEqual(utilisation([{ busy: 5, total: 10 }], [{ busy: 5, total: 10 }]), [0]);
  });
});
