#!/usr/bin/env node
/**
 * The `juggle` command. Each subcommand lives in its own module, loaded only
 * when used (so `juggle queues` does not load the lab, nor `juggle lab`
 * BullMQ). A subcommand module exports `run(argv)` → exit code and `help`,
 * and may export `helpFor(argv)` for help that depends on the arguments
 * (`juggle lab crawl --help` shows the crawl's flags).
 *
 * @module
 */
import { fileURLToPath } from "node:url";

export interface Command {
  /** One line for `juggle --help`. */
  summary: string;
  load: () => Promise<{ run(argv: string[]): Promise<number>; help: string; helpFor?: (argv: string[]) => Promise<string> }>;
}

export const commands: Record<string, Command> = {
  lab: { summary: "run the concurrency experiments and write an HTML report", load: () => import("./commands/lab.js") },
  serve: { summary: "start the delay server alone", load: () => import("./commands/serve.js") },
  report: { summary: "rebuild the HTML report from a results.json", load: () => import("./commands/report.js") },
  example: { summary: "run one of the seeds' examples (--list to list them)", load: () => import("./commands/example.js") },
  worker: { summary: "start a distributed worker on Redis", load: () => import("../distributed/worker-command.js") },
  queues: { summary: "show the distributed queues from outside", load: () => import("../distributed/queues-command.js") },
};

function usage(): string {
  const width = Math.max(...Object.keys(commands).map((n) => n.length));
  const lines = Object.entries(commands).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`);
  return `Usage: juggle <command> [options]\n\nCommands:\n${lines.join("\n")}\n\nRun 'juggle <command> --help' for a command's options.`;
}

/** Runs the CLI with `argv` (without node and script); resolves to the exit code. */
export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    console.log(usage());
    return name === undefined ? 1 : 0;
  }
  const command = Object.hasOwn(commands, name) ? commands[name] : undefined;
  if (command === undefined) {
    console.error(`Cannot run command as it is unknown: received ${JSON.stringify(name)}\n\n${usage()}`);
    return 2;
  }
  const mod = await command.load();
  if (rest.includes("--help") || rest.includes("-h")) {
    console.log(mod.helpFor === undefined ? mod.help : await mod.helpFor(rest));
    return 0;
  }
  return mod.run(rest);
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === (await import("node:fs")).realpathSync(process.argv[1])) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
      process.exitCode = 1;
    },
  );
}
