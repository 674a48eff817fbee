import assert from "node:assert/strict";
import { request as httpRequest, Agent } from "node:http";
import { connect, type Socket } from "node:net";
import { describe, it } from "node:test";
import { DelayServer } from "../src/delay-server.js";
import { CrawlClient } from "../src/crawl-client.js";
import { startServerThread } from "../src/server-thread.js";

/** Sends raw bytes and collects everything until the server closes or `until` matches. */
function raw(server: DelayServer, bytes: string, until?: (text: string) => boolean): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket: Socket = connect({ host: "127.0.0.1", port: server.port });
    let text = "";
    socket.setEncoding("latin1");
    socket.on("data", (d: string) => {
      text += d;
      if (until?.(text)) {
        socket.destroy();
        resolve(text);
      }
    });
    socket.on("end", () => resolve(text));
    socket.on("close", () => resolve(text));
    socket.on("error", reject);
    socket.write(bytes);
  });
}

const count = (text: string, word: string): number => text.split(word).length - 1;

describe("DelayServer", () => {
  it("answers /add?name&delay after the delay and logs arrival and completion", async () => {
    await using server = await DelayServer.start();
    const client = new CrawlClient(server.url, { connections: 1 });
    try {
      const res = await client.get("/add?name=a&delay=30&xyzzy");
      assert.equal(res.status, 200);
      assert.deepEqual(JSON.parse(res.body), { ok: true, name: "a", delay: 30 });
      const [entry] = server.log;
      assert.ok(entry);
      assert.equal(entry.kind, "add");
      assert.equal(entry.name, "a");
      assert.ok(entry.completedAt !== null);
      // Never early: the server re-arms a timer that fires before the delay is over.
      assert.ok(entry.completedAt - entry.arrivedAt >= 30 - 1e-6, `answered after ${entry.completedAt - entry.arrivedAt} ms`);
      const log = JSON.parse((await client.get("/log")).body);
      assert.equal(log.entries.length, 1);
      assert.equal(log.connections, 1);
    } finally {
      await client.close();
    }
  });

  it("stores primes with the database latency and clears them on /reset", async () => {
    await using server = await DelayServer.start({ dbLatency: 5 });
    const client = new CrawlClient(server.url, { connections: 3 });
    try {
      const answers = await Promise.all([2, 3, 5].map((p) => client.get(`/add?prime=${p}`)));
      assert.deepEqual(answers.map((a) => a.status), [200, 200, 200]);
      assert.deepEqual([...server.primes].sort(), [2, 3, 5]);
      assert.ok(server.log.every((e) => e.kind === "prime" && e.delay === 5));
      assert.equal(JSON.parse((await client.get("/log")).body).primes, 3);
      assert.equal((await client.get("/reset")).status, 200);
      assert.equal(server.primes.length, 0);
      assert.equal(server.log.length, 0);
    } finally {
      await client.close();
    }
  });

  it("answers bad parameters with 400 and a message naming the parameter, and keeps serving", async () => {
    await using server = await DelayServer.start({ maxDelay: 1000 });
    const client = new CrawlClient(server.url, { connections: 2 });
    try {
      const cases: [string, RegExp][] = [
        ["/add?delay=10", /'name' is missing/],
        ["/add?name=a", /'delay' is missing/],
        ["/add?name=a&delay=", /'delay' is missing/],
        ["/add?name=a&delay=-1", /'delay' must be .*received "-1"/],
        ["/add?name=a&delay=abc", /'delay' must be .*received "abc"/],
        ["/add?name=a&delay=1001", /'delay' must be a non-negative number of milliseconds <= 1000: received "1001"/],
        ["/add?name=a&delay=Infinity", /'delay' must be/],
        ["/add?prime=-3", /'prime' must be a non-negative integer: received "-3"/],
        ["/add?prime=2.5", /'prime' must be a non-negative integer/],
        ["/add?prime=", /'prime' is missing/],
      ];
      for (const [path, message] of cases) {
        const res = await client.get(path);
        assert.equal(res.status, 400, path);
        assert.match(JSON.parse(res.body).error, message, path);
      }
      assert.equal((await client.get("/nope")).status, 404);
      assert.equal((await client.get("/add?name=ok&delay=0")).status, 200);
      assert.equal(server.log.length, 1);
    } finally {
      await client.close();
    }
  });

  it("refuses other methods with 405 and serves HEAD without a body", async () => {
    await using server = await DelayServer.start();
    const post = await raw(server, "POST /add?name=a&delay=0 HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n");
    assert.match(post, /^HTTP\/1\.1 405 /);
    const head = await raw(server, "HEAD /add?name=a&delay=0 HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n");
    assert.match(head, /^HTTP\/1\.1 200 /);
    assert.match(head, /content-length: \d+\r\n/i);
    assert.ok(head.endsWith("\r\n\r\n"), "no body after the head");
  });

  it("closes malformed, oversized and body-carrying requests with a 4xx", async () => {
    await using server = await DelayServer.start();
    assert.match(await raw(server, "HELLO\r\n\r\n"), /^HTTP\/1\.1 400 /);
    assert.match(await raw(server, "GET /add HTTP/2.0\r\n\r\n"), /^HTTP\/1\.1 400 /);
    assert.match(await raw(server, `GET /?${"x".repeat(20_000)} HTTP/1.1\r\n\r\n`), /^HTTP\/1\.1 431 /);
    assert.match(await raw(server, "GET / HTTP/1.1\r\ncontent-length: 3\r\n\r\nabc"), /^HTTP\/1\.1 413 /);
    assert.match(await raw(server, "GET / HTTP/1.1\r\ntransfer-encoding: chunked\r\n\r\n0\r\n\r\n"), /^HTTP\/1\.1 413 /);
    // Still serving.
    const client = new CrawlClient(server.url, { connections: 2 });
    assert.equal((await client.get("/add?name=a&delay=0")).status, 200);
    await client.close();
  });

  it("refuses what the HTTP grammar refuses: hex delays, negative Content-Length, NUL in the target", async () => {
    await using server = await DelayServer.start();
    const hex = await raw(server, "GET /add?name=a&delay=0x10 HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n");
    assert.match(hex, /^HTTP\/1\.1 400 /);
    assert.match(hex, /'delay' must be .*received \\"0x10\\"/);
    for (const odd of ["1e1", " 5", "+5", "5."]) {
      const text = await raw(server, `GET /add?name=a&delay=${encodeURIComponent(odd)} HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n`);
      assert.match(text, /^HTTP\/1\.1 400 /, odd);
    }
    assert.match(await raw(server, "GET /add?name=a&delay=0 HTTP/1.1\r\nhost: x\r\ncontent-length: -1\r\n\r\n"), /^HTTP\/1\.1 400 /);
    assert.match(await raw(server, "GET /add?name=a\0&delay=0 HTTP/1.1\r\nhost: x\r\n\r\n"), /^HTTP\/1\.1 400 /);
    assert.equal(server.log.length, 0);
  });

  it("answers requests whose lines end in LF only with a 400 and closes, never leaving them waiting", async () => {
    await using server = await DelayServer.start();
    // raw() resolves only when the server closes the connection.
    const text = await raw(server, "GET /add?name=lf&delay=0 HTTP/1.1\nhost: x\n\n");
    assert.match(text, /^HTTP\/1\.1 400 /);
    assert.equal(server.log.length, 0);
  });

  it("produces /log answers only as fast as a pipelining client reads them", async () => {
    await using server = await DelayServer.start();
    const client = new CrawlClient(server.url, { connections: 50 });
    // 1,000 entries of ~6 KB: a 6 MB log, so 20 of them (120 MB) are far beyond what the kernel's socket buffers hold.
    await Promise.all(Array.from({ length: 1000 }, (_, i) => client.get(`/add?name=${"n".repeat(6000)}${i}&delay=0`)));
    await client.close();
    const oneLog = Buffer.byteLength(JSON.stringify({ entries: server.log, primes: 0, dropped: 0, connections: server.accepted }));
    const before = server.logBytesProduced;
    const socket = connect({ host: "127.0.0.1", port: server.port });
    socket.pause();
    socket.write("GET /log HTTP/1.1\r\nhost: x\r\n\r\n".repeat(20));
    // The server writes until the socket buffers are full, then stops: poll until it has produced at least one log, then
    // give it a bounded while longer; at no point may it have produced most of the 20 answers.
    let peak = 0;
    for (let i = 0; i < 200; i++) {
      await new Promise((r) => setTimeout(r, 5));
      peak = server.logBytesProduced - before;
      assert.ok(peak < 3 * oneLog, `produced ${peak} bytes, 20 logs are ${20 * oneLog}`);
    }
    assert.ok(peak > 0);
    // Reading everything gets every answer, whole.
    // Counted chunk by chunk (the whole text is 120 MB); "]}" ends each log and appears nowhere else.
    let ends = 0;
    let oks = 0;
    let tail = "";
    socket.setEncoding("latin1");
    socket.on("data", (d: string) => {
      const text = tail + d;
      ends += count(text, "]}") - count(tail, "]}");
      oks += count(text, "HTTP/1.1 200 OK") - count(tail, "HTTP/1.1 200 OK");
      tail = text.slice(-20);
      if (ends === 20) socket.end();
    });
    socket.resume();
    await new Promise((resolve) => socket.once("close", resolve));
    assert.equal(oks, 20);
    assert.equal(server.logBytesProduced - before, 20 * oneLog);
  });

  it("answers a share of requests 429 with Retry-After and logs them", async () => {
    await using server = await DelayServer.start({ tooManyRequests: { share: 0.25, retryAfter: 2 } });
    const client = new CrawlClient(server.url, { connections: 1 });
    const statuses: number[] = [];
    for (let i = 0; i < 8; i++) statuses.push((await client.get(`/add?name=r${i}&delay=0`)).status);
    await client.close();
    assert.deepEqual(statuses, [200, 200, 200, 429, 200, 200, 200, 429]);
    assert.deepEqual(server.log.map((e) => e.status), statuses);
    const text = await raw(server, "GET /add?name=x&delay=0 HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n");
    assert.match(text, /^HTTP\/1\.1 200 /);
    const again = await raw(server, "GET /add?name=y&delay=0 HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n");
    assert.match(again, /^HTTP\/1\.1 200 /);
    const third = await raw(server, "GET /add?name=z&delay=0 HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n");
    assert.match(third, /^HTTP\/1\.1 200 /);
    const fourth = await raw(server, "GET /add?name=w&delay=0 HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n");
    assert.match(fourth, /^HTTP\/1\.1 429 [^]*retry-after: 2\r\n/i);
    // A reset restarts the spread: the request after it is the first of a new sequence.
    assert.match(await raw(server, "GET /add?name=v&delay=0 HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n"), /^HTTP\/1\.1 200 /);
    server.reset();
    const afterReset: number[] = [];
    for (let i = 0; i < 4; i++) afterReset.push((await raw(server, `GET /add?name=s${i}&delay=0 HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n`)).slice(9, 12) === "429" ? 429 : 200);
    assert.deepEqual(afterReset, [200, 200, 200, 429]);
    await assert.rejects(DelayServer.start({ tooManyRequests: { share: 1.5 } }), /'tooManyRequests.share' must be a number from 0 to 1: received 1.5/);
  });

  it("answers pipelined requests in request order whatever their delays", async () => {
    await using server = await DelayServer.start();
    const text = await raw(
      server,
      "GET /add?name=slow&delay=40 HTTP/1.1\r\nhost: x\r\n\r\nGET /add?name=fast&delay=0 HTTP/1.1\r\nhost: x\r\n\r\nGET /add?name=mid&delay=10 HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n",
    );
    assert.equal(count(text, "HTTP/1.1 200 OK"), 3);
    const order = [...text.matchAll(/"name":"(\w+)"/g)].map((m) => m[1]);
    assert.deepEqual(order, ["slow", "fast", "mid"]);
    assert.equal(server.accepted, 1);
  });

  it("keeps connections alive for HTTP/1.1 and closes them for HTTP/1.0", async () => {
    await using server = await DelayServer.start();
    const client = new CrawlClient(server.url, { connections: 1 });
    for (let i = 0; i < 5; i++) assert.equal((await client.get(`/add?name=k${i}&delay=0`)).status, 200);
    await client.close();
    assert.equal(server.accepted, 1);
    const old = await raw(server, "GET /add?name=old&delay=0 HTTP/1.0\r\n\r\n");
    assert.match(old, /connection: close/i);
  });

  it("interoperates with node:http's keep-alive client", async () => {
    await using server = await DelayServer.start();
    const agent = new Agent({ keepAlive: true, maxSockets: 2 });
    try {
      const get = (path: string): Promise<{ status: number; body: string }> =>
        new Promise((resolve, reject) => {
          const req = httpRequest(`${server.url}${path}`, { agent }, (res) => {
            let body = "";
            res.setEncoding("utf8");
            res.on("data", (d: string) => {
              body += d;
            });
            res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
          });
          req.on("error", reject);
          req.end();
        });
      const answers = await Promise.all([0, 1, 2, 3].map((i) => get(`/add?name=n${i}&delay=5`)));
      assert.deepEqual(answers.map((a) => a.status), [200, 200, 200, 200]);
      assert.equal((await get("/add?name=a&delay=x")).status, 400);
      assert.ok(server.accepted <= 2);
    } finally {
      agent.destroy();
    }
  });

  it("serves a thousand concurrent connections", async () => {
    await using server = await DelayServer.start();
    const client = new CrawlClient(server.url, { connections: 1000 });
    try {
      const answers = await Promise.all(Array.from({ length: 1000 }, (_, i) => client.get(`/add?name=c${i}&delay=20`)));
      assert.ok(answers.every((a) => a.status === 200));
      assert.equal(server.accepted, 1000);
      assert.equal(server.log.filter((e) => e.completedAt !== null).length, 1000);
      // A burst of arrivals makes Node's timers start from a stale clock; no answer may come early anyway.
      assert.ok(server.log.every((e) => (e.completedAt as number) - e.arrivedAt >= 20 - 1e-6));
    } finally {
      await client.close();
    }
  });

  it("survives clients that leave mid-delay, logging the request as unanswered", async () => {
    await using server = await DelayServer.start();
    await new Promise<void>((resolve) => {
      const socket = connect({ host: "127.0.0.1", port: server.port }, () => {
        socket.write("GET /add?name=gone&delay=5000 HTTP/1.1\r\nhost: x\r\n\r\n");
        const check = setInterval(() => {
          if (server.pending === 1) {
            clearInterval(check);
            // A reset, as when the client process dies (a plain FIN is a half-close: the answer would still be owed).
            socket.resetAndDestroy();
            resolve();
          }
        }, 1);
      });
    });
    const client = new CrawlClient(server.url, { connections: 2 });
    // The log entry appears once the server saw the close; poll with a bounded wait.
    for (let i = 0; i < 500 && server.log.length === 0; i++) await new Promise((r) => setTimeout(r, 2));
    assert.equal(server.log[0]?.name, "gone");
    assert.equal(server.log[0]?.completedAt, null);
    assert.equal((await client.get("/add?name=next&delay=0")).status, 200);
    await client.close();
  });

  it("close() cancels pending answers and resolves", async () => {
    const server = await DelayServer.start();
    const client = new CrawlClient(server.url, { connections: 2 });
    const pending = [client.get("/add?name=a&delay=60000"), client.get("/add?name=b&delay=60000")];
    while (server.connections < 2) await new Promise((r) => setTimeout(r, 1));
    await server.close();
    const settled = await Promise.allSettled(pending);
    assert.deepEqual(settled.map((s) => s.status), ["rejected", "rejected"]);
    await client.close();
  });

  it("checks its options", async () => {
    await assert.rejects(DelayServer.start({ port: 70000 }), /'port' must be/);
    await assert.rejects(DelayServer.start({ dbLatency: -1 }), /'dbLatency' must be/);
  });
});

