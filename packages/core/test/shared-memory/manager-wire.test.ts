import assert from "node:assert/strict";
import { connect, type Socket } from "node:net";
import { describe, it } from "node:test";
import { serialize } from "node:v8";
import { encodeShared } from "../../src/internal/shareable.js";
import { FrameReader, frame, PRE_AUTH_LIMIT } from "../../src/shared-memory/manager-client.js";
import { Manager, type ManagerValue } from "../../src/shared-memory/index.js";

/** A raw client on the manager's socket, speaking the wire by hand. */
async function rawClient(manager: Manager): Promise<{ socket: Socket; closed: Promise<void> }> {
  const address = manager.address;
  const socket = "path" in address ? connect(address.path) : connect(address.port, address.host);
  socket.on("error", () => {});
  const closed = new Promise<void>((resolve) => socket.once("close", () => resolve()));
  await new Promise<void>((resolve) => socket.once("connect", resolve));
  return { socket, closed };
}

/** Resolves true when `promise` settles, false after a safety-net bound (a hang, not a timing). */
async function within(promise: Promise<void>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const result = await Promise.race([
    promise.then(() => true),
    new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), ms);
    }),
  ]);
  clearTimeout(timer);
  return result;
}

function keyAndId(value: ManagerValue<unknown>): { authKey: string; id: number } {
  const { state } = encodeShared(value) as unknown as { state: { authKey: string; id: number } };
  return state;
}

describe("Manager wire", () => {
  it("closes an unauthenticated connection that announces a 32 MB frame, before reading its body", async () => {
    await using manager = await Manager.start();
    const { socket, closed } = await rawClient(manager);
    const head = Buffer.alloc(4);
    head.writeUInt32BE(32 * 1024 * 1024, 0);
    socket.write(head);
    socket.write(Buffer.alloc(64 * 1024));
    assert.equal(await within(closed, 10_000), true, "the connection stayed open");
  });

  it("closes an unauthenticated connection whose first frame is just over the bound", async () => {
    await using manager = await Manager.start();
    const { socket, closed } = await rawClient(manager);
    const head = Buffer.alloc(4);
    head.writeUInt32BE(PRE_AUTH_LIMIT + 1, 0);
    socket.write(head);
    assert.equal(await within(closed, 10_000), true, "the connection stayed open");
  });

  it("after the key, a large frame in many small chunks is served", async () => {
    await using manager = await Manager.start();
    const value = manager.value<string>("");
    const { authKey, id } = keyAndId(value);
    const { socket } = await rawClient(manager);
    const big = "x".repeat(2 * 1024 * 1024);
    const bytes = Buffer.concat([frame({ hello: authKey }), frame({ id: 1, obj: id, op: "store", args: [big] })]);
    const reply = new Promise<unknown>((resolve) => {
      const reader = new FrameReader();
      socket.on("data", (chunk: Buffer) => reader.push(chunk, resolve));
    });
    for (let at = 0; at < bytes.length; at += 4096) socket.write(bytes.subarray(at, at + 4096));
    assert.deepEqual(await reply, { id: 1, ok: true, value: undefined });
    assert.equal((await value.load()).length, big.length);
    socket.destroy();
  });
});

describe("FrameReader", () => {
  it("joins a frame's chunks once, when it is complete (not once per chunk)", (t) => {
    const concat = t.mock.method(Buffer, "concat");
    const body = serialize("y".repeat(100_000));
    const head = Buffer.alloc(4);
    head.writeUInt32BE(body.length, 0);
    const bytes = Buffer.concat([head, body]);
    concat.mock.resetCalls();
    const got: unknown[] = [];
    const reader = new FrameReader();
    for (let at = 0; at < bytes.length; at += 100) reader.push(bytes.subarray(at, at + 100), (m) => got.push(m));
    assert.equal(got.length, 1);
    assert.equal((got[0] as string).length, 100_000);
    assert.ok(concat.mock.callCount() <= 1, `Buffer.concat called ${concat.mock.callCount()} times`);
  });

  it("reads a header split across chunks and several frames in one chunk", () => {
    const bytes = Buffer.concat([frame("a"), frame({ b: 2 }), frame([3])]);
    const got: unknown[] = [];
    const reader = new FrameReader(PRE_AUTH_LIMIT);
    reader.push(bytes.subarray(0, 2), (m) => got.push(m));
    reader.push(bytes.subarray(2), (m) => got.push(m));
    assert.deepEqual(got, ["a", { b: 2 }, [3]]);
  });

  it("refuses a frame over its limit with a RangeError, buffering nothing of it", () => {
    const reader = new FrameReader(10);
    const head = Buffer.alloc(4);
    head.writeUInt32BE(11, 0);
    assert.throws(() => reader.push(head, () => {}), RangeError);
  });
});
