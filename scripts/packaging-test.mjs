#!/usr/bin/env node
// The packaging test: what a user gets from the tarballs, not from the repo.
// Packs juggle-core, juggle-redis and juggle-lab (build first: `npm run
// test:packaging` does), installs the tarballs into fresh projects in the
// system's temporary folder, and runs the smoke scripts of scripts/smoke/
// there, under the Node that runs this script (its folder goes first on PATH,
// so the installed `juggle` runs on it too):
//
//   core alone   node_modules holds exactly juggle-core; a .ts and a .js task
//                in ThreadPool and ProcessPool; require() of the core
//   core + redis install size
//   everything   no source map comments; a RedisPool round trip through a
//                `juggle worker` of the installed juggle-redis against a real
//                redis-server on loopback; tsc --strict without skipLibCheck
//                over a file importing every package; the CLI: --version on
//                every command, example --list, every example, lab --help,
//                lab --quick
//   tarballs     publint and @arethetypeswrong/cli (ESM-only profile)
//
// Prints the size of each package (npm pack's unpackedSize) and of each
// install (du -sh node_modules). Exits non-zero at the first failure.
//
//   node scripts/packaging-test.mjs              everything
//   node scripts/packaging-test.mjs --no-examples  skip running every example (CI's extra Node versions)
//   JUGGLE_KEEP_SMOKE=1 …                        keep the temporary projects
import { execFile, spawn } from "node:child_process";
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const root = fileURLToPath(new URL("..", import.meta.url));
const smokeDir = join(root, "scripts", "smoke");
const bin = join(root, "node_modules", ".bin");
const packages = ["core", "redis", "lab"];
const coreLimit = 2 * 1024 * 1024;
const runExamples = !process.argv.includes("--no-examples");
const env = { ...process.env, PATH: `${dirname(process.execPath)}:${process.env.PATH}`, NO_COLOR: "1" };
const [major, minor] = process.versions.node.split(".").map(Number);
const stripsTypes = Boolean(process.features.typescript);

const execFileAsync = promisify(execFile);

/** Runs a command to completion (10 min at most); resolves to its stdout, throws with its output on failure. */
async function run(cmd, args, cwd, extraEnv = {}) {
  try {
    const { stdout } = await execFileAsync(cmd, args, {
      cwd,
      env: { ...env, ...extraEnv },
      timeout: 600_000,
      maxBuffer: 64 * 1024 * 1024,
    });
    return stdout;
  } catch (error) {
    throw new Error(`${cmd} ${args.join(" ")} failed in ${cwd}:\n${error.stdout ?? ""}${error.stderr ?? ""}${error.message}`);
  }
}

function check(condition, message) {
  if (!condition) throw new Error(`Packaging check failed: ${message}`);
}

async function step(name, fn) {
  const started = performance.now();
  await fn();
  console.log(`ok   ${name} (${((performance.now() - started) / 1000).toFixed(1)} s)`);
}

/** The packages installed in a node_modules folder (scoped ones as @scope/name). */
async function installed(nodeModules) {
  const names = [];
  for (const entry of await readdir(nodeModules)) {
    if (entry.startsWith(".")) continue;
    if (entry.startsWith("@")) for (const sub of await readdir(join(nodeModules, entry))) names.push(`${entry}/${sub}`);
    else names.push(entry);
  }
  return names.sort();
}

/** A fresh project in `work` with the smoke files and the given tarballs installed. */
async function project(work, name, tarballs) {
  const dir = join(work, name);
  await mkdir(dir);
  await writeFile(join(dir, "package.json"), `${JSON.stringify({ name: `smoke-${name}`, private: true, type: "module" }, null, 2)}\n`);
  for (const file of await readdir(smokeDir)) await copyFile(join(smokeDir, file), join(dir, file));
  await run("npm", ["install", "--no-audit", "--no-fund", "--loglevel=error", ...tarballs], dir);
  return dir;
}

async function du(dir) {
  return (await run("du", ["-sh", join(dir, "node_modules")], dir)).split("\t")[0];
}

async function* jsFiles(dir) {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* jsFiles(path);
    else if (entry.name.endsWith(".js")) yield path;
  }
}