describe("startServerThread", () => {
  it("runs the server in a worker thread with log and reset, and stops it", async () => {
    const server = await startServerThread({ dbLatency: 1 });
    const client = new CrawlClient(server.url, { connections: 2 });
    try {
      assert.equal((await client.get("/add?name=t&delay=1")).status, 200);
      assert.equal((await client.get("/add?prime=7")).status, 200);
      const log = await server.log();
      assert.equal(log.entries.length, 2);
      assert.equal(log.primes, 1);
      await server.reset();
      assert.equal((await server.log()).entries.length, 0);
    } finally {
      await client.close();
      await server.close();
    }
    await assert.rejects(server.log(), /thread exited/);
  });

  it("warms its request path before it reports ready, and leaves an empty log and no connection counted", async () => {
    await using server = await startServerThread({ warmUp: 60 });
    const log = await server.log();
    assert.deepEqual({ entries: log.entries.length, connections: log.connections }, { entries: 0, connections: 0 });
    const client = new CrawlClient(server.url, { connections: 1 });
    assert.equal((await client.get("/add?name=first&delay=0")).status, 200);
    await client.close();
    assert.deepEqual((await server.log()).entries.map((e) => e.name), ["first"]);
    await assert.rejects(startServerThread({ warmUp: -1 }), /Cannot start the delay server thread as 'warmUp' must be a non-negative integer: received -1/);
  });

  it("reports a server that cannot start, with the error's code", async () => {
    await using taken = await DelayServer.start();
    await assert.rejects(startServerThread({ port: taken.port }), (error: unknown) => (error as { code?: string }).code === "EADDRINUSE");
  });
});
