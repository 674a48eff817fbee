/**
 * Runs experiments one after another, prints each result table, and writes
 * the report folder: `results.json`, one Chrome trace per recorder and
 * `index.html`.
 *
 * @module
 */
import { mkdir, writeFile } from "node:fs/promises";
import { loadavg } from "node:os";
import { join } from "node:path";
import { TraceRecorder } from "juggle-core";
import type { DelayServerHandle, Experiment, ExperimentResult, ResultTable } from "./experiment.js";
import { describeMachine, type MachineInfo } from "./machine.js";
import type { Progress } from "./progress.js";
import { addPythonSide } from "./python/python-side.js";
import type { PythonInfo } from "./python.js";
import { renderReport } from "./report/html.js";
import { type ServerThread, startServerThread } from "./server-thread.js";

/** Shown beside every result of a `--quick` run, in the terminal and the report. */
export const QUICK_NOTE = "quick: not for conclusions";

/** The schema version `results.json` is written with (see {@link LabResults.version}). */
export const RESULTS_VERSION = 2;

/** One experiment's record in `results.json`. */
export interface ExperimentRecord {
  name: string;
  title: string;
  description: string;
  source: string;
  /** The flag values it ran with. */
  flags: Record<string, unknown>;
  /** ISO time it started. */
  startedAt: string;
  /** Wall time of the whole experiment, ms. */
  durationMs: number;
  /** Its result, unless it failed. */
  result?: ExperimentResult;
  /** The error message when it failed. */
  error?: string;
  /** Trace files written for it, relative to the report folder. */
  traces: string[];
}

/** The content of `results.json`. */
export interface LabResults {
  /**
   * Schema version of this file. 2: repeated runs (chart series carry
   * `errors`/`ranges`, tables show median (min–max)), delay-log entries carry
   * their `status`. 1: single runs.
   */
  version: typeof RESULTS_VERSION;
  createdAt: string;
  quick: boolean;
  machine: MachineInfo;
  experiments: ExperimentRecord[];
}

/** One experiment to run and its resolved flags. */
export interface PlannedRun {
  experiment: Experiment;
  flags: Record<string, unknown>;
}

/** Options for {@link runLab}. */
export interface RunLabOptions {
  runs: PlannedRun[];
  quick: boolean;
  /** Report folder; `null` writes nothing. */
  out: string | null;
  progress: Progress;
  /** The `python3` for the Python side; absent: juggle's side alone. */
  python?: PythonInfo;
  /** Where result tables go. Default: stdout. */
  print?: (text: string) => void;
  signal?: AbortSignal;
}

/** Widest a printed table may be, in columns. */
export const MAX_TABLE_WIDTH = 100;

/**
 * Renders a table as aligned text, at most {@link MAX_TABLE_WIDTH} columns
 * wide. When it is wider, the widest text columns are narrowed and their
 * cells wrap onto more lines (at spaces, or inside a word longer than the
 * column), so no cell loses anything: which row is which stays readable.
 * Numeric columns never wrap. Rows that take more than one line are
 * separated by a blank line. The caption is wrapped.
 */
export function formatTable(table: ResultTable): string {
  const cells = [table.columns, ...table.rows.map((row) => row.map((c) => (c === null ? "-" : String(c))))];
  const numeric = table.columns.map((_, i) => table.rows.every((row) => row[i] === null || typeof row[i] === "number"));
  const widths = table.columns.map((_, i) => Math.max(...cells.map((row) => (row[i] ?? "").length)));
  // Text columns narrow, widest first: down to their longest word (or
  // MIN_WRAP if that is longer) while that is enough, then to 4 columns.
  const soft = widths.map((w, i) =>
    numeric[i] ? w : Math.min(w, Math.max(4, Math.min(MIN_WRAP, Math.max(...cells.map((row) => longestWord(row[i] ?? "")))))),
  );
  const hard = widths.map((w, i) => (numeric[i] ? w : Math.min(w, 4)));
  let excess = widths.reduce((a, b) => a + b, 0) + 2 * (widths.length - 1) - MAX_TABLE_WIDTH;
  for (const floors of [soft, hard]) {
    while (excess > 0) {
      let widest = -1;
      for (let i = 0; i < widths.length; i++) {
        const w = widths[i] as number;
        if (w > (floors[i] as number) && (widest < 0 || w > (widths[widest] as number))) widest = i;
      }
      if (widest < 0) break;
      widths[widest] = (widths[widest] as number) - 1;
      excess--;
    }
  }
  const render = (row: string[]): string[] => {
    const wrapped = row.map((c, i) => (numeric[i] ? [c] : wrapLines(c, widths[i] as number)));
    const height = Math.max(...wrapped.map((w) => w.length));
    return Array.from({ length: height }, (_, k) =>
      wrapped
        .map((w, i) => {
          const c = w[k] ?? "";
          return numeric[i] ? c.padStart(widths[i] ?? 0) : c.padEnd(widths[i] ?? 0);
        })
        .join("  ")
        .trimEnd(),
    );
  };
  const rows = cells.slice(1).map(render);
  const spaced = rows.some((r) => r.length > 1);
  const body = [...render(cells[0] as string[]), widths.map((w) => "-".repeat(w)).join("  ")];
  rows.forEach((r, i) => {
    if (spaced && i > 0) body.push("");
    body.push(...r);
  });
  return `${table.title}\n${body.join("\n")}${table.caption ? `\n${wrap(table.caption, MAX_TABLE_WIDTH)}` : ""}`;
}

