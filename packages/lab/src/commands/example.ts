/**
 * `juggle example <name>`: runs one of the book's and blog posts' examples (compiled to
 * `dist/examples/<name>.js`) in a child Node process with this terminal's
 * stdin, stdout and stderr; `juggle example --list` lists them with the first
 * line of each one's documentation.
 *
 * @module
 */
import { spawn } from "node:child_process";
import { readdir, readFile } from "node:fs/promises";
import { constants } from "node:os";
import { fileURLToPath } from "node:url";

/** The folder of the compiled examples: `dist/examples/`, beside `dist/src/`. */
const examplesDir = new URL("../../examples/", import.meta.url);

/** Help for `juggle example`. */
export const help = `Usage: juggle example <name> [arguments...]
       juggle example --list

Runs one of the book's and blog posts' examples, rewritten with juggle (bob and alice in five
styles, "How many snakes do you need?"'s threads, processes and pools, the event loop of High
Performance Python ch. 8, the roadmap article's sessions...). Arguments after the name
are passed to the example. docs/guide.md says what each one shows.

Options:
  --list      list the examples with a one-line summary
  -h, --help  this help`;

/** An example: its name and the first sentence of its documentation. */
export interface ExampleInfo {
  name: string;
  summary: string;
}

/** The first paragraph of a module's leading doc comment, on one line. */
function summaryOf(source: string): string {
  const match = /\/\*\*([\s\S]*?)\*\//.exec(source);
  if (match === null) return "";
  const lines = (match[1] ?? "").split("\n").map((line) => line.replace(/^\s*\* ?/, "").trim());
  const paragraph: string[] = [];
  for (const line of lines) {
    if (line === "") {
      if (paragraph.length > 0) break;
      continue;
    }
    paragraph.push(line);
  }
  const text = paragraph.join(" ");
  const sentence = /^(.*?[.:])(\s|$)/.exec(text);
  return (sentence?.[1] ?? text).replace(/:$/, "");
}

/**
 * The runnable examples, sorted by name. Task modules (the `tasks/` folder
 * and `*-tasks.js`) are not examples and are left out.
 */
export async function listExamples(dir: URL = examplesDir): Promise<ExampleInfo[]> {
  let files: string[];
  try {
    files = await readdir(dir);
  } catch {
    return [];
  }
  const names = files
    .filter((file) => file.endsWith(".js") && !file.endsWith("-tasks.js"))
    .map((file) => file.slice(0, -3))
    .sort();
  return Promise.all(
    names.map(async (name) => ({ name, summary: summaryOf(await readFile(new URL(`${name}.js`, dir), "utf8")) })),
  );
}

function formatList(examples: ExampleInfo[]): string {
  const width = Math.max(0, ...examples.map((e) => e.name.length));
  return examples.map((e) => `  ${e.name.padEnd(width)}  ${e.summary}`).join("\n");
}

/** Runs the example in a child process; resolves to its exit code. */
function runScript(script: string, args: string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script, ...args], { stdio: "inherit" });
    // While the example runs, a signal sent to this process is passed on to
    // it, so `kill <pid of juggle>` does not leave the example running alone.
    const forward = (signal: NodeJS.Signals): void => {
      child.kill(signal);
    };
    process.on("SIGINT", forward);
    process.on("SIGTERM", forward);
    const done = (): void => {
      process.off("SIGINT", forward);
      process.off("SIGTERM", forward);
    };
    child.on("error", (error) => {
      done();
      reject(error);
    });
    child.on("close", (code, signal) => {
      done();
      // Killed by a signal: the shell's convention, 128 + its number.
      resolve(code ?? 128 + (signal === null ? 0 : constants.signals[signal]));
    });
  });
}

/** Runs `juggle example`; resolves to the exit code. */
export async function run(argv: string[]): Promise<number> {
  const [name, ...args] = argv;
  const examples = await listExamples();
  if (name === "--list") {
    if (examples.length === 0) {
      console.error(`Cannot list the examples as none was found in ${fileURLToPath(examplesDir)}: build them with 'npx tsc -p tsconfig.json'`);
      return 1;
    }
    console.log(`Examples (juggle example <name>):\n${formatList(examples)}`);
    return 0;
  }
  if (name === undefined || name.startsWith("-")) {
    console.error(`${name === undefined ? "Cannot run an example as no name was given" : `Cannot run example as the option is unknown: received ${JSON.stringify(name)}`}\n\n${help}`);
    return 2;
  }
  if (!examples.some((e) => e.name === name)) {
    console.error(`Cannot run example as it is unknown: received ${JSON.stringify(name)}\n\nExamples:\n${formatList(examples)}`);
    return 2;
  }
  return runScript(fileURLToPath(new URL(`${name}.js`, examplesDir)), args);
}
