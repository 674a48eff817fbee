/**
 * The lab's report: ONE self-contained `index.html` built from
 * `results.json`. chart.js's UMD build is inlined, the chart data sits in a
 * JSON script tag, and nothing is fetched: the page opens offline from disk.
 *
 * @module
 */
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import type { ChartSpec, ResultTable } from "../experiment.js";
import { machineLine } from "../machine.js";
import { type ExperimentRecord, type LabResults, QUICK_NOTE } from "../runner.js";
import { clientScript } from "./client.js";

let chartJs: string | undefined;

/** chart.js's minified UMD build, read once from node_modules. */
async function chartJsSource(): Promise<string> {
  if (chartJs === undefined) {
    const main = createRequire(import.meta.url).resolve("chart.js");
    chartJs = await readFile(join(dirname(main), "chart.umd.min.js"), "utf8");
  }
  return chartJs;
}

/** Escapes text for HTML content and attributes. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Makes JavaScript safe inside a `<script>` element (no early end tag). */
function scriptSafe(text: string): string {
  return text.replace(/<\/(script)/gi, "<\\/$1");
}

/** JSON for a `<script type="application/json">` element: every `<` escaped. */
function jsonSafe(value: unknown): string {
  return JSON.stringify(value).replace(/</g, "\\u003c");
}

function table(t: ResultTable): string {
  const head = t.columns.map((c) => `<th>${escapeHtml(c)}</th>`).join("");
  const rows = t.rows
    .map((row) => `<tr>${row.map((c) => `<td${typeof c === "number" ? ' class="num"' : ""}>${c === null ? "–" : escapeHtml(String(c))}</td>`).join("")}</tr>`)
    .join("\n");
  const caption = t.caption ? `<p class="caption">${escapeHtml(t.caption)}</p>` : "";
  return `<h4>${escapeHtml(t.title)}</h4><table><thead><tr>${head}</tr></thead><tbody>${rows}</tbody></table>${caption}`;
}

/** One figure of small panels; each panel's spec goes into `charts` and gets its own canvas. */
function multiples(spec: Extract<ChartSpec, { kind: "multiples" }>, charts: ChartSpec[]): string {
  const figure = spec.figure ? ` <span class="figure">(${escapeHtml(spec.figure)})</span>` : "";
  const panels = spec.panels
    .map((panel) => {
      charts.push(panel);
      return `<div class="panel"><h5>${escapeHtml(panel.title)}</h5><div class="canvas" style="height:150px"><canvas data-chart="${charts.length - 1}" role="img" aria-label="${escapeHtml(panel.title)}"></canvas></div></div>`;
    })
    .join("");
  return `<figure class="chart"><h4>${escapeHtml(spec.title)}${figure}</h4>
<div class="multiples">${panels}</div>
<figcaption>${escapeHtml(spec.caption)}</figcaption></figure>`;
}

function chart(spec: ChartSpec, index: number): string {
  const height = spec.kind === "chronology" ? 380 : 300;
  const figure = spec.figure ? ` <span class="figure">(${escapeHtml(spec.figure)})</span>` : "";
  return `<figure class="chart"><h4>${escapeHtml(spec.title)}${figure}</h4>
<div class="canvas" style="height:${height}px"><canvas data-chart="${index}" role="img" aria-label="${escapeHtml(spec.title)}"></canvas></div>
<figcaption>${escapeHtml(spec.caption)}</figcaption></figure>`;
}

function flagsLine(flags: Record<string, unknown>): string {
  return Object.entries(flags)
    .map(([k, v]) => `${k}=${Array.isArray(v) ? v.join(",") : String(v)}`)
    .join(" · ");
}

function section(record: ExperimentRecord, charts: ChartSpec[]): string {
  const parts = [
    `<section id="${escapeHtml(record.name)}"><h2>${escapeHtml(record.title)} <code>${escapeHtml(record.name)}</code></h2>`,
    `<p class="meta">${escapeHtml(record.description)} — from ${escapeHtml(record.source)} · ran ${(record.durationMs / 1000).toFixed(1)} s · ${escapeHtml(flagsLine(record.flags))}</p>`,
  ];
  if (record.result === undefined) {
    parts.push(`<p class="error">This experiment failed:</p><pre>${escapeHtml(record.error ?? "unknown error")}</pre>`);
  } else {
    const r = record.result;
    parts.push(`<p class="summary">${escapeHtml(r.summary)}</p>`);
    for (const spec of r.charts) {
      if (spec.kind === "multiples") {
        parts.push(multiples(spec, charts));
        continue;
      }
      charts.push(spec);
      parts.push(chart(spec, charts.length - 1));
    }
    for (const t of r.tables) parts.push(table(t));
    if (r.notes !== undefined && r.notes.length > 0) {
      parts.push(`<h4>Compared with the book</h4><ul class="notes">${r.notes.map((n) => `<li>${escapeHtml(n)}</li>`).join("")}</ul>`);
    }
  }
  if (record.traces.length > 0) {
    const links = record.traces.map((f) => `<a href="${escapeHtml(f)}">${escapeHtml(f)}</a>`).join(", ");
    parts.push(`<p class="traces">Chrome traces (open in Perfetto or chrome://tracing): ${links}</p>`);
  }
  parts.push("</section>");
  return parts.join("\n");
}

