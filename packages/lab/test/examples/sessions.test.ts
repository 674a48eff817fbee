import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { pages } from "../../examples/tasks/site-server.js";
import { runExample } from "./run-example.js";

/** Bytes of `count` downloads alternating between the two pages, as the examples fetch them. */
function expectedBytes(count: number): number {
  let bytes = 0;
  for (let i = 0; i < count; i++) bytes += Buffer.byteLength(pages[i % 2 === 0 ? "/jython" : "/dice"] ?? "");
  return bytes;
}

describe("examples/thread-local-session and process-initializer (the roadmap article, use case 1)", () => {
  it("thread-local-session: every page is downloaded, with exactly one session in each worker thread", async () => {
    const { stdout, stderr } = await runExample("thread-local-session", ["2", "10"]);
    assert.equal(stderr, "");
    const [downloaded, used, verdict] = stdout.trimEnd().split("\n");
    assert.equal(downloaded, `Downloaded 10 sites, ${expectedBytes(10)} bytes`);
    const match = /^Worker threads used: (\d), sessions created: (\d+)$/.exec(used ?? "");
    assert.ok(match !== null, used);
    assert.ok(Number(match[1]) >= 1 && Number(match[1]) <= 2);
    assert.equal(match[2], match[1]);
    assert.equal(verdict, "One session per thread: yes");
  });

  it("process-initializer: every page is downloaded, with exactly one session per process, made by the initializer", async () => {
    const { stdout, stderr } = await runExample("process-initializer", ["2", "10"]);
    assert.equal(stderr, "");
    const [downloaded, used, verdict] = stdout.trimEnd().split("\n");
    assert.equal(downloaded, `Downloaded 10 sites, ${expectedBytes(10)} bytes`);
    const match = /^Processes used: (\d), sessions created: (\d+)$/.exec(used ?? "");
    assert.ok(match !== null, used);
    assert.ok(Number(match[1]) >= 1 && Number(match[1]) <= 2);
    assert.equal(match[2], match[1]);
    assert.equal(verdict, "One session per process: yes");
  });
});
