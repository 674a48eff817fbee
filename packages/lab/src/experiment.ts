/**
 * The contract between the lab and its experiments: what an experiment
 * declares (name, flags with default and quick sizes), what it gets when it
 * runs ({@link RunContext}: flags, the delay server, progress, tracing) and
 * what it returns ({@link ExperimentResult}: tables, charts, notes). The
 * runner turns results into printed tables, `results.json`, Chrome traces
 * and the HTML report; experiments never print or write files themselves.
 *
 * See `registry.ts` for how to add an experiment.
 *
 * @module
 */
import type { TraceRecorder } from "juggle-core";
import type { DelayLog } from "./delay-server.js";
import type { MachineInfo } from "./machine.js";
import type { PythonInfo } from "./python.js";
import type { Progress } from "./progress.js";

// ---------------------------------------------------------------------------
// Flags
// ---------------------------------------------------------------------------

interface FlagBase<T> {
  /** One line for `--help`. */
  description: string;
  /** The value for `juggle lab` (sized so that the whole lab takes about five minutes on 2 cores, Python side included: see docs/lab.md). */
  default: T;
  /** The value under `--quick` (smoke tests: a few seconds). Default: `default`. */
  quick?: T;
}

/** An integer flag, `--name 100`. */
export interface IntegerFlag extends FlagBase<number> {
  type: "integer";
  /** Smallest value allowed. Default 0. */
  min?: number;
  /** Largest value allowed. */
  max?: number;
}

/** A number flag, `--name 0.5`. */
export interface NumberFlag extends FlagBase<number> {
  type: "number";
  min?: number;
  max?: number;
}

/** A comma-separated list of integers, `--name 1,10,100`. */
export interface IntegerListFlag extends FlagBase<number[]> {
  type: "integers";
  min?: number;
  max?: number;
}

/** A string flag, optionally restricted to `choices`. */
export interface StringFlag extends FlagBase<string> {
  type: "string";
  choices?: readonly string[];
}

/** A boolean flag, `--name` / `--no-name`. */
export interface BooleanFlag extends FlagBase<boolean> {
  type: "boolean";
}

/** One flag of an experiment. */
export type FlagSpec = IntegerFlag | NumberFlag | IntegerListFlag | StringFlag | BooleanFlag;

/** An experiment's flags, by camelCase name (`serialRequests` is `--serial-requests` on the command line). */
export type FlagSchema = Record<string, FlagSpec>;

/** The parsed values of a schema's flags. */
export type FlagValues<S extends FlagSchema> = {
  [K in keyof S]: S[K] extends IntegerFlag | NumberFlag
    ? number
    : S[K] extends IntegerListFlag
      ? number[]
      : S[K] extends BooleanFlag
        ? boolean
        : string;
};

// ---------------------------------------------------------------------------
// Results
// ---------------------------------------------------------------------------

/** A printed and rendered table. Numbers are shown as given: round them first. */
export interface ResultTable {
  title: string;
  columns: string[];
  rows: (string | number | null)[][];
  /** A sentence under the table. */
  caption?: string;
}

interface ChartBase {
  /** Heading above the chart. */
  title: string;
  /** What the chart shows and what to conclude from it (a few sentences). */
  caption: string;
  /** The book figure it reproduces, e.g. `"HPP Figure 8-3"`. */
  figure?: string;
  xLabel?: string;
  yLabel?: string;
}

/** Bars per label; one bar colour per series. */
export interface BarChart extends ChartBase {
  kind: "bar";
  labels: string[];
  /** `errors[i]`: the [min, max] of the runs behind `values[i]`, drawn as an error bar. */
  series: { label: string; values: (number | null)[]; errors?: ([min: number, max: number] | null)[] }[];
  /** Horizontal bars. */
  horizontal?: boolean;
  stacked?: boolean;
  logY?: boolean;
}

/** Lines over a numeric x axis (a sweep, or values over time). */
export interface LineChart extends ChartBase {
  kind: "line";
  /** `ranges[i]`: the [min, max] of the runs behind `points[i]`, drawn as an error bar. */
  series: { label: string; points: [x: number, y: number][]; ranges?: ([min: number, max: number] | null)[] }[];
  logX?: boolean;
  logY?: boolean;
  /** Fixed y range, e.g. `[0, 100]` for CPU utilisation. */
  yMin?: number;
  yMax?: number;
  /** Draw points only (a scatter plot). */
  scatter?: boolean;
  /** The x axis counts whole things (workers): ticks at integers only. */
  integerX?: boolean;
}

