import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { registry } from "../src/experiments/registry.js";
import type { LabResults } from "../src/runner.js";

const CLI = fileURLToPath(new URL("../src/cli.js", import.meta.url));

/** Runs the juggle CLI in a child process, killed after `limitMs`. */
function juggle(args: string[], limitMs: number): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => {
      stdout += d;
    });
    child.stderr.setEncoding("utf8").on("data", (d: string) => {
      stderr += d;
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), limitMs);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

describe("juggle lab end to end", () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "juggle-lab-"));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("juggle lab --quick runs every experiment and writes the report folder", async () => {
    const out = join(dir, "report");
    const { code, stdout, stderr } = await juggle(["lab", "--quick", "--out", out], 110_000);
    assert.equal(code, 0, `exit ${code}\n${stdout}\n${stderr}`);
    const results = JSON.parse(await readFile(join(out, "results.json"), "utf8")) as LabResults;
    assert.equal(results.version, 2);
    assert.equal(results.quick, true);
    assert.deepEqual(
      results.experiments.map((e) => e.name),
      Object.keys(registry),
    );
    for (const e of results.experiments) {
      assert.equal(e.error, undefined, `${e.name}: ${e.error}`);
      assert.ok((e.result?.tables.length ?? 0) > 0, e.name);
      for (const trace of e.traces) {
        const chrome = JSON.parse(await readFile(join(out, trace), "utf8")) as { traceEvents: unknown[] };
        assert.ok(chrome.traceEvents.length > 0, trace);
      }
    }
    assert.ok(existsSync(join(out, "crawl-serial.trace.json")));
    // Every chart has data in every series (no empty series, no chronology without spans).
    for (const e of results.experiments) {
      for (const chart of e.result?.charts ?? []) {
        if (chart.kind === "chronology") {
          assert.ok(chart.spans.length > 0, `${e.name}: ${chart.title}`);
          continue;
        }
        for (const panel of chart.kind === "multiples" ? chart.panels : [chart]) {
          assert.ok(panel.series.length > 0, `${e.name}: ${panel.title}`);
          for (const s of panel.series) {
            const values: (number | null)[] = "values" in s ? s.values : s.points.map((p) => p[1]);
            assert.ok(values.some((v) => v !== null && Number.isFinite(v)), `${e.name}: ${panel.title}: series ${s.label} is empty`);
          }
        }
      }
    }
    // Captions carry the numbers of the data they describe: the crawl's best efficiency, the quick note, the machine.
    const crawl = results.experiments.find((e) => e.name === "crawl")?.result;
    const eff = crawl?.charts.find((c) => c.title === "Efficiency against the ideal");
    assert.ok(eff?.kind === "bar");
    const values = eff.series[0]?.values as number[];
    const top = Math.max(...values);
    assert.match(eff.caption, new RegExp(`Highest: ${eff.labels[values.indexOf(top)]?.replace(/[()]/g, "\\$&")} \\(${top.toFixed(1)}%\\)`));
    assert.match(stdout, /quick: not for conclusions/);
    assert.ok(stdout.split("\n").every((line) => [...line].length <= 100), "terminal lines fit 100 columns");
    const html = await readFile(join(out, "index.html"), "utf8");
    assert.match(html, /juggle lab report/);
    // Progress goes to stderr as plain lines (not a terminal); tables to stdout.
    assert.match(stderr, /crawl: serial: done in/);
    assert.match(stdout, /Crawl: 40 requests/);
    assert.match(stdout, /Report: /);

    // juggle report rebuilds the page from results.json.
    const rebuilt = join(dir, "rebuilt.html");
    const report = await juggle(["report", join(out, "results.json"), "--out", rebuilt], 30_000);
    assert.equal(report.code, 0, report.stderr);
    assert.equal(await readFile(rebuilt, "utf8"), html);
  });

  it("juggle lab advise with bad --inputs prints one line naming the flag and writes no report", async () => {
    const out = join(dir, "bad-advise");
    const task = fileURLToPath(new URL("../src/tasks/cpu.js", import.meta.url));
    const { code, stderr } = await juggle(["lab", "advise", "--task", task, "--export", "isPrime", "--inputs", "[1,", "--out", out], 30_000);
    assert.equal(code, 2);
    assert.equal(stderr.trim().split("\n").length, 1, stderr);
    assert.match(stderr, /'--inputs' must be valid JSON/);
    assert.equal(existsSync(out), false);
  });

  it("juggle lab <experiment> takes its flags and --no-report writes nothing", async () => {
    const { code, stdout, stderr } = await juggle(
      ["lab", "crawl", "--quick", "--no-report", "--requests", "12", "--delay", "5", "--no-sweep", "--serial-requests", "3"],
      60_000,
    );
    assert.equal(code, 0, stderr);
    assert.match(stdout, /Crawl: 12 requests × 5 ms, \d+ in flight \(serial: 3,/);
    assert.doesNotMatch(stdout, /Concurrency sweep/);
    assert.doesNotMatch(stdout, /Report: /);
  });
});
