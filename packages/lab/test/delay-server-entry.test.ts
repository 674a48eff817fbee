import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { DelayServer, startServerThread } from "juggle-lab/delay-server";

describe("juggle-lab/delay-server (public entry)", () => {
  it("exports DelayServer, answering after the delay asked", async () => {
    await using server = await DelayServer.start();
    const res = await fetch(`${server.url}/add?name=public&delay=5`);
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { ok: true, name: "public", delay: 5 });
    assert.equal(server.log[0]?.name, "public");
  });

  it("exports startServerThread, with the 429 option passed to the thread", async () => {
    await using server = await startServerThread({ tooManyRequests: { share: 1, retryAfter: 3 } });
    const res = await fetch(`${server.url}/add?name=busy&delay=0`);
    assert.equal(res.status, 429);
    assert.equal(res.headers.get("retry-after"), "3");
    await res.text();
    assert.deepEqual((await server.log()).entries.map((e) => e.status), [429]);
  });
});
