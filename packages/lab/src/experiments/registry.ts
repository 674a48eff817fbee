/**
 * The lab's experiments, in the order `juggle lab` runs them.
 *
 * ## Adding an experiment (one new file + one line here)
 *
 * 1. Write `src/lab/experiments/<name>.ts` whose default export is
 *    `defineExperiment({ name, title, description, source, flags, run })`
 *    (see `../experiment.ts`). Each flag has a `default` (sized so that the
 *    whole `juggle lab` takes about five minutes on 2 cores) and a `quick`
 *    size (`--quick`, a few seconds). `run(ctx)` gets the parsed flags,
 *    `ctx.progress` for bars, `ctx.trace(name)` for Chrome traces,
 *    `ctx.delayServer()` for the shared delay server, and returns
 *    `{ summary, headline, tables, charts, notes }`. It must not print or
 *    write files: the runner prints the tables and writes the report.
 * 2. Add one line to `registry` below: `name: () => import("./<name>.js"),`.
 *
 * The CLI (`juggle lab <name> --flags`, `--list`, `--help`), the printed
 * tables, `results.json` and the HTML report pick it up from there. Task
 * modules for pools go in `src/lab/tasks/`.
 *
 * @module
 */
import type { Experiment } from "../experiment.js";

type Loader = () => Promise<{ default: Experiment }>;

/** Name → loader. Modules are loaded only when used. */
export const registry: Record<string, Loader> = {
  crawl: () => import("./crawl.js"),
  "primes-db": () => import("./primes-db.js"),
  pi: () => import("./pi.js"),
  primes: () => import("./primes.js"),
  queue: () => import("./queue.js"),
  ipc: () => import("./ipc.js"),
  locks: () => import("./locks.js"),
  "sum-squares": () => import("./sum-squares.js"),
  polite: () => import("./polite.js"),
  advise: () => import("./advise.js"),
};

/** The registered names, in run order. */
export function experimentNames(): string[] {
  return Object.keys(registry);
}

/** Loads one experiment by name; `undefined` when there is none. */
export async function loadExperiment(name: string): Promise<Experiment | undefined> {
  const load = Object.hasOwn(registry, name) ? registry[name] : undefined;
  return load === undefined ? undefined : (await load()).default;
}

/** Loads every experiment, in run order. */
export async function loadAll(): Promise<Experiment[]> {
  return Promise.all(experimentNames().map(async (name) => (await (registry[name] as Loader)()).default));
}
