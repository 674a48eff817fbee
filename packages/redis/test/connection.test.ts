import assert from "node:assert/strict";
import { test } from "node:test";
import { connectionSpec } from "../src/connection.js";
import { RedisPool, RedisUnreachableError } from "../src/index.js";
import { fromFailure, matchModule, toFailure } from "../src/job.js";
import { decode, decodeResults, encode, encodeArguments, encodeResults } from "../src/payload.js";
import { tasks } from "juggle-core";
import { startRedisServer } from "juggle-testing/redis-server";
import { startWorker, tasksModule } from "./workers.js";

const t = tasks<typeof import("./fixtures/tasks.js")>(tasksModule);

test("a password-protected Redis: the right password works (URL or options), a wrong one is a clear error", async () => {
  const redis = await startRedisServer({ password: "s3cret" });
  const url = `redis://:s3cret@127.0.0.1:${redis.port}`;
  const worker = await startWorker(url, ["--queue", "auth", "--quiet"]);
  try {
    await using byOptions = new RedisPool({ connection: { host: "127.0.0.1", port: redis.port, password: "s3cret" }, queue: "auth" });
    assert.equal(await byOptions.submit(t.square, 6), 36);
    assert.ok(!worker.output().includes("s3cret"), "the worker does not log the password");
    const wrong = new RedisPool({ connection: `redis://:nope@127.0.0.1:${redis.port}`, queue: "auth", connectTimeout: 2000 });
    await assert.rejects(wrong.ready(), (e: Error) => {
      assert.ok(e instanceof RedisUnreachableError);
      assert.match(e.message, /redis:\/\/:\*\*\*@127\.0\.0\.1:\d+.* is unreachable: .*(WRONGPASS|NOAUTH|invalid)/i);
      assert.doesNotMatch(e.message, /nope/);
      return true;
    });
    await wrong.terminate();
  } finally {
    assert.equal(await worker.stop(), 0, worker.output());
    await redis.stop();
  }
});

test("scalar arguments and results travel as JSON text and come back exactly; anything else goes through v8", () => {
  const roundTrip = (argLists: unknown[][]): string => {
    const text = encodeArguments("run task", argLists, 1 << 20);
    const back = decode(text) as unknown[][];
    assert.equal(back.length, argLists.length);
    argLists.forEach((args, i) => {
      assert.equal(back[i]?.length, args.length, `arg list ${i}`);
      args.forEach((v, j) => {
        if (typeof v === "object" && v !== null) assert.deepEqual(back[i]?.[j], v);
        else assert.ok(Object.is(back[i]?.[j], v), `args[${i}][${j}]: ${String(back[i]?.[j])} for ${String(v)}`);
      });
      args.forEach((_, j) => assert.ok(j in (back[i] ?? []), `args[${i}][${j}] is not a hole`));
    });
    const result = { r: argLists.map((args) => args[0]), w: "host:1", s: 1.5, e: 1e12 + 0.25 };
    const decoded = decodeResults(encodeResults(result, 1 << 20));
    assert.deepEqual(decoded, result);
    result.r.forEach((v, i) => assert.ok(typeof v === "object" || Object.is(decoded.r[i], v), `r[${i}]`));
    return text;
  };
  assert.equal(roundTrip([[1, "a\u0000\ud800", true, null]]), '[[1,"a\\u0000\\ud800",true,null]]');
  assert.equal(roundTrip([[undefined], [2], ["x"]]), "~[[null],[2],[\"x\"]]");
  assert.equal(roundTrip([[]]), "[[]]");
  // Values JSON would change go through v8: both null and undefined, -0, NaN, Infinity, BigInt, objects, holes.
  for (const args of [[null, undefined], [-0], [Number.NaN], [Number.POSITIVE_INFINITY], [1n], [{ a: 1 }], [[1]], [new Date(0)]]) {
    const text = roundTrip([args]);
    assert.ok(!text.startsWith("[") && !text.startsWith("~"), `${text} for ${String(args)}`);
  }
  const holes = [[1, , 3]];
  assert.ok(!encodeArguments("run task", holes, 1 << 20).startsWith("["));
  assert.equal((decode(encodeArguments("run task", holes, 1 << 20)) as unknown[][])[0]?.length, 3);
});

test("payloads round-trip through v8 serialization; errors carry their identity and site", () => {
  const value = [new Map([[1n, new Date(5)]]), undefined, new Uint16Array([7])];
  assert.deepEqual(decode(encode(value)), value);
  assert.throws(() => encodeArguments("run task", [[1, () => 2]], 1 << 20), /arguments cannot be cloned .*: argument 1: /);
  assert.throws(() => encodeArguments("run task", [["x".repeat(100)]], 64), /at most 64 bytes \(option 'maxPayloadBytes'\)/);
  const error = Object.assign(new RangeError("out of range"), { code: "E_RANGE", extra: [1, 2] });
  const failure = toFailure(error, { w: "host:1", s: 1, e: 2 });
  assert.match(failure.message, /^RangeError: out of range\n\[juggle-error:/);
  const back = fromFailure(failure.message, "42");
  assert.ok(back.error instanceof RangeError);
  assert.equal((back.error as RangeError & { code: string }).code, "E_RANGE");
  assert.deepEqual((back.error as RangeError & { extra: number[] }).extra, [1, 2]);
  assert.deepEqual(back.site, { w: "host:1", s: 1, e: 2 });
  const plain = fromFailure("job stalled more than allowable limit", "42");
  assert.match(plain.error.message, /^Job 42 failed in BullMQ: job stalled more than allowable limit$/);
  assert.equal((plain.error as Error & { code: string }).code, "ERR_JUGGLE_JOB_FAILED");
});

test("a worker runs only its own task modules, matched by URL or by file name", () => {
  const mine = ["file:///srv/app/dist/tasks.js", "file:///srv/app/dist/other.js"];
  assert.equal(matchModule("file:///srv/app/dist/tasks.js", mine), mine[0]);
  assert.equal(matchModule("file:///home/dev/app/dist/tasks.js", mine), mine[0]);
  assert.throws(() => matchModule("file:///tmp/evil.js", mine), /this worker only runs/);
});

test("connectTimeout beyond 2^31 − 1 ms is not handed to ioredis (Node would fire its timer after 1 ms); Infinity is no limit", () => {
  const month = 30 * 24 * 3600 * 1000;
  const long = connectionSpec("create RedisPool", "redis://127.0.0.1:1", month);
  assert.equal(long.connectTimeout, month);
  assert.equal(long.options.connectTimeout, 0, "ioredis's own one-timer limit is off: our chained timer bounds the probe");
  const none = connectionSpec("create RedisPool", "redis://127.0.0.1:1", Number.POSITIVE_INFINITY);
  assert.equal(none.options.connectTimeout, 0);
  assert.equal(connectionSpec("create RedisPool", "redis://127.0.0.1:1", 1000).options.connectTimeout, 1000);
  assert.throws(() => connectionSpec("create RedisPool", "redis://127.0.0.1:1", Number.NaN), RangeError);
});

test("RedisPool refuses null options instead of reading them as the default", () => {
  for (const option of ["connectTimeout", "retries", "maxPayloadBytes", "reconcileInterval", "resultTtl"]) {
    assert.throws(
      () => new RedisPool({ connection: "redis://127.0.0.1:1", [option]: null }),
      (error: Error) => (error instanceof TypeError || error instanceof RangeError) && error.message.includes(`'${option}'`),
      option,
    );
  }
});