function summaryTable(results: LabResults): string {
  const rows: string[] = [];
  for (const record of results.experiments) {
    const link = `<a href="#${escapeHtml(record.name)}">${escapeHtml(record.name)}</a>`;
    const headline = record.result?.headline ?? [];
    if (record.result === undefined) {
      rows.push(`<tr><td>${link}</td><td colspan="3" class="error">failed</td></tr>`);
    } else if (headline.length === 0) {
      rows.push(`<tr><td>${link}</td><td colspan="3">${escapeHtml(record.result.summary)}</td></tr>`);
    } else {
      headline.forEach((h, i) => {
        const first = i === 0 ? `<td rowspan="${headline.length}">${link}</td>` : "";
        rows.push(`<tr>${first}<td>${escapeHtml(h.label)}</td><td class="num">${escapeHtml(h.value)}</td><td>${escapeHtml(h.detail ?? "")}</td></tr>`);
      });
    }
  }
  return `<table class="summary"><thead><tr><th>experiment</th><th>measure</th><th>here</th><th>note</th></tr></thead><tbody>${rows.join("\n")}</tbody></table>`;
}

const css = `
body{font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0 auto;max-width:1100px;padding:1.5rem;color:#222}
h1{margin-bottom:.2rem}h2{border-bottom:2px solid #ddd;padding-bottom:.2rem;margin-top:2.5rem}
h2 code{font-size:.7em;color:#666}h4{margin:1.2rem 0 .4rem}
table{border-collapse:collapse;margin:.4rem 0 1rem;font-size:14px}th,td{border:1px solid #ddd;padding:.25rem .6rem;text-align:left;vertical-align:top}
th{background:#f4f4f4}td.num{text-align:right;font-variant-numeric:tabular-nums}
.meta,.caption,.traces{color:#555;font-size:13px}.summary{font-size:16px}
figure.chart{margin:1rem 0 1.5rem;padding:.6rem;border:1px solid #e4e4e4;border-radius:6px}
figcaption{color:#333;font-size:14px;margin-top:.4rem}.figure{color:#777;font-weight:normal}
.canvas{position:relative;width:100%}.error{color:#b00020}pre{background:#f7f7f7;padding:.6rem;overflow:auto;font-size:12px}
.notes li{margin:.2rem 0}
.multiples{display:grid;grid-template-columns:repeat(auto-fill,minmax(250px,1fr));gap:.6rem}.panel h5{margin:.2rem 0;font-size:12px;font-weight:600}`;

/**
 * Renders the report page for `results`: one self-contained HTML string.
 *
 * @example Rebuilding a report
 * ```ts
 * const results = JSON.parse(await readFile("juggle-report/results.json", "utf8"));
 * await writeFile("juggle-report/index.html", await renderReport(results));
 * ```
 */
export async function renderReport(results: LabResults): Promise<string> {
  const charts: ChartSpec[] = [];
  const sections = results.experiments.map((r) => section(r, charts)).join("\n");
  const m = results.machine;
  const machineRows = [
    ["CPU", m.cpuModel + (m.mhz > 0 ? ` (${m.mhz} MHz)` : "")],
    ["cores", String(m.cores)],
    ["memory", `${m.memoryGiB} GiB`],
    ["Node.js", `${m.node} (V8 ${m.v8})`],
    ["Python", m.python ?? "not run (no python3 on PATH, or --no-python)"],
    ["load average (1 min)", m.loadAverage === undefined ? "not recorded" : `${m.loadAverage.start.toFixed(2)} at the start, ${m.loadAverage.end.toFixed(2)} at the end`],
    ["OS", m.os],
  ]
    .map(([k, v]) => `<tr><th>${escapeHtml(k as string)}</th><td>${escapeHtml(v as string)}</td></tr>`)
    .join("");
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>juggle lab report</title><style>${css}</style></head>
<body>
<h1>juggle lab report</h1>
<p class="meta">${escapeHtml(results.createdAt)}${results.quick ? ` · <strong class="quick">${QUICK_NOTE}</strong> (quick sizes: a smoke test, numbers are rough)` : ""} · ${escapeHtml(machineLine(m))}</p>
<p>Each experiment reproduces one from <em>High Performance Python</em> (chapters 8 and 9) and the blog posts on threads, processes and asyncio (the roadmap article, "How many snakes do you need?", "Non-sequential Python"), measured on this machine with juggle's own executors. The summary comes first; each section then shows the charts, what they show and what to conclude, the tables, and where the result differs from the book.</p>
<h3>Machine</h3><table class="machine">${machineRows}</table>
<h3>Summary</h3>${summaryTable(results)}
${sections}
<script>${scriptSafe(await chartJsSource())}</script>
<script type="application/json" id="juggle-charts">${jsonSafe(charts)}</script>
<script>${scriptSafe(clientScript)}</script>
</body></html>
`;
}