/** Runs `fn` over `items`, `limit` at a time. */
async function eachLimited(items, limit, fn) {
  const queue = [...items];
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (queue.length > 0) await fn(queue.shift());
    }),
  );
}

async function redisRoundTrip(dir) {
  const { startRedisServer } = await import(join(root, "packages", "testing", "dist", "src", "redis-server.js"));
  const server = await startRedisServer();
  const queue = `smoke-${process.pid}`;
  const taskArgs = ["--tasks", join(dir, "tasks.js"), ...(stripsTypes ? ["--tasks", join(dir, "tasks.ts")] : [])];
  const worker = spawn(join(dir, "node_modules", ".bin", "juggle"), ["worker", "--redis", server.url, "--queue", queue, "--quiet", ...taskArgs], {
    cwd: dir,
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  worker.stdout.on("data", (d) => (output += d));
  worker.stderr.on("data", (d) => (output += d));
  const exited = new Promise((resolve) => worker.once("exit", (code, signal) => resolve({ code, signal })));
  try {
    await run(process.execPath, ["redis.mjs"], dir, { JUGGLE_SMOKE_REDIS: server.url, JUGGLE_SMOKE_QUEUE: queue });
  } catch (error) {
    throw new Error(`${error.message}\njuggle worker said:\n${output}`);
  } finally {
    worker.kill("SIGTERM");
    const { code, signal } = await exited;
    await server.stop();
    check(code === 0 || signal === "SIGTERM", `juggle worker exited with ${code ?? signal} after SIGTERM:\n${output}`);
  }
}

async function cli(dir, work) {
  const juggle = join(dir, "node_modules", ".bin", "juggle");
  const versions = await run(juggle, ["--version"], dir);
  for (const name of ["juggle-core", "juggle-redis", "juggle-lab"]) check(versions.includes(`${name} 0.`), `juggle --version names ${name}: ${versions}`);
  for (const command of ["lab", "serve", "report", "example", "worker", "queues"]) {
    check((await run(juggle, [command, "--version"], dir)) === versions, `juggle ${command} --version prints the versions`);
  }
  const list = await run(juggle, ["example", "--list"], dir);
  const examples = list
    .split("\n")
    .slice(1)
    .map((line) => line.trim().split(/\s+/)[0])
    .filter(Boolean);
  check(examples.length >= 10 && examples.includes("pool-map"), `juggle example --list lists the examples:\n${list}`);
  const labHelp = await run(juggle, ["lab", "--help"], dir);
  check(/crawl/.test(labHelp) && /--quick/.test(labHelp), `juggle lab --help names the experiments' flags:\n${labHelp}`);
  const exampleDir = join(work, "example-files");
  await mkdir(exampleDir);
  await writeFile(join(exampleDir, "a.txt"), "a".repeat(1000));
  await writeFile(join(exampleDir, "b.txt"), "b".repeat(1000));
  const argsOf = (name) => (name === "convert-directory" ? [exampleDir] : []);
  await eachLimited(runExamples ? examples : ["pool-map"], 2, (name) => run(juggle, ["example", name, ...argsOf(name)], dir));
  const out = join(work, "report");
  const lab = await run(juggle, ["lab", "--quick", "--out", out], dir);
  check((await readFile(join(out, "index.html"), "utf8")).includes("<html"), `juggle lab --quick writes a report:\n${lab}`);
  return runExamples ? examples.length : 1;
}

const work = await mkdtemp(join(tmpdir(), "juggle-packaging-"));
const sizes = [];
console.log(`Packaging test on Node ${process.version} in ${work}`);
try {
  const tarballDir = join(work, "tarballs");
  await mkdir(tarballDir);
  const tarballs = {};
  await step("npm pack juggle-core juggle-redis juggle-lab", async () => {
    const workspaces = packages.flatMap((p) => ["-w", `packages/${p}`]);
    const packed = JSON.parse(await run("npm", ["pack", "--json", "--loglevel=error", "--pack-destination", tarballDir, ...workspaces], root));
    for (const p of packed) {
      const files = p.files.map((f) => f.path);
      tarballs[p.name] = join(tarballDir, p.filename);
      sizes.push(`${p.name.padEnd(13)} unpacked ${(p.unpackedSize / 1024).toFixed(0).padStart(5)} kB, ${p.entryCount} files`);
      for (const required of ["package.json", "README.md", "LICENSE"]) check(files.includes(required), `${p.name} ships ${required}`);
      check(!files.some((f) => f.endsWith(".map")), `${p.name} ships no source maps: ${files.filter((f) => f.endsWith(".map"))}`);
      check(!files.some((f) => f.includes("/test/") || f.endsWith(".tsbuildinfo")), `${p.name} ships no tests or build info`);
    }
    check(Object.keys(tarballs).length === 3, `three tarballs: ${Object.keys(tarballs)}`);
    const core = packed.find((p) => p.name === "juggle-core");
    check(core.unpackedSize < coreLimit, `juggle-core unpacked is under 2 MB: ${core.unpackedSize}`);
  });

  let coreOnly;
  await step("juggle-core alone: one package in node_modules, .ts and .js tasks in both pools, require()", async () => {
    coreOnly = await project(work, "core", [tarballs["juggle-core"]]);
    const names = await installed(join(coreOnly, "node_modules"));
    check(names.length === 1 && names[0] === "juggle-core", `node_modules holds only juggle-core: ${names.join(", ")}`);
    sizes.push(`install core alone:   ${await du(coreOnly)}`);
    process.stdout.write(await run(process.execPath, ["pools.mjs"], coreOnly));
    if (major > 22 || (major === 22 && minor >= 12)) process.stdout.write(await run(process.execPath, ["require.cjs"], coreOnly));
    else console.log(`require(): skipped on Node ${process.version} (require of ES modules needs 22.12)`);
  });

  await step("juggle-core + juggle-redis install", async () => {
    const dir = await project(work, "core-redis", [tarballs["juggle-core"], tarballs["juggle-redis"]]);
    sizes.push(`install core + redis: ${await du(dir)}`);
  });

  let all;
  await step("every package: install, no source maps", async () => {
    all = await project(work, "all", Object.values(tarballs));
    sizes.push(`install everything:   ${await du(all)}`);
    for (const name of ["juggle-core", "juggle-redis", "juggle-lab"]) {
      for await (const file of jsFiles(join(all, "node_modules", name, "dist"))) {
        check(!(await readFile(file, "utf8")).includes("sourceMappingURL"), `${file} has no source map comment`);
      }
    }
  });

  await step("RedisPool round trip through the installed juggle worker", () => redisRoundTrip(all));

  await step("tsc --strict without skipLibCheck over a file importing every package", async () => {
    const rootPackage = JSON.parse(await readFile(join(root, "package.json"), "utf8"));
    await run("npm", ["install", "--no-audit", "--no-fund", "--loglevel=error", "-D", `@types/node@${rootPackage.devDependencies["@types/node"]}`], all);
    await run(process.execPath, [join(root, "node_modules", "typescript", "bin", "tsc"), "-p", all], all);
  });

  await step("the installed juggle command: --version, example --list, examples, lab --help, lab --quick", async () => {
    const n = await cli(all, work);
    console.log(`     ${n} example${n === 1 ? "" : "s"} ran`);
  });

  await step("publint and @arethetypeswrong/cli on each tarball", async () => {
    for (const tarball of Object.values(tarballs)) {
      await run(process.execPath, [join(bin, "publint"), "--strict", tarball], work);
      // ESM-only profile: these packages are ES modules (CommonJS callers
      // use require() of ESM on Node >= 22.12, tested above), and node10
      // resolution ignores the exports map every supported Node reads.
      await run(process.execPath, [join(bin, "attw"), "--pack", tarball, "--profile", "esm-only", "--format", "ascii"], work);
    }
  });

  console.log(`\nSizes (Node ${process.version}):\n${sizes.map((s) => `  ${s}`).join("\n")}`);
  console.log("Packaging test passed");
} finally {
  if (process.env.JUGGLE_KEEP_SMOKE) console.log(`Kept ${work}`);
  else await rm(work, { recursive: true, force: true });
}
