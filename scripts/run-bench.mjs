#!/usr/bin/env node
// Runs the compiled benchmarks one after another (never side by side: the
// machine has 2 cores and each benchmark alternates juggle with its anchor).
//
//   node scripts/run-bench.mjs                 every benchmark
//   node scripts/run-bench.mjs pool --quick    benchmarks whose name contains "pool", quick sizes
import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const dir = fileURLToPath(new URL("../dist/bench/", import.meta.url));
const args = process.argv.slice(2);
const flags = args.filter((a) => a.startsWith("--"));
const words = args.filter((a) => !a.startsWith("--"));
const files = readdirSync(dir)
  .filter((f) => f.endsWith(".js") && !f.startsWith("_"))
  .filter((f) => words.length === 0 || words.some((w) => f.includes(w)))
  .sort();
let failed = 0;
for (const file of files) {
  console.log(`\n=== bench/${file.replace(/\.js$/, ".ts")} ${flags.join(" ")}`);
  const result = spawnSync(process.execPath, ["--expose-gc", join(dir, file), ...flags], { stdio: "inherit" });
  if (result.status !== 0) failed++;
}
process.exit(failed === 0 ? 0 : 1);
