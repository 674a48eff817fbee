import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { after, before, describe, it } from "node:test";
import { type Browser, chromium } from "playwright-core";
import type { ChartSpec } from "../src/experiment.js";
import { loadExperiment, registry } from "../src/experiments/registry.js";
import { resolveFlags } from "../src/flags.js";
import { describeMachine } from "../src/machine.js";
import { findPython } from "../src/python.js";
import { silentProgress } from "../src/progress.js";
import { escapeHtml, renderReport } from "../src/report/html.js";
import { type LabResults, runLab } from "../src/runner.js";

const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

const charts: ChartSpec[] = [
  { kind: "bar", title: "Bars", caption: "Two series of bars.", labels: ["a", "b", "c"], series: [{ label: "s1", values: [1, 2, 3], errors: [[0.5, 1.5], null, [2, 4]] }, { label: "s2", values: [3, null, 1] }], yLabel: "y" },
  { kind: "bar", title: "Log bars", caption: "Horizontal, log scale.", labels: ["x", "y"], series: [{ label: "ms", values: [0.5, 50] }], horizontal: true, logY: true },
  { kind: "line", title: "Sweep", figure: "HPP Figure 8-3", caption: "A sweep on a log x axis.", logX: true, xLabel: "c", yLabel: "s", series: [{ label: "measured", points: [[10, 5.2], [100, 0.55], [500, 0.12]] }, { label: "ideal", points: [[10, 5], [100, 0.5], [500, 0.1]] }] },
  { kind: "line", title: "CPU over time", caption: "Utilisation lines with a fixed range.", yMin: 0, yMax: 100, series: [{ label: "cpu0", points: [[0, 10], [100, 90], [200, 95]] }] },
  {
    kind: "multiples",
    title: "CPU panels",
    caption: "Two small panels in one figure.",
    panels: [0, 1].map((k) => ({ kind: "line" as const, title: `run ${k}`, caption: "", yMin: 0, yMax: 100, series: [{ label: "cpu0", points: [[0, 10 + k], [1, 90], [2, 95]] as [number, number][], ranges: [[5, 15], null, [90, 99]] as ([number, number] | null)[] }] })),
  },
  { kind: "line", title: "Scatter", caption: "Points only.", scatter: true, series: [{ label: "pts", points: [[1, 1], [2, 4], [3, 9]] }] },
  { kind: "chronology", title: "Chronology </script><b>", figure: "HPP Figure 8-2", caption: "One line per request <i>escaped</i>.", spans: Array.from({ length: 50 }, (_, i) => ({ start: i * 10, end: i * 10 + 100, ok: i !== 3 })) },
];

function results(): LabResults {
  return {
    version: 2,
    createdAt: "2026-01-01T00:00:00.000Z",
    quick: true,
    machine: describeMachine(),
    experiments: [
      {
        name: "demo",
        title: "Demo <experiment>",
        description: "every chart kind",
        source: "tests",
        flags: { n: 3, list: [1, 2] },
        startedAt: "2026-01-01T00:00:00.000Z",
        durationMs: 1234,
        traces: ["demo-a.trace.json"],
        result: {
          summary: "It draws.",
          headline: [{ label: "speed-up", value: "13.5x", detail: "book: 13.5x" }],
          tables: [{ title: "T", columns: ["variant", "s"], rows: [["serial", 1.5], ["async", null]], caption: "cap" }],
          charts,
          notes: ["Differs from the book because <reasons>."],
        },
      },
      { name: "broken", title: "Broken", description: "fails", source: "tests", flags: {}, startedAt: "2026-01-01T00:00:00.000Z", durationMs: 1, traces: [], error: "Error: boom" },
    ],
  };
}

