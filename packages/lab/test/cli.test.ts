import assert from "node:assert/strict";
import { describe, it, type TestContext } from "node:test";
import { main } from "../src/cli.js";
import { run as serve } from "../src/commands/serve.js";
import { defineExperiment } from "../src/experiment.js";
import { registry } from "../src/experiments/registry.js";
import { parseFlagValue, resolveFlags, UsageError } from "../src/flags.js";

/** Runs the CLI in-process and captures what it prints. */
async function cli(t: TestContext, ...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  t.mock.method(console, "log", (...a: unknown[]) => out.push(a.join(" ")));
  t.mock.method(console, "error", (...a: unknown[]) => err.push(a.join(" ")));
  try {
    const code = await main(argv);
    return { code, out: out.join("\n"), err: err.join("\n") };
  } finally {
    t.mock.restoreAll();
  }
}

describe("juggle CLI", () => {
  it("prints help for every command", async (t) => {
    for (const argv of [["--help"], ["lab", "--help"], ["serve", "--help"], ["report", "--help"], ["lab", "-h"]]) {
      const { code, out } = await cli(t, ...argv);
      assert.equal(code, 0, argv.join(" "));
      assert.match(out, /Usage: juggle/, argv.join(" "));
    }
  });

  it("prints an experiment's own flags with 'juggle lab <experiment> --help'", async (t) => {
    const { code, out } = await cli(t, "lab", "crawl", "--help");
    assert.equal(code, 0);
    assert.match(out, /Usage: juggle lab crawl/);
    assert.match(out, /--serial-requests <n>/);
    assert.match(out, /default 500, quick 40/);
  });

  it("'juggle lab --help' says which flags belong to which experiment", async (t) => {
    for (const argv of [["lab", "--help"], ["lab", "-h"]]) {
      const { code, out } = await cli(t, ...argv);
      assert.equal(code, 0);
      assert.match(out, /Experiment options \(each only with its experiment named/);
      assert.match(out, /^ {2}crawl +.*--serial-requests/m, "crawl's line names its flags");
      for (const name of Object.keys(registry)) assert.match(out, new RegExp(`^  ${name} +(--|\\(none\\))`, "m"), name);
    }
  });

  it("lists the registered experiments", async (t) => {
    const { code, out } = await cli(t, "lab", "--list");
    assert.equal(code, 0);
    for (const name of Object.keys(registry)) assert.match(out, new RegExp(`^  ${name} `, "m"));
  });

  it("names the flag and the value of a bad flag", async (t) => {
    const cases: [string[], RegExp][] = [
      [["lab", "--bogus"], /'--bogus' is unknown/],
      [["lab", "--requests", "5"], /'--requests' is unknown/],
      [["lab", "crawl", "--requests", "abc"], /'--requests' must be a positive integer <= 100000: received "abc"/],
      [["lab", "crawl", "--requests=-5"], /'--requests' must be a positive integer .*received "-5"/],
      [["lab", "crawl", "--requests", "1.5"], /'--requests' .*received "1.5"/],
      [["lab", "crawl", "--delay", ""], /'--delay' .*received ""/],
      [["lab", "crawl", "--sweep", "1,x"], /'--sweep' must be a comma-separated list of integers >= 1 <= 10000 \(or --no-sweep for none\): received "1,x"/],
      [["lab", "crawl", "--concurrency", "0"], /'--concurrency' must be a positive integer .*received "0"/],
      [["lab", "nope"], /experiment is unknown: received "nope"/],
      [["lab", "crawl", "extra"], /argument 'extra' is unexpected/],
      [["lab", "--out", ""], /'--out' must be a folder name/],
      [["serve", "--port", "99999"], /'--port' must be a non-negative integer <= 65535: received "99999"/],
      [["serve", "--port", "http"], /'--port' .*received "http"/],
      [["serve", "--db-latency", "-1"], /'--db-latency' must be a number >= 0: received "-1"/],
      [["serve", "--verbose"], /'--verbose' is unknown/],
      [["report"], /needs exactly one results.json: received none/],
      [["report", "/nonexistent/results.json"], /'\/nonexistent\/results.json' is not a readable results.json/],
      [["nope"], /command as it is unknown: received "nope"/],
    ];
    for (const [argv, message] of cases) {
      const { code, err } = await cli(t, ...argv);
      assert.equal(code, 2, argv.join(" "));
      assert.match(err, message, argv.join(" "));
    }
  });

  it("resolves flags: command line, else quick size, else default", () => {
    const schema = defineExperiment({
      name: "t",
      title: "t",
      description: "t",
      source: "t",
      flags: {
        size: { type: "integer", default: 100, quick: 5, min: 1, description: "n" },
        list: { type: "integers", default: [1, 2], description: "l" },
        mode: { type: "string", default: "a", choices: ["a", "b"], description: "m" },
        fast: { type: "boolean", default: false, quick: true, description: "f" },
      },
      run: async () => ({ summary: "", headline: [], tables: [], charts: [] }),
    }).flags;
    assert.deepEqual(resolveFlags("lab t", schema, {}, false), { size: 100, list: [1, 2], mode: "a", fast: false });
    assert.deepEqual(resolveFlags("lab t", schema, {}, true), { size: 5, list: [1, 2], mode: "a", fast: true });
    assert.deepEqual(resolveFlags("lab t", schema, { size: "7", list: "3, 4", mode: "b", fast: false }, true), {
      size: 7,
      list: [3, 4],
      mode: "b",
      fast: false,
    });
    assert.throws(() => parseFlagValue("lab t", "mode", schema.mode, "c"), (e: unknown) => e instanceof UsageError && /'--mode' must be one of a, b: received "c"/.test((e as Error).message));
  });

  it("juggle serve runs the delay server until stopped", async (t) => {
    const lines: string[] = [];
    t.mock.method(console, "log", (...a: unknown[]) => lines.push(a.join(" ")));
    const stop = new AbortController();
    const done = serve(["--port", "0", "--db-latency", "1"], stop.signal);
    while (lines.length === 0) await new Promise((r) => setTimeout(r, 2));
    const url = /listening on (http:\/\/[^\s]+)/.exec(lines[0] ?? "")?.[1];
    assert.ok(url, lines[0]);
    assert.equal((await fetch(`${url}/add?name=s&delay=1`)).status, 200);
    assert.equal((await fetch(`${url}/add?prime=3`)).status, 200);
    stop.abort();
    assert.equal(await done, 0);
    t.mock.restoreAll();
    assert.match(lines.at(-1) ?? "", /stopped after 2 logged requests/);
  });
});