/** The narrowest a text column is made before its long words are broken. */
const MIN_WRAP = 16;

function longestWord(text: string): number {
  return Math.max(0, ...text.split(" ").map((w) => w.length));
}

/** `text` in lines of at most `width` characters: at spaces, and inside words longer than `width`. */
function wrapLines(text: string, width: number): string[] {
  const pieces = text.split(" ").flatMap((word) => {
    const parts: string[] = [];
    for (let i = 0; i < word.length; i += width) parts.push(word.slice(i, i + width));
    return parts.length === 0 ? [""] : parts;
  });
  return wrap(pieces.join(" "), width).split("\n");
}

/** Wraps text at spaces to lines of at most `width` characters. */
function wrap(text: string, width: number): string {
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(" ")) {
    if (line !== "" && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line === "" ? word : `${line} ${word}`;
  }
  if (line !== "") lines.push(line);
  return lines.join("\n");
}

function safeName(text: string): string {
  return text.replace(/[^a-zA-Z0-9._-]+/g, "-").replace(/^-+|-+$/g, "") || "trace";
}

/**
 * Runs the planned experiments in order. A failing experiment is recorded
 * with its error and the others still run. The delay server is started in a
 * worker thread on first use and closed at the end.
 *
 * @example Running the crawl at its quick size, writing the report
 * ```ts
 * const crawl = await loadExperiment("crawl");
 * const results = await runLab({
 *   runs: [{ experiment: crawl, flags: resolveFlags("lab crawl", crawl.flags, {}, true) }],
 *   quick: true,
 *   out: "juggle-report",
 *   progress: autoProgress(),
 * });
 * console.log(results.experiments[0].result?.summary);
 * ```
 */
export async function runLab(options: RunLabOptions): Promise<LabResults> {
  const print = options.print ?? ((text: string) => process.stdout.write(`${text}\n`));
  const signal = options.signal ?? new AbortController().signal;
  const machine = describeMachine(options.python);
  const results: LabResults = {
    version: RESULTS_VERSION,
    createdAt: new Date().toISOString(),
    quick: options.quick,
    machine,
    experiments: [],
  };
  let server: ServerThread | undefined;
  let starting: Promise<ServerThread> | undefined;
  const delayServer = async (): Promise<DelayServerHandle> => {
    starting ??= startServerThread().then((s) => {
      server = s;
      return s;
    });
    return starting;
  };
  const traceFiles: { file: string; recorder: TraceRecorder }[] = [];
  try {
    for (const { experiment, flags } of options.runs) {
      if (signal.aborted) break;
      const traces: string[] = [];
      const startedAt = new Date().toISOString();
      const started = performance.now();
      const record: ExperimentRecord = {
        name: experiment.name,
        title: experiment.title,
        description: experiment.description,
        source: experiment.source,
        flags,
        startedAt,
        durationMs: 0,
        traces,
      };
      options.progress.log(`== ${experiment.name}: ${experiment.title}`);
      try {
        record.result = await experiment.run({
          flags: flags as Parameters<typeof experiment.run>[0]["flags"],
          quick: options.quick,
          signal,
          delayServer,
          progress: options.progress,
          machine,
          python: options.python,
          trace(name) {
            const recorder = new TraceRecorder();
            let file = `${safeName(experiment.name)}-${safeName(name)}.trace.json`;
            for (let n = 2; traceFiles.some((t) => t.file === file); n++) {
              file = `${safeName(experiment.name)}-${safeName(name)}-${n}.trace.json`;
            }
            traceFiles.push({ file, recorder });
            traces.push(file);
            return recorder;
          },
        });
        // The Python side of the experiments that do not run their own (src/python/): the
        // experiment's Python counterpart, compared beside its result. crawl, pi and sum-squares
        // run theirs inside the experiment, in the same tables and charts.
        if (options.python !== undefined) {
          const ctx = { quick: options.quick, signal, delayServer, progress: options.progress, python: options.python.command };
          record.result = await addPythonSide(experiment.name, flags, record.result, ctx);
        }
      } catch (error) {
        // Ctrl-C is not a failure of the experiment: one line, no stack.
        record.error = signal.aborted ? "stopped (Ctrl-C)" : error instanceof Error ? (error.stack ?? error.message) : String(error);
      }
      record.durationMs = performance.now() - started;
      results.experiments.push(record);
      if (record.result !== undefined) {
        print(`\n${experiment.title} (${experiment.name}, ${(record.durationMs / 1000).toFixed(1)} s)${options.quick ? `  [${QUICK_NOTE}]` : ""}`);
        for (const table of record.result.tables) print(`\n${formatTable(table)}`);
        print(`\n${wrap(record.result.summary, MAX_TABLE_WIDTH)}`);
      } else if (!signal.aborted) {
        // The message's first line here; the whole stack is in results.json.
        print(`\n${experiment.name} failed: ${(record.error ?? "").split("\n")[0]}`);
      }
    }
  } finally {
    options.progress.stop();
    await server?.close();
    machine.loadAverage.end = loadavg()[0] ?? 0;
  }
  if (options.out !== null) {
    await mkdir(options.out, { recursive: true });
    await writeFile(join(options.out, "results.json"), `${JSON.stringify(results, null, 1)}\n`);
    for (const { file, recorder } of traceFiles) {
      await writeFile(join(options.out, file), JSON.stringify(recorder.toChromeTrace()));
    }
    await writeFile(join(options.out, "index.html"), await renderReport(results));
  }
  return results;
}
