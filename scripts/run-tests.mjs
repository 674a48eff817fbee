#!/usr/bin/env node
// Runs the compiled test files of every package (packages/*/dist/test/**/*.test.js)
// with node's test runner, under the Node that runs this script. The files are
// listed here rather than globbed so that fixture files under test/ never run
// as tests.
//
//   node scripts/run-tests.mjs                 every test file
//   node scripts/run-tests.mjs core/pool async only files whose path (from packages/) contains a word
import { spawn } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const packagesRoot = join(root, "packages");

function walk(dir, out) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) {
      if (name !== "fixtures") walk(path, out);
    } else if (name.endsWith(".test.js")) {
      out.push(path);
    }
  }
  return out;
}

const filters = process.argv.slice(2);
const files = readdirSync(packagesRoot)
  .map((name) => join(packagesRoot, name, "dist", "test"))
  .filter((dir) => existsSync(dir))
  .flatMap((dir) => walk(dir, []))
  .filter((f) => filters.length === 0 || filters.some((w) => relative(packagesRoot, f).replace("/dist/test/", "/").includes(w)))
  .sort();
if (files.length === 0) {
  console.error(`No test files found under ${packagesRoot}/*/dist/test${filters.length ? ` matching ${filters.join(", ")}` : ""}`);
  process.exit(1);
}

// A whole-run bound: a test that leaks a handle keeps its file's process
// alive, and the run must fail rather than hang.
const limitMs = Number(process.env.JUGGLE_TEST_RUN_LIMIT_MS ?? 20 * 60_000);
const child = spawn(
  process.execPath,
  ["--test", "--test-timeout=120000", "--test-concurrency=2", ...files],
  {
    stdio: "inherit",
    env: { ...process.env, NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ""} --unhandled-rejections=strict`.trim() },
  },
);
const timer = setTimeout(() => {
  console.error(`Test run exceeded ${limitMs} ms: killing it`);
  child.kill("SIGKILL");
}, limitMs);
child.on("exit", (code, signal) => {
  clearTimeout(timer);
  process.exit(code ?? (signal ? 1 : 0));
});