describe("HTML report", () => {
  let browser: Browser;
  let dir: string;

  before(async () => {
    // The report must be checked in a real browser: a missing Chromium is a failure, not a skip.
    assert.ok(existsSync(CHROMIUM), `Chromium is missing at ${CHROMIUM} (install Debian's chromium package)`);
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    });
    dir = await mkdtemp(join(tmpdir(), "juggle-report-"));
  });

  after(async () => {
    await browser?.close();
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  it("is one self-contained page: chart.js inlined, no external references", async () => {
    const html = await renderReport(results());
    assert.match(html, /^<!doctype html>/);
    assert.ok(!/<script[^>]+src=/i.test(html), "no external scripts");
    assert.ok(!/<link[^>]+href=/i.test(html), "no external stylesheets");
    assert.ok(html.includes("Chart.js v4"), "chart.js is inlined");
    assert.ok(!html.includes("<b>"), "titles are escaped");
    assert.equal(escapeHtml(`<a href="x">'&`), "&#60;a href=&#34;x&#34;&#62;&#39;&#38;");
  });

  /** Loads a report page from disk; returns console errors, requests and what each chart drew. */
  async function load(file: string) {
    const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    const errors: string[] = [];
    const requests: string[] = [];
    page.on("console", (m) => {
      if (m.type() === "error") errors.push(m.text());
    });
    page.on("pageerror", (e) => errors.push(String(e)));
    page.on("request", (r) => requests.push(r.url()));
    const url = pathToFileURL(file).href;
    await page.goto(url, { waitUntil: "load" });
    // Minimal shapes of the browser objects used (the project compiles without the DOM library).
    type Canvas = { width: number; height: number; getContext(kind: "2d"): { getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray } } };
    type Doc = { querySelectorAll(selector: string): { length: number }; body: { innerText: string } };
    const drawn = await page.evaluate(() => {
      const g = globalThis as unknown as { Chart: { instances: Record<string, { data: { datasets: { data: unknown[] }[] }; canvas: Canvas }> } };
      const doc = (globalThis as unknown as { document: Doc }).document;
      return {
        canvases: doc.querySelectorAll("canvas[data-chart]").length,
        charts: Object.values(g.Chart.instances).map((c) => {
          const ctx = c.canvas.getContext("2d");
          const { width, height } = c.canvas;
          const pixels = ctx.getImageData(0, 0, width, height).data;
          let painted = 0;
          for (let i = 3; i < pixels.length; i += 4) if ((pixels[i] as number) > 0) painted++;
          return { points: c.data.datasets.reduce((n, d) => n + d.data.length, 0), painted, width, height };
        }),
        text: doc.body.innerText,
      };
    });
    await page.close();
    return { url, errors, requests, drawn };
  }

  function checkDrawn(drawn: Awaited<ReturnType<typeof load>>["drawn"], expected: number): void {
    assert.equal(drawn.canvases, expected);
    assert.equal(drawn.charts.length, expected);
    for (const c of drawn.charts) {
      assert.ok(c.points > 0, "chart has data");
      assert.ok(c.width > 0 && c.height > 0, "canvas has a size");
      assert.ok(c.painted > 1000, `canvas is drawn (${c.painted} painted pixels)`);
    }
  }

  it("loads from file:// in Chromium with no console errors and no network requests, every chart drawn", async () => {
    const file = join(dir, "index.html");
    await writeFile(file, await renderReport(results()));
    const { url, errors, requests, drawn } = await load(file);
    assert.deepEqual(errors, []);
    assert.deepEqual(requests, [url]);
    checkDrawn(drawn, charts.reduce((n, c) => n + (c.kind === "multiples" ? c.panels.length : 1), 0));
    assert.match(drawn.text, /Machine/);
    assert.match(drawn.text, /Node\.js/);
    assert.match(drawn.text, /This experiment failed/);
    assert.match(drawn.text, /Chronology <\/script><b>/);
    assert.match(drawn.text, /Differs from the book because <reasons>\./);
  });

  it("draws every chart of a real lab run (crawl and primes-db at tiny sizes)", async () => {
    const out = join(dir, "real");
    const runs = [];
    for (const [name, flags] of [
      ["crawl", { requests: "6", delay: "5", concurrency: "3", "serial-requests": "2", "pool-requests": "2", workers: "1", sweep: "2,6" }],
      ["primes-db", { "max-number": "20", "batch-size": "3", "cpu-repeat": "1", workers: "1" }],
    ] as const) {
      const experiment = await loadExperiment(name);
      assert.ok(experiment);
      runs.push({ experiment, flags: resolveFlags(`lab ${name}`, experiment.flags, flags, true) });
    }
    const lab = await runLab({ runs, quick: true, out, progress: silentProgress(), print: () => {} });
    assert.ok(lab.experiments.every((e) => e.error === undefined));
    // One canvas per chart, and one per panel of small multiples.
    const expected = lab.experiments.reduce((n, e) => n + (e.result?.charts ?? []).reduce((k, c) => k + (c.kind === "multiples" ? c.panels.length : 1), 0), 0);
    const { url, errors, requests, drawn } = await load(join(out, "index.html"));
    assert.deepEqual(errors, []);
    assert.deepEqual(requests, [url]);
    checkDrawn(drawn, expected);
    assert.match(drawn.text, /Crawling a slow server/);
    assert.match(drawn.text, /Saving results to a slow database/);
  });

  it("every experiment of a --quick lab: every chart has data in every series and every number in a caption is in results.json", async () => {
    const out = join(dir, "all");
    const runs = [];
    for (const name of Object.keys(registry)) {
      const experiment = await loadExperiment(name);
      assert.ok(experiment, name);
      runs.push({ experiment, flags: resolveFlags(`lab ${name}`, experiment.flags, {}, true) });
    }
    await runLab({ runs, quick: true, out, progress: silentProgress(), print: () => {}, python: findPython() });
    const lab = JSON.parse(await readFile(join(out, "results.json"), "utf8")) as LabResults;
    assert.deepEqual(lab.experiments.map((e) => [e.name, e.error]), Object.keys(registry).map((name) => [name, undefined]));

    const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    await page.goto(pathToFileURL(join(out, "index.html")).href, { waitUntil: "load" });
    // What Chromium drew, figure by figure: its section, its caption and each canvas's datasets.
    type Node = { id: string; textContent: string | null; closest(s: string): Node | null; querySelector(s: string): Node | null; querySelectorAll(s: string): Node[] };
    const figures = await page.evaluate(() => {
      const doc = (globalThis as unknown as { document: { querySelectorAll(s: string): Node[] } }).document;
      const chartOf = (globalThis as unknown as { Chart: { getChart(c: Node): { data: { datasets: { label: string; data: unknown[] }[] } } | undefined } }).Chart;
      return [...doc.querySelectorAll("figure.chart")].map((figure) => ({
        experiment: figure.closest("section")?.id ?? "",
        title: figure.querySelector("h4")?.textContent ?? "",
        caption: figure.querySelector("figcaption")?.textContent ?? "",
        canvases: [...figure.querySelectorAll("canvas[data-chart]")].map((canvas) =>
          (chartOf.getChart(canvas)?.data.datasets ?? []).map((d) => ({ label: d.label, data: JSON.parse(JSON.stringify(d.data)) as unknown[] })),
        ),
      }));
    });
    await page.close();
    const expectedFigures = lab.experiments.reduce((n, e) => n + (e.result?.charts.length ?? 0), 0);
    assert.equal(figures.length, expectedFigures);

    // A drawn value: a number, a point's y, or a floating bar's [start, end].
    const drawnValue = (v: unknown): boolean =>
      (typeof v === "number" && Number.isFinite(v)) ||
      (Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === "number" && Number.isFinite(x))) ||
      (typeof v === "object" && v !== null && Number.isFinite((v as { y?: unknown }).y));
    for (const f of figures) {
      assert.ok(f.canvases.length > 0, `${f.experiment}: ${f.title} has no canvas`);
      for (const datasets of f.canvases) {
        assert.ok(datasets.length > 0, `${f.experiment}: ${f.title} has no series`);
        for (const d of datasets) assert.ok(d.data.some(drawnValue), `${f.experiment}: ${f.title}: series "${d.label}" has no data`);
      }
    }

    const unfounded: string[] = [];
    for (const record of lab.experiments) {
      const facts = numbersIn({ flags: record.flags, tables: record.result?.tables.map((t) => [t.title, t.columns, t.rows]), charts: record.result?.charts.map(chartData), cores: lab.machine.cores });
      for (const f of figures.filter((x) => x.experiment === record.name)) {
        const missing = captionNumbers(f.caption).filter((n) => !facts.has(n));
        if (missing.length > 0) unfounded.push(`${record.name}: "${f.title}" quotes ${missing.join(", ")}: ${f.caption}`);
      }
    }
    assert.deepEqual(unfounded, [], "numbers quoted in captions but found nowhere in the experiment's results.json data");
  });
});

