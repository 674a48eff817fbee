/**
 * `juggle report <results.json>`: rebuilds `index.html` from saved results
 * (after an upgrade of the report, or from a results file copied from
 * another machine).
 *
 * @module
 */
import { readFile, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { parseCommandLine, UsageError } from "../flags.js";
import { renderReport } from "../report/html.js";
import { type LabResults, RESULTS_VERSION } from "../runner.js";

/** Help for `juggle report`. */
export const help = `Usage: juggle report <results.json> [options]

Rebuilds the HTML report from a results.json written by 'juggle lab'.

Options:
  --out <file>   where to write the page (default: index.html beside results.json)
  -h, --help     this help`;

/** Runs `juggle report`; resolves to the exit code. */
export async function run(argv: string[]): Promise<number> {
  try {
    const { values, positionals } = parseCommandLine("report", argv, { out: { type: "string" }, help: { type: "boolean", short: "h" } }, true);
    if (values.help === true) {
      console.log(help);
      return 0;
    }
    if (positionals.length !== 1) {
      throw new UsageError(`Cannot run report as it needs exactly one results.json: received ${positionals.length === 0 ? "none" : positionals.map((p) => JSON.stringify(p)).join(" ")}`);
    }
    const input = positionals[0] as string;
    let results: LabResults;
    try {
      results = JSON.parse(await readFile(input, "utf8")) as LabResults;
    } catch (error) {
      throw new UsageError(`Cannot run report as '${input}' is not a readable results.json: ${(error as Error).message}`);
    }
    if (results === null || typeof results !== "object" || results.version !== RESULTS_VERSION || !Array.isArray(results.experiments)) {
      throw new UsageError(`Cannot run report as '${input}' is not a results.json written by 'juggle lab' (no version ${RESULTS_VERSION} and experiments)`);
    }
    const out = typeof values.out === "string" && values.out !== "" ? values.out : join(dirname(input), "index.html");
    await writeFile(out, await renderReport(results));
    console.log(`Report: ${out}`);
    return 0;
  } catch (error) {
    if (error instanceof UsageError) {
      console.error(error.message);
      return 2;
    }
    throw error;
  }
}
