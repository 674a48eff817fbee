/**
 * The Python side of an experiment: runs its Python counterpart and adds a
 * table, a chart, a headline and a note beside juggle's result, with the
 * per-item ratio. Sizes may differ per language (CPython runs these loops
 * 30–100x slower than V8), so runs are compared per item.
 *
 * @module
 */
import type { BarChart, DelayServerHandle, ExperimentResult, ResultTable } from "../experiment.js";
import type { Progress } from "../progress.js";
import type { PythonInfo } from "../python.js";
import { adapters, type Cells, type Counterpart, type PythonAdapter } from "./adapters.js";
import { PYTHON_QUICK_TIMEOUT_MS, PYTHON_TIMEOUT_MS, type PythonResult, type PythonRow, runPython } from "./run-python.js";

/** What {@link addPythonSide} needs from the run. */
export interface PythonSideContext {
  quick: boolean;
  signal: AbortSignal;
  delayServer(): Promise<DelayServerHandle>;
  progress: Progress;
  /** The interpreter's command (`findPython()` of ../python.ts: the runner calls this only when there is one). */
  python: string;
  /** The longest a program may run, ms. Default: 60 s under `--quick`, 10 min otherwise. */
  timeoutMs?: number;
  /** The programs' folder (tests). */
  dir?: string;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
};

/** Seconds per item as text in a readable unit (thresholds after rounding to 3 digits: never "1.00e+3 ns"). */
export function perItem(seconds: number): string {
  if (seconds >= 0.9995) return `${seconds.toPrecision(3)} s`;
  if (seconds >= 0.9995e-3) return `${(seconds * 1e3).toPrecision(3)} ms`;
  if (seconds >= 0.9995e-6) return `${(seconds * 1e6).toPrecision(3)} µs`;
  return `${(seconds * 1e9).toPrecision(3)} ns`;
}

const secondsColumn = (columns: string[]): number => columns.findIndex((c) => /^(seconds|runtime s|runtime|time s)\b/i.test(c));

/** juggle's seconds per item for a counterpart, read from its tables; `null` when no row matches. */
export function juggleSecondsPerItem(tables: ResultTable[], counterpart: Counterpart): number | null {
  for (const table of tables) {
    const col = secondsColumn(table.columns);
    if (col < 0) continue;
    let seconds = 0;
    let items = 0;
    for (const row of table.rows) {
      const cells: Cells = Object.fromEntries(table.columns.map((c, i) => [c, row[i] ?? null]));
      if (!counterpart.match(cells)) continue;
      // "1.23" or "1.23 (1.10–1.40)": the leading number is the (median) time.
      const s = Number.parseFloat(String(row[col]));
      if (!Number.isFinite(s)) continue;
      seconds += s;
      items = counterpart.items(cells);
      if (counterpart.sum !== true) break;
    }
    if (items > 0 && seconds > 0) return seconds / items;
  }
  return null;
}

interface Compared {
  row: PythonRow;
  python: number;
  juggle: number | null;
}

function compare(adapter: PythonAdapter, result: PythonResult, juggle: ExperimentResult, flags: Record<string, unknown>): Compared[] {
  return result.rows.map((row) => {
    const counterpart = adapter.counterpart(row, flags);
    return { row, python: median(row.times) / row.items, juggle: counterpart === undefined ? null : juggleSecondsPerItem(juggle.tables, counterpart) };
  });
}

const label = (row: PythonRow): string =>
  row.workers === null || /^(serial|no concurrency|CPU only)/.test(row.label) ? row.label : `${row.label} ×${row.workers}`;

function pythonTable(name: string, adapter: PythonAdapter, result: PythonResult, compared: Compared[]): ResultTable {
  const unit = compared[0]?.row.unit ?? "item";
  return {
    title: `Python ${result.python}: ${name}`,
    columns: ["Python", "s (median, min–max)", `per ${unit}`, "juggle per item", "Python/juggle", "answer"],
    rows: compared.map(({ row, python, juggle }) => [
      label(row),
      `${median(row.times).toFixed(2)} (${Math.min(...row.times).toFixed(2)}–${Math.max(...row.times).toFixed(2)})`,
      perItem(python),
      juggle === null ? null : perItem(juggle),
      juggle === null ? null : `${(python / juggle).toFixed(1)}x`,
      adapter.answer(row),
    ]),
    caption:
      `${result.rows.length} configurations of ${result.program}.py, ${result.rows[0]?.times.length ?? 0} runs each` +
      `${result.client === undefined ? "" : `; client: ${result.client}`}. Sizes may differ from juggle's, so time per ${unit} is compared: ` +
      "Python/juggle above 1 means juggle takes less time per item.",
  };
}