/**
 * One horizontal line per item from its start to its end (HPP Figures 8-2,
 * 8-4 to 8-6): item i is drawn at height i. Times in milliseconds from the
 * run's start.
 */
export interface ChronologyChart extends ChartBase {
  kind: "chronology";
  spans: { start: number; end: number; ok?: boolean }[];
}

/**
 * Small multiples: one figure of small line charts sharing one caption
 * (CPU utilisation of every run of an experiment, side by side).
 */
export interface MultiplesChart extends ChartBase {
  kind: "multiples";
  /** The panels, each with its own short title. */
  panels: LineChart[];
}

/** A chart for the report, drawn with chart.js. */
export type ChartSpec = BarChart | LineChart | ChronologyChart | MultiplesChart;

/** One row of the report's summary table: the experiment's headline numbers. */
export interface SummaryRow {
  label: string;
  value: string;
  /** e.g. "book: 13.5x". */
  detail?: string;
}

/** What an experiment's `run` returns. */
export interface ExperimentResult {
  /** The conclusion in one or two sentences. */
  summary: string;
  /** Headline numbers for the report's summary table. */
  headline: SummaryRow[];
  tables: ResultTable[];
  charts: ChartSpec[];
  /** Where and why the result differs from the book, and other caveats. */
  notes?: string[];
}

// ---------------------------------------------------------------------------
// Running
// ---------------------------------------------------------------------------

/** The delay server as an experiment sees it (it may run in another thread). */
export interface DelayServerHandle {
  /** `http://127.0.0.1:port`. */
  readonly url: string;
  /** Database latency of `/add?prime=N`, ms. */
  readonly dbLatency: number;
  /** The server's request log. */
  log(): Promise<DelayLog>;
  /** Clears the log and the stored primes. */
  reset(): Promise<void>;
}

/** What an experiment's `run` receives. */
export interface RunContext<F = Record<string, unknown>> {
  /** The flag values (defaults, quick sizes, or the command line's). */
  flags: F;
  /** Whether `--quick` was given (flags already hold the quick sizes). */
  quick: boolean;
  /** Aborted on Ctrl-C: stop early and clean up. */
  signal: AbortSignal;
  /** The lab's delay server, started on first call on a free loopback port and shared by experiments. */
  delayServer(): Promise<DelayServerHandle>;
  /** Progress bars (TTY) or progress lines. */
  progress: Progress;
  /**
   * A new trace recorder; its events are written to the report folder as
   * `<experiment>-<name>.trace.json` (Chrome trace format).
   */
  trace(name: string): TraceRecorder;
  /** The machine the lab runs on. */
  machine: MachineInfo;
  /** The `python3` that runs the Python side; `undefined` when absent or `--no-python`. */
  python?: PythonInfo;
}

/** An experiment of the lab. Declare one with {@link defineExperiment}. */
export interface Experiment<S extends FlagSchema = FlagSchema> {
  /** The command-line name, e.g. `"crawl"`. */
  name: string;
  /** A title for the report, e.g. `"Crawling a slow server"`. */
  title: string;
  /** One line for `juggle lab --list`. */
  description: string;
  /** Where it comes from, e.g. `"HPP ch. 8"`. */
  source: string;
  flags: S;
  /**
   * Checks the flags before anything runs (optional). A problem is thrown as
   * a `UsageError` naming the flag: the lab prints its one line and writes no report.
   */
  validate?(flags: FlagValues<S>): Promise<void>;
  run(ctx: RunContext<FlagValues<S>>): Promise<ExperimentResult>;
}

/**
 * Declares an experiment with its flag types inferred from the schema.
 *
 * Python: none; each of the book's experiments is a script of its own.
 *
 * @example A minimal experiment
 * ```ts
 * export default defineExperiment({
 *   name: "hello",
 *   title: "Hello",
 *   description: "says hello n times",
 *   source: "Non-sequential Python",
 *   flags: { n: { type: "integer", default: 3, quick: 1, min: 1, description: "greetings" } },
 *   async run({ flags }) {
 *     return { summary: "It greets.", headline: [], charts: [], tables: [
 *       { title: "Greetings", columns: ["n"], rows: [[flags.n]] },
 *     ] };
 *   },
 * });
 * ```
 */
export function defineExperiment<const S extends FlagSchema>(experiment: Experiment<S>): Experiment<S> {
  return experiment;
}
