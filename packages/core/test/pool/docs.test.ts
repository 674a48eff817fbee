// The examples of docs/pool.md run and print what their `// output` comments
// say. The first block is the task module (`// tasks.ts`); each other block is
// transpiled with TypeScript and run in its own process next to it, from a
// folder inside the package so that `import ... from "juggle-core"` resolves.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import ts from "typescript";

const root = fileURLToPath(new URL("../../../../..", import.meta.url));
const blocks = [...readFileSync(join(root, "docs/pool.md"), "utf8").matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1] as string);
const squash = (s: string): string => s.replace(/\s+/g, " ").trim();

function expectedOutput(code: string): string {
  const out: string[] = [];
  for (const line of code.split("\n")) {
    const trailing = /console\.log\(.*\);? \/\/ (.*)$/.exec(line);
    if (trailing) out.push(trailing[1] as string);
  }
  return squash(out.join(" "));
}

const transpile = (code: string): string =>
  ts.transpileModule(code, { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } })
    .outputText;

const dir = mkdtempSync(join(root, "packages", "core", "dist", "doc-examples-pool-"));
after(() => rmSync(dir, { recursive: true, force: true }));

describe("docs/pool.md examples", () => {
  const [taskModule, ...examples] = blocks;

  it("start with the task module and have examples", () => {
    assert.match(taskModule ?? "", /^\/\/ tasks\.ts/);
    assert.ok(examples.length >= 8, `found ${examples.length} examples`);
  });

  writeFileSync(join(dir, "tasks.js"), transpile(taskModule ?? ""));
  examples.forEach((code, i) => {
    it(`example ${i + 1} runs and prints what it says`, async () => {
      const file = join(dir, `example-${i + 1}.mjs`);
      writeFileSync(file, transpile(code));
      const { stdout, stderr } = await promisify(execFile)(process.execPath, [file], { timeout: 60_000 });
      assert.equal(stderr, "");
      assert.equal(squash(stdout), expectedOutput(code));
    });
  });
});
