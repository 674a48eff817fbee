import assert from "node:assert/strict";
import { AsyncLocalStorage } from "node:async_hooks";
import { describe, it } from "node:test";
import { AdaptiveLimiter } from "../../src/async/adaptive-limiter.js";
import { deferred } from "../../src/internal/deferred.js";

/**
 * A discrete-event simulation: a clock that only moves when the simulation
 * says so, and a server with K workers whose latency is `base` up to K calls
 * in flight and grows in proportion beyond (the extra calls queue).
 */
class Simulation {
  now = 0;
  #events: { at: number; seq: number; wake: () => void }[] = [];
  #seq = 0;

  sleep(ms: number): Promise<void> {
    const { promise, resolve } = deferred<void>();
    this.#events.push({ at: this.now + ms, seq: this.#seq++, wake: resolve });
    return promise;
  }

  /** Runs events in time order until `done` settles; microtasks drain between events. */
  async run(done: Promise<unknown>): Promise<void> {
    let finished = false;
    done.then(
      () => {
        finished = true;
      },
      () => {
        finished = true;
      },
    );
    await new Promise<void>((resolve) => setImmediate(resolve));
    while (!finished) {
      if (this.#events.length === 0) throw new Error("Simulation stalled: nothing scheduled");
      this.#events.sort((a, b) => a.at - b.at || a.seq - b.seq);
      const event = this.#events.shift() as { at: number; wake: () => void };
      this.now = event.at;
      event.wake();
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }
}

function server(sim: Simulation, k: number, base: number): () => Promise<void> {
  let active = 0;
  return async () => {
    active++;
    const latency = active <= k ? base : (base * active) / k;
    await sim.sleep(latency);
    active--;
  };
}

async function simulate(k: number, options: { clients: number; requests: number; initial?: number; max?: number }) {
  const sim = new Simulation();
  const limiter = new AdaptiveLimiter({ min: 1, max: options.max ?? 500, initial: options.initial, now: () => sim.now });
  const call = server(sim, k, 50);
  const history: number[] = [];
  let left = options.requests;
  const client = async () => {
    while (left > 0) {
      left--;
      await limiter.run(call);
      history.push(limiter.limit);
    }
  };
  const done = Promise.all(Array.from({ length: options.clients }, client));
  await sim.run(done);
  await done;
  return { limiter, history };
}

const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

describe("AdaptiveLimiter", () => {
  for (const k of [10, 40, 100]) {
    it(`settles near K = ${k} against a server whose latency climbs above K in flight`, async () => {
      const { history } = await simulate(k, { clients: 400, requests: 40 * k + 4000 });
      const settled = history.slice(-Math.floor(history.length / 4));
      const lo = Math.min(...settled);
      const hi = Math.max(...settled);
      // The rule holds the estimated queue between alpha (3) and beta (6).
      assert.ok(lo >= k, `limit fell to ${lo}, below K = ${k}`);
      assert.ok(hi <= k + 8, `limit rose to ${hi}, far above K = ${k}`);
    });
  }

  it("comes down from a limit set far too high", async () => {
    const { history } = await simulate(30, { clients: 400, requests: 6000, initial: 300 });
    const end = history[history.length - 1];
    assert.ok(end >= 30 && end <= 38, `ended at ${end}`);
  });

  it("stays within min and max", async () => {
    const sim = new Simulation();
    const limiter = new AdaptiveLimiter({ min: 2, max: 12, now: () => sim.now });
    const call = server(sim, 50, 10);
    let left = 2000;
    const seen = new Set<number>();
    const client = async () => {
      while (left-- > 0) {
        await limiter.run(call);
        seen.add(limiter.limit);
      }
    };
    const done = Promise.all(Array.from({ length: 100 }, client));
    await sim.run(done);
    await done;
    assert.equal(Math.max(...seen), 12);
    assert.ok(Math.min(...seen) >= 2);
  });

  it("never runs more than its limit, and serves waiters first come, first served", async () => {
    const limiter = new AdaptiveLimiter({ min: 2, max: 2 });
    const gates = [deferred<void>(), deferred<void>(), deferred<void>(), deferred<void>()];
    const started: number[] = [];
    const runs = gates.map((gate, i) =>
      limiter.run(async () => {
        started.push(i);
        await gate.promise;
        return i;
      }),
    );
    await tick();
    assert.deepEqual(started, [0, 1]);
    assert.equal(limiter.inFlight, 2);
    assert.equal(limiter.waiting, 2);
    gates[1].resolve();
    await tick();
    assert.deepEqual(started, [0, 1, 2]);
    for (const gate of gates) gate.resolve();
    assert.deepEqual(await Promise.all(runs), [0, 1, 2, 3]);
    assert.equal(limiter.inFlight, 0);
  });

  it("an aborted wait leaves the queue at once with the signal's reason", async () => {
    const limiter = new AdaptiveLimiter({ min: 1, max: 1 });
    const gate = deferred<void>();
    const holder = limiter.run(() => gate.promise);
    const controller = new AbortController();
    const reason = new Error("gave up");
    let ran = false;
    const waiting = limiter.run(
      async () => {
        ran = true;
      },
      { signal: controller.signal },
    );
    assert.equal(limiter.waiting, 1);
    controller.abort(reason);
    await assert.rejects(waiting, (error) => error === reason);
    assert.equal(limiter.waiting, 0);
    gate.resolve();
    await holder;
    assert.equal(ran, false);
    await assert.rejects(limiter.run(async () => 1, { signal: AbortSignal.abort(reason) }), (error) => error === reason);
  });

  it("passes failures through and keeps its slot count right", async () => {
    const limiter = new AdaptiveLimiter({ min: 1, max: 1 });
    const boom = new Error("boom");
    await assert.rejects(limiter.run(async () => Promise.reject(boom)), (error) => error === boom);
    await assert.rejects(
      limiter.run(() => {
        throw boom;
      }),
      (error) => error === boom,
    );
    assert.equal(limiter.inFlight, 0);
    assert.equal(await limiter.run(async () => "ok"), "ok");
  });

  it("an overload error halves the limit once per round; other errors leave it", async () => {
    const overload = Object.assign(new Error("HTTP 429"), { status: 429 });
    const limiter = new AdaptiveLimiter({
      min: 2,
      max: 64,
      initial: 32,
      isOverload: (error) => (error as { status?: number }).status === 429,
    });
    await assert.rejects(limiter.run(() => Promise.reject(new Error("other"))), { message: "other" });
    assert.equal(limiter.limit, 32);
    // Three calls in flight when the service starts refusing: the first 429
    // halves the limit, the two others were sent under the old limit.
    const gates = [deferred<void>(), deferred<void>(), deferred<void>()];
    const calls = gates.map((gate) => limiter.run(() => gate.promise.then(() => Promise.reject(overload))));
    for (const gate of gates) gate.resolve();
    for (const call of calls) await assert.rejects(call, overload);
    assert.equal(limiter.limit, 16);
    // A call started after the cut cuts again, down to `min` at most.
    for (let i = 0; i < 5; i++) await assert.rejects(limiter.run(() => Promise.reject(overload)), overload);
    assert.equal(limiter.limit, 2);
    assert.equal(limiter.inFlight, 0);
    assert.throws(() => new AdaptiveLimiter({ isOverload: "429" as never }), { name: "TypeError", message: /'isOverload' must be a function/ });
  });

  it("runs queued calls in their caller's AsyncLocalStorage context", async () => {
    const als = new AsyncLocalStorage<number>();
    const limiter = new AdaptiveLimiter({ min: 1, max: 1 });
    const seen = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        als.run(i, () =>
          limiter.run(async () => {
            await tick();
            return als.getStore();
          }),
        ),
      ),
    );
    assert.deepEqual(seen, Array.from({ length: 20 }, (_, i) => i));
  });

  it("refuses bad options with errors naming them", () => {
    assert.throws(() => new AdaptiveLimiter({ min: 0 }), { name: "RangeError", message: /'min' must be a positive integer: received 0/ });
    assert.throws(() => new AdaptiveLimiter({ min: 5, max: 2 }), { name: "RangeError", message: /'max'.*received 2/ });
    assert.throws(() => new AdaptiveLimiter({ initial: 2.5 }), { name: "RangeError", message: /'initial'.*received 2.5/ });
    assert.throws(() => new AdaptiveLimiter({ max: Number.NaN }), { name: "RangeError", message: /'max'.*received NaN/ });
    assert.throws(() => new AdaptiveLimiter({ alpha: -1 }), { name: "RangeError", message: /'alpha'/ });
    assert.throws(() => new AdaptiveLimiter({ now: 3 as unknown as () => number }), { name: "TypeError", message: /'now'/ });
    assert.throws(() => new AdaptiveLimiter().run(7 as unknown as () => void), { name: "TypeError", message: /'fn'/ });
  });
});
