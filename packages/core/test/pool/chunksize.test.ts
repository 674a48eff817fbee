import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { AUTO_MAX, AutoChunker, checkChunksize, defaultChunksize } from "../../src/executor/chunksize.js";

describe("chunk size", () => {
  it("defaultChunksize() follows Python: ceil(length / (workers * 4)), at least 1", () => {
    assert.equal(defaultChunksize(100_000, 2), 12_500);
    assert.equal(defaultChunksize(101, 2), 13);
    assert.equal(defaultChunksize(3, 4), 1);
    assert.equal(defaultChunksize(0, 2), 1);
  });

  it("checkChunksize() accepts positive integers and \"auto\" and names bad values", () => {
    assert.equal(checkChunksize("map", 5), 5);
    assert.equal(checkChunksize("map", "auto"), "auto");
    assert.equal(checkChunksize("map", undefined), undefined);
    assert.throws(() => checkChunksize("map", 0), { name: "RangeError", message: `Cannot map as 'chunksize' must be a positive integer or "auto": received 0` });
    assert.throws(() => checkChunksize("map", 2.5), { name: "RangeError" });
    assert.throws(() => checkChunksize("map", Number.NaN), { name: "RangeError", message: /received NaN/ });
    assert.throws(() => checkChunksize("map", "big"), { name: "TypeError", message: /received "big"/ });
  });

  it("AutoChunker starts at one item, then aims at the target time per chunk", () => {
    const chunker = new AutoChunker(2);
    assert.equal(chunker.next(undefined, 2), 1);
    chunker.observe(1, 0.01); // 10 µs per item: 200 items make 2 ms
    assert.equal(chunker.next(undefined, 2), 200);
    chunker.observe(200, 40); // items are slower than they looked: 200 µs each
    assert.equal(chunker.next(undefined, 2), 10);
  });

  it("AutoChunker grows at most 256 times per measurement and never beyond AUTO_MAX", () => {
    const chunker = new AutoChunker(2);
    chunker.observe(1, 0);
    assert.equal(chunker.next(undefined, 2), 256);
    for (let i = 0; i < 5; i++) chunker.observe(chunker.size, 0);
    assert.equal(chunker.next(undefined, 2), AUTO_MAX);
  });

  it("AutoChunker trusts its largest measurement over small, overhead-bound ones", () => {
    const chunker = new AutoChunker(2);
    chunker.observe(100, 0.1); // 1 µs per item (growth capped at 256x)
    assert.equal(chunker.next(undefined, 2), 256);
    chunker.observe(1, 1); // a lone item delayed by noise: ignored
    assert.equal(chunker.next(undefined, 2), 256);
    chunker.observe(256, 0.256);
    assert.equal(chunker.next(undefined, 2), 2000);
  });

  it("AutoChunker splits the last chunks evenly over the workers and keeps that size", () => {
    const chunker = new AutoChunker(2);
    chunker.observe(1, 0.0001);
    assert.equal(chunker.next(1000, 2), 256);
    assert.equal(chunker.next(400, 2), 200, "what is left fits in one chunk per worker: split evenly");
    assert.equal(chunker.next(200, 2), 200, "the tail size is kept");
  });
});