function pythonChart(name: string, compared: Compared[]): BarChart | undefined {
  const both = compared.filter((c) => c.juggle !== null);
  if (both.length === 0) return undefined;
  return {
    kind: "bar",
    title: `juggle and Python: time per ${both[0]?.row.unit ?? "item"} (${name})`,
    caption: `Median time per ${both[0]?.row.unit ?? "item"} in µs (log scale), each Python configuration beside juggle's matching run; the sizes per language may differ.`,
    labels: both.map((c) => label(c.row)),
    series: [
      { label: "juggle", values: both.map((c) => (c.juggle as number) * 1e6) },
      { label: "Python", values: both.map((c) => c.python * 1e6) },
    ],
    yLabel: "µs per item",
    logY: true,
  };
}

/** What {@link pythonBeside} ran: its value, and what to do to the experiment's result. */
export interface PythonBeside<T> {
  /** The Python side's answer; undefined when it did not run or failed. */
  value: T | undefined;
  /** The experiment's result, with a note when the Python side failed. */
  finish(result: ExperimentResult): ExperimentResult;
}

/**
 * Runs an experiment's own Python side (crawl, pi, sum-squares: inside the
 * experiment rather than through {@link addPythonSide}) under a progress line.
 * Nothing runs without `python3` or after an abort; an abort during the run
 * ends the experiment; a failing program becomes a note, never a failed
 * experiment.
 *
 * @param label The progress line's label.
 */
export async function pythonBeside<T>(
  ctx: { python?: PythonInfo; signal: AbortSignal; progress: Progress },
  label: string,
  run: (python: PythonInfo) => Promise<T>,
): Promise<PythonBeside<T>> {
  if (ctx.python === undefined || ctx.signal.aborted) return { value: undefined, finish: (r) => r };
  const task = ctx.progress.task(label, 1);
  try {
    const value = await run(ctx.python);
    return { value, finish: (r) => r };
  } catch (error) {
    if (ctx.signal.aborted) throw error;
    return { value: undefined, finish: (r) => withPythonFailure(r, error) };
  } finally {
    task.done();
  }
}

/**
 * `result` with a one-line note (and a summary sentence) saying its Python
 * side failed and why: a failing Python program never fails the experiment.
 */
export function withPythonFailure(result: ExperimentResult, error: unknown): ExperimentResult {
  return withNote(result, `Python side failed: ${error instanceof Error ? error.message : String(error)}`);
}

function withNote(result: ExperimentResult, note: string, summary = note): ExperimentResult {
  return { ...result, summary: `${result.summary} ${summary}.`, notes: [...(result.notes ?? []), `${note}.`] };
}

/**
 * Runs an experiment's Python counterpart and returns its result with the
 * Python table, chart, headline and note added. Never throws: without
 * `python3` or when the program fails, the result gains a one-line note.
 *
 * @param name The experiment's name (`"sum-squares"`…); one without a counterpart is returned as is.
 * @param flags The flags juggle's run used.
 * @param result juggle's result.
 *
 * Python: none (this is the bridge to the Python programs).
 *
 * @example Adding the Python side to a result
 * ```ts
 * const result = await addPythonSide("sum-squares", flags, juggleResult, { quick: true, signal, delayServer, progress });
 * console.log(result.tables.at(-1)?.title); // "Python 3.11.7: sum-squares"
 * ```
 */
export async function addPythonSide(name: string, flags: Record<string, unknown>, result: ExperimentResult, ctx: PythonSideContext): Promise<ExperimentResult> {
  const adapter = adapters[name];
  if (adapter === undefined) return result;
  const python = ctx.python;
  try {
    const params = adapter.params(flags, ctx.quick);
    if (adapter.server === true) params.url = (await ctx.delayServer()).url;
    ctx.progress.log(`${name}: Python counterpart (${adapter.program}.py)`);
    const outcome = await runPython(python, adapter.program, params, { timeoutMs: ctx.timeoutMs ?? (ctx.quick ? PYTHON_QUICK_TIMEOUT_MS : PYTHON_TIMEOUT_MS), signal: ctx.signal, dir: ctx.dir });
    if (outcome.state === "failed") return withNote(result, `Python side failed: ${outcome.message}`);
    const compared = compare(adapter, outcome.result, result, flags);
    const chart = pythonChart(name, compared);
    const ratios = compared.filter((c) => c.juggle !== null).map((c) => c.python / (c.juggle as number));
    const headline =
      ratios.length === 0
        ? { label: `${name}: Python`, value: "no matching juggle row", detail: `CPython ${outcome.result.python}` }
        : { label: `${name}: Python/juggle per item`, value: `${median(ratios).toFixed(1)}x (median)`, detail: `CPython ${outcome.result.python}, ${ratios.length} configurations` };
    return {
      ...result,
      headline: [...result.headline, headline],
      tables: [...result.tables, pythonTable(name, adapter, outcome.result, compared)],
      charts: chart === undefined ? result.charts : [...result.charts, chart],
      notes: [
        ...(result.notes ?? []),
        `Python side: ${adapter.program}.py (standard library only) on CPython ${outcome.result.python}, run live on this machine with ${JSON.stringify(outcome.result.params)}.`,
      ],
    };
  } catch (error) {
    return withPythonFailure(result, error);
  }
}
