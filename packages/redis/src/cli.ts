#!/usr/bin/env node
/**
 * The `juggle` command of the Redis package: `juggle worker` and
 * `juggle queues`. Each subcommand lives in its own module, loaded only when
 * used. A subcommand module exports `run(argv)` → exit code and `help`, and
 * may export `helpFor(argv)` for help that depends on the arguments.
 *
 * The lab package (`juggle-lab`) has a `juggle` command too, with these two
 * commands and its own (`lab`, `serve`, `report`, `example`). npm links only
 * one `juggle` into `node_modules/.bin` when both packages are installed, so
 * this one hands every command to the lab's when the lab is installed: either
 * way the user gets every command of the packages they have.
 *
 * @module
 */
import { readFileSync, realpathSync } from "node:fs";
import { fileURLToPath } from "node:url";

/** A subcommand of `juggle`. */
export interface Command {
  /** One line for `juggle --help`. */
  summary: string;
  load: () => Promise<{ run(argv: string[]): Promise<number>; help: string; helpFor?: (argv: string[]) => Promise<string> }>;
}

/** The Redis package's subcommands. */
export const commands: Record<string, Command> = {
  worker: { summary: "start a worker that runs RedisPool tasks (juggle-redis)", load: () => import("./worker-command.js") },
  queues: { summary: "show the RedisPool queues from outside (juggle-redis)", load: () => import("./queues-command.js") },
};

/** This package's version, from its package.json. */
export const version: string = (JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string })
  .version;

function usage(all: Record<string, Command>, footer: string): string {
  const width = Math.max(...Object.keys(all).map((n) => n.length));
  const lines = Object.entries(all).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`);
  return `Usage: juggle <command> [options]\n\nCommands:\n${lines.join("\n")}\n\nRun 'juggle <command> --help' for a command's options, 'juggle --version' for the versions.${footer}`;
}

/**
 * Runs `juggle` with `argv` (without node and script) over a set of
 * commands; resolves to the exit code. `versions` is what `--version`
 * prints; `footer` ends the usage text.
 */
export async function dispatch(argv: string[], all: Record<string, Command>, versions: string, footer = ""): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    console.log(usage(all, footer));
    return name === undefined ? 1 : 0;
  }
  if (name === "--version" || name === "-v" || name === "version") {
    console.log(versions);
    return 0;
  }
  const command = Object.hasOwn(all, name) ? all[name] : undefined;
  if (command === undefined) {
    console.error(`Cannot run command as it is unknown: received ${JSON.stringify(name)}\n\n${usage(all, footer)}`);
    return 2;
  }
  const mod = await command.load();
  if (rest.includes("--version")) {
    console.log(versions);
    return 0;
  }
  if (rest.includes("--help") || rest.includes("-h")) {
    console.log(mod.helpFor === undefined ? mod.help : await mod.helpFor(rest));
    return 0;
  }
  return mod.run(rest);
}

/** The lab's CLI when `juggle-lab` is installed beside this package, else undefined. */
async function labCli(): Promise<{ main(argv: string[]): Promise<number> } | undefined> {
  const specifier = "juggle-lab/cli"; // not a literal: the lab is optional, and depends on this package
  try {
    return (await import(specifier)) as { main(argv: string[]): Promise<number> };
  } catch (error) {
    if ((error as { code?: string }).code === "ERR_MODULE_NOT_FOUND") return undefined;
    throw error;
  }
}

/** Runs the CLI with `argv` (without node and script); resolves to the exit code. */
export async function main(argv: string[]): Promise<number> {
  const lab = await labCli();
  if (lab !== undefined) return lab.main(argv);
  return dispatch(argv, commands, `juggle-redis ${version}`, "\n\n'juggle lab', 'serve', 'report' and 'example' come with the juggle-lab package.");
}

/** Runs `main` when this file is the process's entry point (also through npm's bin link). */
export function runIfMain(url: string, run: (argv: string[]) => Promise<number>): void {
  if (process.argv[1] === undefined || fileURLToPath(url) !== realpathSync(process.argv[1])) return;
  run(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
      process.exitCode = 1;
    },
  );
}

runIfMain(import.meta.url, main);
