#!/usr/bin/env node
/**
 * The `juggle` command: the lab's subcommands (`lab`, `serve`, `report`,
 * `example`) and the Redis package's (`worker`, `queues`). Each subcommand
 * lives in its own module, loaded only when used (so `juggle queues` does not
 * load the lab, nor `juggle lab` BullMQ). A subcommand module exports
 * `run(argv)` → exit code and `help`, and may export `helpFor(argv)` for help
 * that depends on the arguments (`juggle lab crawl --help` shows the crawl's
 * flags).
 *
 * @module
 */
import { readFileSync } from "node:fs";
import { type Command, commands as redisCommands, dispatch, runIfMain, version as redisVersion } from "juggle-redis/cli";

export type { Command };

export const commands: Record<string, Command> = {
  lab: { summary: "run the concurrency experiments and write an HTML report", load: () => import("./commands/lab.js") },
  serve: { summary: "start the delay server alone", load: () => import("./commands/serve.js") },
  report: { summary: "rebuild the HTML report from a results.json", load: () => import("./commands/report.js") },
  example: { summary: "run one of the books' and articles' examples (--list to list them)", load: () => import("./commands/example.js") },
  ...redisCommands,
};

const version = (JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string }).version;

function coreVersion(): string {
  const url = import.meta.resolve("juggle-core/package.json");
  return (JSON.parse(readFileSync(new URL(url), "utf8")) as { version: string }).version;
}

/** Runs the CLI with `argv` (without node and script); resolves to the exit code. */
export async function main(argv: string[]): Promise<number> {
  const versions = `juggle-lab ${version}\njuggle-redis ${redisVersion}\njuggle-core ${coreVersion()}\nnode ${process.versions.node}`;
  return dispatch(argv, commands, versions);
}

runIfMain(import.meta.url, main);