/** A chart's data and labels, without its caption (the numbers a caption may quote). */
function chartData(chart: ChartSpec): unknown {
  const { caption: _caption, ...rest } = chart;
  return chart.kind === "multiples" ? { ...rest, panels: chart.panels.map(chartData) } : rest;
}

/** Every number in a JSON value: numbers, and the numbers written in its strings ("1.23 (1.10–1.40)", "20,000"). */
function numbersIn(value: unknown, into = new Set<number>()): Set<number> {
  if (typeof value === "number") into.add(value);
  else if (typeof value === "string") for (const n of captionNumbers(value, false)) into.add(n);
  else if (Array.isArray(value)) for (const v of value) numbersIn(v, into);
  else if (typeof value === "object" && value !== null) for (const v of Object.values(value)) numbersIn(v, into);
  return into;
}

/**
 * Fixed words of the captions that hold digits but are no measurement: the
 * book's figures and examples, notation, the thresholds the text defines and
 * the book's own published numbers (labelled as the book's).
 */
const NAMES = [
  /\b(Figures?|Examples?) \d+-\d+((, | and | to )\d+-\d+)*/g,
  /2\^31|HTTP\/1\.1|ceil\(n \/ \(workers × 4\)\)/g,
  /over 50% on average/g,
  /starts at 4 requests in flight/g,
  /each add 1 to/g,
  /100% = none lost/g,
  /The book gained about 2%/g,
];

/** The numbers a text quotes; with `names`, leaving out {@link NAMES}. */
function captionNumbers(text: string, names = true): number[] {
  const cleaned = names ? NAMES.reduce((t, re) => t.replace(re, ""), text) : text;
  return [...cleaned.matchAll(/\d[\d,]*(\.\d+)?/g)].map((m) => Number(m[0].replace(/,/g, "")));
}
