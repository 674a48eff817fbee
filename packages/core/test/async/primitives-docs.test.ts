// The examples of docs/async-primitives.md and of the primitives' doc
// comments run, and print what their `console.log(...); // output` comments
// say. Each is transpiled with TypeScript and run in its own process, from a
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
const sources = [
  "packages/core/src/async/lock.ts",
  "packages/core/src/async/semaphore.ts",
  "packages/core/src/async/event.ts",
  "packages/core/src/async/condition.ts",
  "packages/core/src/async/barrier.ts",
  "packages/core/src/async/queue.ts",
  "packages/core/src/async/lifo-queue.ts",
  "packages/core/src/async/priority-queue.ts",
  "packages/core/src/async/rate-limiter.ts",
  "packages/core/src/async/keyed-limiter.ts",
  "packages/core/src/async/retry.ts",
  "packages/core/src/async/wait.ts",
];

interface Example {
  readonly name: string;
  readonly code: string;
}

function fromMarkdown(path: string): Example[] {
  const text = readFileSync(join(root, path), "utf8");
  return [...text.matchAll(/```ts\n([\s\S]*?)```/g)].map((m, i) => ({ name: `${path} #${i + 1}`, code: m[1] }));
}

function fromDocComments(path: string): Example[] {
  const text = readFileSync(join(root, path), "utf8");
  return [...text.matchAll(/@example ([^\n]*)\n\s*\* ```ts\n([\s\S]*?)\n\s*\* ```/g)].map((m) => ({
    name: `${path}: ${m[1]}`,
    code: m[2].replace(/^\s*\* ?/gm, ""),
  }));
}

/** What the example says it prints: the `// ...` comment of each console.log line (or the line after it). */
function expectedOutput(code: string): string {
  const lines = code.split("\n");
  const out: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (!lines[i].includes("console.log(")) continue;
    const trailing = /\)[;,] \/\/ (.*)$/.exec(lines[i]);
    if (trailing) out.push(trailing[1]);
    else if (/^\s*\/\/ /.test(lines[i + 1] ?? "")) out.push(lines[i + 1].replace(/^\s*\/\/ /, ""));
  }
  return squash(out.join(" "));
}

const squash = (s: string): string => s.replace(/\s+/g, " ").trim();

const examples = [...fromMarkdown("docs/async-primitives.md"), ...sources.flatMap(fromDocComments)];
const dir = mkdtempSync(join(root, "packages", "core", "dist", "doc-examples-"));
after(() => rmSync(dir, { recursive: true, force: true }));

describe("the primitives' documented examples", () => {
  it("are all found", () => {
    assert.ok(examples.length >= 20, `found only ${examples.length}`);
  });

  examples.forEach((example, i) => {
    it(`${example.name} runs and prints what it says`, async () => {
      const js = ts.transpileModule(example.code, {
        compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
      }).outputText;
      const file = join(dir, `example-${i}.mjs`);
      writeFileSync(file, js);
      const { stdout, stderr } = await promisify(execFile)(process.execPath, [file], { timeout: 60_000 });
      assert.equal(stderr, "");
      assert.equal(squash(stdout), expectedOutput(example.code));
    });
  });
});
