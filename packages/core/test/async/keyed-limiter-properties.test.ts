// Property-based test of KeyedLimiter under random schedules of runs (tasks
// that stay running until finished, that return or throw at once), finishes
// and aborts over a few keys, with random `concurrency`, `total` and
// `maxKeys`. Each step is one synchronous operation followed by settle(),
// which lets every queued microtask run: the interleavings are driven, not
// timed. Few keys and random limits make keys go idle, be forgotten and come
// back (their state reused) over and over.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { KeyedLimiter } from "../../src/async/keyed-limiter.js";
import { type Deferred, deferred } from "../../src/internal/deferred.js";
import { settle } from "./sync-helpers.js";

type Kind = "held" | "returns" | "throws" | "throwsAtOnce" | "rejects";

interface Tracked {
  readonly id: number;
  readonly key: number;
  readonly kind: Kind;
  readonly controller: AbortController | undefined;
  /** "running" from the call of its `fn` until what `fn` returned settles; "returned" until its run() settles. */
  state: "waiting" | "running" | "returned" | "ended";
  /** How the task's promise settled, once: "value", "error" or "aborted". */
  outcome: string | undefined;
  readonly gate: Deferred<void>;
}

const pick = <T>(list: T[], n: number): T | undefined => (list.length === 0 ? undefined : list[n % list.length]);

describe("KeyedLimiter properties", () => {
  const limit = fc.option(fc.integer({ min: 1, max: 3 }), { nil: undefined });
  const op = fc.oneof(
    fc.record({
      kind: fc.constant("run" as const),
      key: fc.integer({ min: 0, max: 3 }),
      task: fc.constantFrom<Kind>("held", "held", "returns", "throws", "throwsAtOnce", "rejects"),
      abortable: fc.boolean(),
    }),
    fc.record({ kind: fc.constant("finish" as const), n: fc.nat(), fail: fc.boolean() }),
    fc.record({ kind: fc.constant("abort" as const), n: fc.nat() }),
  );

  it("never exceeds a limit, starts each key's tasks in order, ends every task once and forgets every key", async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 3 }), limit, limit, fc.array(op, { maxLength: 50 }), async (concurrency, total, maxKeys, ops) => {
        const limiter = new KeyedLimiter({ concurrency, total, maxKeys });
        const tasks: Tracked[] = [];
        const started: Tracked[] = [];
        const running = (): Tracked[] => tasks.filter((t) => t.state === "running");
        const check = (): void => {
          const now = running();
          for (const key of new Set(now.map((t) => t.key))) {
            assert.ok(now.filter((t) => t.key === key).length <= concurrency, `key ${key} over its concurrency`);
          }
          assert.ok(now.length <= (total ?? Number.POSITIVE_INFINITY), "over total");
          assert.ok(new Set(now.map((t) => t.key)).size <= (maxKeys ?? Number.POSITIVE_INFINITY), "over maxKeys");
          assert.ok(limiter.active <= (maxKeys ?? Number.POSITIVE_INFINITY), "active keys over maxKeys");
        };
        const end = (t: Tracked, outcome: string): void => {
          assert.equal(t.outcome, undefined, `task ${t.id} ended twice`);
          t.outcome = outcome;
          t.state = "ended";
        };

        const all: Promise<void>[] = [];
        for (const o of ops) {
          if (o.kind === "run") {
            const t: Tracked = {
              id: tasks.length,
              key: o.key,
              kind: o.task,
              controller: o.abortable ? new AbortController() : undefined,
              state: "waiting",
              outcome: undefined,
              gate: deferred<void>(),
            };
            tasks.push(t);
            const fn = (): unknown => {
              assert.equal(t.state, "waiting", `task ${t.id} started twice or after it ended`);
              t.state = "running";
              started.push(t);
              check();
              if (t.kind === "returns" || t.kind === "throwsAtOnce" || t.kind === "rejects") {
                t.state = "returned";
                if (t.kind === "returns") return t.id;
                if (t.kind === "throwsAtOnce") throw new Error(`${t.id}`);
                return Promise.reject(new Error(`${t.id}`));
              }
              const result = t.gate.promise.then(() => {
                t.state = "returned"; // before the limiter's own reaction, attached later
                if (t.kind === "throws") throw new Error(`${t.id}`);
                return t.id;
              });
              return result;
            };
            all.push(
              limiter.run(t.key, fn, { signal: t.controller?.signal }).then(
                (value) => {
                  assert.equal(value, t.id);
                  end(t, "value");
                },
                (error: Error) => {
                  if (error.message === "aborted") {
                    assert.equal(t.state, "waiting", `task ${t.id} aborted after it started`);
                    end(t, "aborted");
                  } else {
                    assert.equal(error.message, `${t.id}`);
                    end(t, "error");
                  }
                },
              ),
            );
          } else if (o.kind === "finish") {
            const t = pick(
              running().filter((r) => r.kind === "held" || r.kind === "throws"),
              o.n,
            );
            t?.gate.resolve();
          } else {
            pick(
              tasks.filter((t) => t.state === "waiting" && t.controller !== undefined),
              o.n,
            )?.controller?.abort(new Error("aborted"));
          }
          await settle();
          check();
        }
        // Finish whatever still runs, until everything has ended.
        for (let guard = 0; tasks.some((t) => t.state !== "ended"); guard++) {
          assert.ok(guard < tasks.length + 1, `tasks left waiting: ${JSON.stringify(tasks.filter((t) => t.state === "waiting"))}`);
          for (const t of running()) t.gate.resolve();
          await settle();
        }
        await Promise.all(all);
        // Each key's tasks started in the order they were run.
        for (const key of [0, 1, 2, 3]) {
          const ids = started.filter((t) => t.key === key).map((t) => t.id);
          assert.deepEqual(ids, [...ids].sort((a, b) => a - b), `key ${key} out of order`);
        }
        assert.equal(limiter.keys, 0);
        assert.equal(limiter.active, 0);
        assert.equal(limiter.running, 0);
        assert.equal(limiter.waiting, 0);
      }),
      { numRuns: 300 },
    );
  });
});
