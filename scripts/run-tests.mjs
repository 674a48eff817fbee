#!/usr/bin/env node
// Runs the compiled test files (dist/test/**/*.test.js) with node's test
// runner. Node 20's runner does not expand globs and would run fixture files
// under test/ as tests, so the files are listed here.
//
//   node scripts/run-tests.mjs            every test file
//   node scripts/run-tests.mjs pool async only files whose path contains a word
import { spawn } from "node:child_process";
import { readdirSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const testRoot = join(root, "dist", "test");

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
const files = walk(testRoot, [])
  .filter((f) => filters.length === 0 || filters.some((w) => relative(testRoot, f).includes(w)))
  .sort();
if (files.length === 0) {
  console.error(`No test files found under ${testRoot}${filters.length ? ` matching ${filters.join(", ")}` : ""}`);
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
