import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { type ChainInput, criticalChain } from "../src/crawl-chain.js";
import type { DelayLogEntry } from "../src/delay-server.js";
import { whereTimeWent } from "../src/experiments/crawl-captions.js";

const T0 = 1_000_000;

/** A server log entry for request `i` of "v", arrived and written at ms from T0. */
function logged(i: number, arrived: number, written: number, delay: number): DelayLogEntry {
  return { kind: "add", name: `v-${i}`, delay, arrivedAt: T0 + arrived, completedAt: T0 + written, status: 200 };
}

describe("criticalChain", () => {
  it("splits the lost time of a two-slot crawl along the chain that ended last, parts adding up to the loss", () => {
    // Two slots, four requests of 100 ms: slot A runs 0 then 2, slot B runs 1 then 3 (the last answer).
    const records = [
      { index: 0, start: 0.5, end: 103 },
      { index: 1, start: 1, end: 110 },
      { index: 2, start: 103.2, end: 206 },
      { index: 3, start: 110.5, end: 216 },
    ];
    const entries = [
      logged(0, 2, 102, 100),
      logged(1, 8, 108.5, 100), // first trip 7 ms (a connection opened), written 0.5 ms late
      logged(2, 104, 205, 100),
      logged(3, 111.5, 214, 100), // to server 1 ms, written 2.5 ms late
    ];
    const input: ChainInput = { records, entries, t0Epoch: T0, name: "v", ms: 217, ideal: 200, delay: 100 };
    const parts = criticalChain(input);
    assert.ok(parts !== undefined);
    const near = (a: number, b: number): void => assert.ok(Math.abs(a - b) < 1e-9, `${a} vs ${b}`);
    near(parts.lost, 17);
    assert.equal(parts.hops, 2);
    near(parts.start, 1);
    near(parts.firstTrip, 7);
    near(parts.toServer, 1);
    near(parts.late, 0.5 + 2.5);
    near(parts.back, 1.5 + 2);
    near(parts.between, 0.5);
    near(parts.extraWaves, 0);
    near(parts.end, 1);
    near(parts.start + parts.firstTrip + parts.toServer + parts.late + parts.back + parts.between + parts.extraWaves + parts.end, parts.lost);
  });

  it("counts whole delays beyond the ideal's waves when one slot ran more requests than the others", () => {
    // One slot ran all three requests while the other stayed idle: 3 hops against an ideal of 2 waves.
    const records = [
      { index: 0, start: 0, end: 101 },
      { index: 1, start: 101, end: 202 },
      { index: 2, start: 202, end: 303 },
    ];
    const entries = [logged(0, 0.5, 100.5, 100), logged(1, 101.5, 201.5, 100), logged(2, 202.5, 302.5, 100)];
    const parts = criticalChain({ records, entries, t0Epoch: T0, name: "v", ms: 303, ideal: 200, delay: 100 });
    assert.equal(parts?.hops, 3);
    assert.equal(parts?.extraWaves, 100);
    assert.equal(parts?.lost, 103);
  });

  it("returns undefined when a request of the run is missing from the server's log", () => {
    const records = [{ index: 0, start: 0, end: 101 }];
    assert.equal(criticalChain({ records, entries: [], t0Epoch: T0, name: "v", ms: 101, ideal: 100, delay: 100 }), undefined);
    const unanswered: DelayLogEntry = { ...logged(0, 1, 101, 100), completedAt: null };
    assert.equal(criticalChain({ records, entries: [unanswered], t0Epoch: T0, name: "v", ms: 101, ideal: 100, delay: 100 }), undefined);
  });
});

describe("whereTimeWent", () => {
  it("names the parts of the loss largest first, leaving out those under 0.05 ms", () => {
    const text = whereTimeWent({ lost: 30, start: 2, firstTrip: 20, toServer: 5, late: 3, back: 0, between: 0.01, extraWaves: 0, end: 0, hops: 2 }, 530);
    assert.match(text, /^30\.0 ms lost in 0\.530 s, along the critical chain of 2 requests: 20\.0 ms on the first request's way/);
    assert.ok(text.indexOf("20.0 ms") < text.indexOf("5.0 ms") && text.indexOf("5.0 ms") < text.indexOf("3.0 ms") && text.indexOf("3.0 ms") < text.indexOf("2.0 ms"));
    assert.match(text, /5\.0 ms on the way to the server over the 1 later request of the chain/);
    assert.doesNotMatch(text, /hand-over|after the last answer/);
  });
});
