/**
 * The roadmap article's "use case 3": a script that cycles through a directory and runs
 * another program (there, Java converting DocBook XML to HTML) on each file,
 * several at once. Here the program is `gzip`, which is on every machine:
 * each file is compressed to `<file>.gz`, two at a time; the results come
 * back in the order of the files, and a file that fails does not stop the
 * others.
 *
 *     npx tsc -p tsconfig.json && node dist/examples/convert-directory.js <directory> [concurrency=2]
 *
 * Python:
 *
 *     with ThreadPoolExecutor(2) as ex:
 *         results = ex.map(lambda f: subprocess.run(["gzip", "-kf", f]), files)
 *
 * @module
 */
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { type CommandResult, runCommands } from "juggle-core";

const dir = process.argv[2];
if (dir === undefined) {
  console.error("usage: node dist/examples/convert-directory.js <directory> [concurrency]");
  process.exit(2);
}
const concurrency = Number(process.argv[3] ?? 2);
const files = readdirSync(dir)
  .filter((name) => !name.endsWith(".gz"))
  .sort();

const results = await runCommands(
  files.map((name) => ["gzip", "--keep", "--force", join(dir, name)] as [string, ...string[]]),
  { concurrency, timeout: 60_000, returnErrors: true },
);
for (const [i, result] of results.entries()) {
  if (result instanceof Error) console.log(`${files[i]}: could not run (${result.message})`);
  else console.log(`${files[i]}: ${describe(result)}`);
}

function describe(result: CommandResult): string {
  if (result.exitCode === 0) return "converted";
  return `failed with exit code ${result.exitCode}: ${result.stderr.trim().split("\n")[0]}`;
}
