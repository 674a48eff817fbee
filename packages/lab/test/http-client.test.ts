import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { describe, it } from "node:test";
import { DelayServer } from "../src/delay-server.js";
import { HttpClient } from "../src/http-client.js";

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function stop(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

describe("HttpClient", () => {
  it("never opens more sockets than 'connections' and reuses them", async () => {
    await using server = await DelayServer.start();
    const client = new HttpClient(server.url, { connections: 4 });
    try {
      const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => client.get(`/add?name=r${i}&delay=5`)));
      assert.ok(answers.every((a) => a.status === 200));
      assert.equal(client.connectionsOpened, 4);
      assert.equal(server.accepted, 4);
      assert.equal(server.log.length, 20);
    } finally {
      client.close();
    }
  });

  it("pipelines beyond 'connections' when asked, answers matched in order", async () => {
    await using server = await DelayServer.start();
    const client = new HttpClient(server.url, { connections: 2, pipelining: 5 });
    try {
      const answers = await Promise.all(Array.from({ length: 10 }, (_, i) => client.get(`/add?name=p${i}&delay=${(10 - i) * 2}`)));
      assert.deepEqual(
        answers.map((a) => JSON.parse(a.body).name),
        Array.from({ length: 10 }, (_, i) => `p${i}`),
      );
      assert.equal(server.accepted, 2);
    } finally {
      client.close();
    }
  });

  it("reads content-length and chunked bodies, and honours connection: close", async () => {
    let requests = 0;
    const server = createServer((req, res) => {
      requests++;
      if (req.url === "/chunked") {
        res.write("hel");
        res.end("lo wörld");
      } else if (req.url === "/close") {
        res.setHeader("connection", "close");
        res.end("bye");
      } else {
        res.setHeader("content-length", "2");
        res.end("ok");
      }
    });
    const origin = await listen(server);
    const client = new HttpClient(origin, { connections: 1 });
    try {
      assert.deepEqual(await client.get("/plain"), { status: 200, body: "ok" });
      assert.deepEqual(await client.get("/chunked"), { status: 200, body: "hello wörld" });
      assert.deepEqual(await client.get("/close"), { status: 200, body: "bye" });
      assert.deepEqual(await client.get("/plain"), { status: 200, body: "ok" });
      assert.equal(client.connectionsOpened, 2);
      assert.equal(requests, 4);
    } finally {
      client.close();
      await stop(server);
    }
  });

  it("reports the status of error answers", async () => {
    await using server = await DelayServer.start();
    const client = new HttpClient(server.url);
    try {
      const res = await client.get("/add?name=x&delay=-5");
      assert.equal(res.status, 400);
      assert.match(res.body, /delay/);
    } finally {
      client.close();
    }
  });

  it("rejects when the server cannot be reached or goes away", async () => {
    const server = await DelayServer.start();
    const origin = server.url;
    const client = new HttpClient(origin, { connections: 1 });
    const pending = client.get("/add?name=x&delay=60000");
    while (server.pending < 1) await new Promise((r) => setTimeout(r, 1));
    await server.close();
    await assert.rejects(pending, /connection closed|ECONNRESET/);
    await assert.rejects(client.get("/add?name=y&delay=0"), /ECONNREFUSED/);
    client.close();
  });

  it("close() fails waiting requests and refuses new ones", async () => {
    await using server = await DelayServer.start();
    const client = new HttpClient(server.url, { connections: 1 });
    const first = client.get("/add?name=a&delay=20");
    const waiting = client.get("/add?name=b&delay=0");
    client.close();
    await assert.rejects(waiting, /client is closed/);
    assert.equal((await first).status, 200);
    await assert.rejects(client.get("/"), /client is closed/);
  });

  it("supports the callback style", async () => {
    await using server = await DelayServer.start();
    const client = new HttpClient(server.url);
    const body = await new Promise<string>((resolve, reject) => {
      client.getCallback("/add?name=cb&delay=1", (error, res) => {
        if (error !== null) reject(error);
        else resolve(res?.body ?? "");
      });
    });
    assert.match(body, /"cb"/);
    client.close();
  });

  it("checks its options", () => {
    assert.throws(() => new HttpClient("https://example.com"), /'origin' must be an http: URL/);
    assert.throws(() => new HttpClient("http://127.0.0.1:1", { connections: 0 }), /'connections' must be a positive integer: received 0/);
    assert.throws(() => new HttpClient("http://127.0.0.1:1", { pipelining: 1.5 }), /'pipelining' must be/);
  });
});
