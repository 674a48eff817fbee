/**
 * `juggle lab`: runs every experiment (or one, with its flags), prints the
 * result tables and writes the report folder.
 *
 * @module
 */
import type { Experiment } from "../experiment.js";
import { experimentNames, loadAll, loadExperiment } from "../experiments/registry.js";
import { kebab, parseCommandLine, resolveFlags, schemaHelp, schemaOptions, UsageError } from "../flags.js";
import { autoProgress } from "../progress.js";
import { findPython } from "../python.js";
import { type PlannedRun, runLab } from "../runner.js";

const globalOptions = {
  list: { type: "boolean" },
  quick: { type: "boolean" },
  out: { type: "string" },
  // `--no-report` (parseArgs' negation of `--report`).
  report: { type: "boolean" },
  // `--no-python` (parseArgs' negation of `--python`).
  python: { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const;

const globalHelp = `Options:
  --list            list the experiments and exit
  --quick           run small sizes (a smoke test: seconds, rough numbers)
  --out <dir>       report folder (default juggle-report)
  --no-report       print the tables only; write no files
  --no-python       skip the Python side (run when python3 is on PATH)
  -h, --help        this help`;

/** Help for `juggle lab`. */
export const help = `Usage: juggle lab [experiment] [options]

Runs the concurrency experiments of High Performance Python (chapters
"Concurrency" and "The multiprocessing Module") and of the articles on threads,
processes and asyncio on this machine, prints each result table, and
writes a report folder: index.html (charts, opens offline), results.json and
Chrome trace files. Without an experiment name every experiment runs at a
size that takes about six minutes on 2 cores with the Python side, five without (measured: docs/lab.md). The delay server starts by
itself on a free 127.0.0.1 port.

  juggle lab                      every experiment
  juggle lab crawl --requests 200 one experiment with its flags
  juggle lab crawl --help         that experiment's flags
  juggle lab --list               the experiments

${globalHelp}`;

/** Help for `juggle lab <experiment>`, with its flags. */
export function experimentHelp(experiment: Experiment): string {
  return `Usage: juggle lab ${experiment.name} [options]

${experiment.title}: ${experiment.description} (${experiment.source}).

Experiment options:
${schemaHelp(experiment.flags)}

${globalHelp}`;
}

/**
 * Which flags belong to which experiment, one line each: an experiment's
 * flags apply only when it is named (`juggle lab crawl --requests 200`).
 */
export function flagsByExperiment(experiments: readonly Experiment[]): string {
  const width = Math.max(0, ...experiments.map((e) => e.name.length));
  const lines = experiments.map((e) => {
    const flags = Object.keys(e.flags).map((key) => `--${kebab(key)}`);
    return `  ${e.name.padEnd(width)}  ${flags.length === 0 ? "(none)" : flags.join(" ")}`;
  });
  return `Experiment options (each only with its experiment named; 'juggle lab <experiment> --help' explains them):\n${lines.join("\n")}`;
}

/** `--help` text for the given arguments (an experiment's own when named, else every experiment's flags). */
export async function helpFor(argv: string[]): Promise<string> {
  const name = argv.find((a) => !a.startsWith("-"));
  const experiment = name === undefined ? undefined : await loadExperiment(name);
  return experiment === undefined ? await labHelp() : experimentHelp(experiment);
}

/** `juggle lab --help`: the usage and every experiment's flags. */
async function labHelp(): Promise<string> {
  return `${help}\n\n${flagsByExperiment(await loadAll())}`;
}

async function list(): Promise<string> {
  const all = await loadAll();
  const width = Math.max(...all.map((e) => e.name.length));
  return all.map((e) => `  ${e.name.padEnd(width)}  ${e.description} (${e.source})`).join("\n");
}

/** Runs `juggle lab`; resolves to the exit code. */
export async function run(argv: string[]): Promise<number> {
  try {
    return await runCommand(argv);
  } catch (error) {
    if (error instanceof UsageError) {
      console.error(error.message);
      return 2;
    }
    throw error;
  }
}

async function runCommand(argv: string[]): Promise<number> {
  const first = argv[0];
  const name = first !== undefined && !first.startsWith("-") ? first : undefined;
  const rest = name === undefined ? argv : argv.slice(1);
  let experiment: Experiment | undefined;
  if (name !== undefined) {
    experiment = await loadExperiment(name);
    if (experiment === undefined) {
      throw new UsageError(`Cannot run lab as the experiment is unknown: received ${JSON.stringify(name)} (known: ${experimentNames().join(", ")})`);
    }
  }
  const command = experiment === undefined ? "lab" : `lab ${experiment.name}`;
  const options = { ...globalOptions, ...(experiment === undefined ? {} : schemaOptions(experiment.flags)) };
  const { values } = parseCommandLine(command, rest, options);
  if (values.help === true) {
    console.log(experiment === undefined ? await labHelp() : experimentHelp(experiment));
    return 0;
  }
  if (values.list === true) {
    console.log(await list());
    return 0;
  }
  const quick = values.quick === true;
  const out = values.report === false ? null : typeof values.out === "string" ? values.out : "juggle-report";
  if (out === "") throw new UsageError(`Cannot run ${command} as '--out' must be a folder name: received ""`);
  const experiments = experiment === undefined ? await loadAll() : [experiment];
  const runs: PlannedRun[] = experiments.map((e) => ({
    experiment: e,
    flags: e === experiment ? resolveFlags(command, e.flags, values, quick) : resolveFlags(command, e.flags, {}, quick),
  }));
  // Bad flags (an advise task that does not load, inputs that do not parse) stop here: one line, no report.
  for (const { experiment: e, flags } of runs) await e.validate?.(flags as never);
  const controller = new AbortController();
  const onSignal = (): void => {
    if (controller.signal.aborted) process.exit(130);
    console.error("\nStopping after the current step (Ctrl-C again to quit now)");
    controller.abort(new Error("Interrupted"));
  };
  process.on("SIGINT", onSignal);
  try {
    const started = performance.now();
    const python = values.python === false ? undefined : findPython();
    console.log(
      values.python === false
        ? "Python side: skipped (--no-python)"
        : python === undefined
          ? "Python side: skipped, no python3 on PATH (install Python 3 to see Python beside juggle)"
          : `Python side: python3 ${python.version} runs each experiment's Python counterpart (--no-python skips it)`,
    );
    const results = await runLab({ runs, quick, out, python, progress: autoProgress(), signal: controller.signal });
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    console.log(`\n${results.experiments.length} experiment${results.experiments.length === 1 ? "" : "s"} in ${seconds} s`);
    if (out !== null) console.log(`Report: ${out}/index.html (results.json and traces beside it)`);
    const failed = results.experiments.filter((r) => r.error !== undefined).map((r) => r.name);
    if (failed.length > 0 && !controller.signal.aborted) console.error(`Failed: ${failed.join(", ")}`);
    return failed.length > 0 || controller.signal.aborted ? 1 : 0;
  } finally {
    process.off("SIGINT", onSignal);
  }
}
