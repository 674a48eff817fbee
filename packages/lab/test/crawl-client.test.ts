import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { CrawlClient } from "../src/crawl-client.js";
import { DelayServer } from "../src/delay-server.js";

/** Waits (bounded) until `ready()` holds. */
async function until(ready: () => boolean): Promise<void> {
  for (let i = 0; i < 2000 && !ready(); i++) await new Promise((r) => setTimeout(r, 1));
  assert.ok(ready(), "condition not reached");
}

describe("CrawlClient", () => {
  it("returns each answer's status and body, and Retry-After when the answer has one", async () => {
    await using server = await DelayServer.start({ tooManyRequests: { share: 0.5, retryAfter: 7 } });
    await using client = new CrawlClient(server.url, { connections: 1 });
    const ok = await client.get("/add?name=a&delay=0");
    const busy = await client.get("/add?name=b&delay=0");
    assert.deepEqual(ok, { status: 200, body: JSON.stringify({ ok: true, name: "a", delay: 0 }) });
    assert.equal(busy.status, 429);
    assert.equal(busy.retryAfter, "7");
    assert.match(busy.body, /retry after 7 s/);
    assert.equal(client.connectionsOpened, 1);
  });

  it("reads a body larger than one chunk whole", async () => {
    await using server = await DelayServer.start();
    await using client = new CrawlClient(server.url, { connections: 1 });
    for (let i = 0; i < 1000; i++) await client.get(`/add?name=${"x".repeat(200)}-${i}&delay=0`);
    const res = await client.get("/log");
    assert.equal(res.status, 200);
    assert.ok(res.body.length > 200_000, `${res.body.length} bytes`);
    assert.equal(JSON.parse(res.body).entries.length, 1000);
  });

  it("gives get() and getCallback() the signal's reason when it aborts a request in flight; the server logs it unanswered", async () => {
    await using server = await DelayServer.start();
    await using client = new CrawlClient(server.url, { connections: 2 });
    const byPromise = new AbortController();
    const pending = client.get("/add?name=p&delay=60000", byPromise.signal);
    const byCallback = new AbortController();
    const called: (Error | null)[] = [];
    client.getCallback("/add?name=c&delay=60000", (error) => called.push(error), byCallback.signal);
    await until(() => server.pending === 2);
    const reason = new Error("stop");
    byPromise.abort(reason);
    byCallback.abort(reason);
    await assert.rejects(pending, (e) => e === reason);
    await until(() => called.length === 1);
    assert.deepEqual(called, [reason]);
    await until(() => server.log.length === 2);
    assert.deepEqual(server.log.map((e) => e.completedAt), [null, null]);
    assert.equal(called.length, 1);
  });

  it("sends nothing for a signal aborted before the call", async () => {
    await using server = await DelayServer.start();
    await using client = new CrawlClient(server.url, { connections: 1 });
    const reason = new Error("already");
    await assert.rejects(client.get("/add?name=never&delay=0", AbortSignal.abort(reason)), (e) => e === reason);
    assert.equal((await client.get("/add?name=after&delay=0")).status, 200);
    assert.deepEqual(server.log.map((e) => e.name), ["after"]);
  });

  it("closes at the end of an `await using` block", async () => {
    await using server = await DelayServer.start();
    let kept: CrawlClient | undefined;
    {
      await using client = new CrawlClient(server.url);
      kept = client;
      assert.equal((await client.get("/add?name=a&delay=0")).status, 200);
    }
    await assert.rejects(kept.get("/add?name=b&delay=0"), /The client is destroyed/);
  });

  it("checks its options", () => {
    assert.throws(() => new CrawlClient("http://127.0.0.1:1", { connections: 0 }), /Cannot create CrawlClient as 'connections' must be a positive integer: received 0/);
  });
});
