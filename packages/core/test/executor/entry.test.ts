/**
 * The backend entry point `juggle-core/executor` exports only what
 * docs/backends.md documents, and everything it documents.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { it } from "node:test";

it("every export of juggle-core/executor is in docs/backends.md's table, and every name there is exported", async () => {
  const exported = Object.keys(await import("juggle-core/executor")).sort();
  const doc = readFileSync(new URL("../../../../../docs/backends.md", import.meta.url), "utf8");
  const table = doc.slice(doc.indexOf("## What the entry point exports"), doc.indexOf("## What a backend implements"));
  const documented = new Set(
    table
      .split("\n")
      .filter((line) => line.startsWith("| `"))
      .flatMap((line) => [...(line.split(" | ")[0] ?? "").matchAll(/`([A-Za-z_]+)`/g)].map((m) => m[1] as string)),
  );
  assert.deepEqual(
    exported.filter((name) => !documented.has(name)),
    [],
    "exported but not documented",
  );
  const types = new Set(["BaseExecutorOptions", "SignalSource", "SerializedError", "ErrorClass", "ModuleUrlOptions", "IntegerBounds"]);
  assert.deepEqual(
    [...documented].filter((name) => !exported.includes(name) && !types.has(name)),
    [],
    "documented but not exported",
  );
});
