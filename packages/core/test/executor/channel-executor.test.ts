/**
 * The seam is enough to build a backend: ChannelExecutor, written only
 * against `juggle-core/executor` and `juggle-core`, passes the executor
 * contract suite every pool passes.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { it } from "node:test";
import { executorConformance } from "juggle-testing/conformance";
import { ChannelExecutor } from "./channel-executor.js";

const source = readFileSync(new URL("../../../test/executor/channel-executor.ts", import.meta.url), "utf8");

executorConformance("ChannelExecutor", { isolated: false, sharedMemory: false, workerOptions: false, copiesArguments: true }, (options) => {
  return new ChannelExecutor({ workers: options?.workers, trace: options?.trace });
});

it("ChannelExecutor imports nothing but node: modules and the public entries of juggle-core", () => {
  const specifiers = [...source.matchAll(/from "([^"]+)"/g)].map((m) => m[1]);
  assert.ok(specifiers.length > 0);
  for (const specifier of specifiers) {
    assert.match(specifier ?? "", /^(node:.*|juggle-core|juggle-core\/executor)$/, `imports ${specifier}`);
  }
});

it("docs/backends.md shows ChannelExecutor's source as it is", () => {
  const doc = readFileSync(new URL("../../../../../docs/backends.md", import.meta.url), "utf8");
  const shown = /<!-- channel-executor\.ts: begin -->\n```ts\n([\s\S]*?)```\n<!-- channel-executor\.ts: end -->/.exec(doc)?.[1];
  assert.equal(shown, source);
});
