/**
 * Command-line flags for the lab, on `node:util` `parseArgs`: an
 * experiment's flag schema becomes parseArgs options, values are checked
 * against the schema, and every error names the flag and the value.
 *
 * @module
 */
import { type ParseArgsConfig, parseArgs } from "node:util";
import type { FlagSchema, FlagSpec } from "./experiment.js";

/** A bad command line. The CLI prints the message and exits with code 2. */
export class UsageError extends Error {
  override name = "UsageError";
}

/** `serialRequests` → `serial-requests`. */
export function kebab(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

type Options = NonNullable<ParseArgsConfig["options"]>;

/**
 * Parses `argv` with the given parseArgs options. Unknown options, missing
 * values and stray positionals become {@link UsageError}s naming them.
 */
export function parseCommandLine(
  command: string,
  argv: string[],
  options: Options,
  allowPositionals = false,
): { values: Record<string, string | boolean | (string | boolean)[] | undefined>; positionals: string[] } {
  // `--delay -5` is a value (a negative number), not an option: join it as `--delay=-5`
  // so the value check can name it.
  const args: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    const next = argv[i + 1];
    const name = arg.startsWith("--") && !arg.includes("=") ? arg.slice(2) : undefined;
    if (name !== undefined && options[name]?.type === "string" && next !== undefined && /^-[\d.]/.test(next)) {
      args.push(`${arg}=${next}`);
      i++;
    } else {
      args.push(arg);
    }
  }
  try {
    return parseArgs({ args, options, allowPositionals, strict: true, allowNegative: true } as ParseArgsConfig) as {
      values: Record<string, string | boolean | undefined>;
      positionals: string[];
    };
  } catch (error) {
    const code = (error as { code?: string }).code;
    const message = (error as Error).message;
    if (code === "ERR_PARSE_ARGS_UNKNOWN_OPTION") {
      const flag = /'([^']+)'/.exec(message)?.[1] ?? message;
      throw new UsageError(`Cannot run ${command} as the option '${flag}' is unknown (see 'juggle ${command} --help')`);
    }
    if (code === "ERR_PARSE_ARGS_INVALID_OPTION_VALUE") {
      throw new UsageError(`Cannot run ${command} as an option is misused: ${message}`);
    }
    if (code === "ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL") {
      const arg = /'([^']+)'/.exec(message)?.[1] ?? message;
      throw new UsageError(`Cannot run ${command} as the argument '${arg}' is unexpected (see 'juggle ${command} --help')`);
    }
    throw error;
  }
}

/** parseArgs options for a schema (every flag read as a string, booleans as booleans). */
export function schemaOptions(schema: FlagSchema): Options {
  const options: Options = {};
  for (const [key, spec] of Object.entries(schema)) {
    options[kebab(key)] = { type: spec.type === "boolean" ? "boolean" : "string" };
    // `--no-<list>` empties a list flag.
    if (spec.type === "integers") options[`no-${kebab(key)}`] = { type: "boolean" };
  }
  return options;
}

function kind(spec: FlagSpec, flag: string): string {
  const min = "min" in spec && spec.min !== undefined ? spec.min : 0;
  const max = "max" in spec && spec.max !== undefined ? ` <= ${spec.max}` : "";
  switch (spec.type) {
    case "integer":
      return `${min === 0 ? "a non-negative integer" : min === 1 ? "a positive integer" : `an integer >= ${min}`}${max}`;
    case "number":
      return `a number >= ${min}${max}`;
    case "integers":
      return `a comma-separated list of integers >= ${min}${max} (or --no-${flag} for none)`;
    case "string":
      return spec.choices ? `one of ${spec.choices.join(", ")}` : "a string";
    case "boolean":
      return "a boolean";
  }
}

function inRange(spec: FlagSpec, n: number): boolean {
  const min = "min" in spec && spec.min !== undefined ? spec.min : 0;
  const max = "max" in spec && spec.max !== undefined ? spec.max : Number.MAX_SAFE_INTEGER;
  return Number.isFinite(n) && n >= min && n <= max;
}

/** Checks and converts one flag's command-line text. */
export function parseFlagValue(command: string, flag: string, spec: FlagSpec, raw: string | boolean): unknown {
  const fail = (): never => {
    throw new UsageError(`Cannot run ${command} as '--${flag}' must be ${kind(spec, flag)}: received ${JSON.stringify(raw)}`);
  };
  if (spec.type === "boolean") return typeof raw === "boolean" ? raw : fail();
  // `--no-<list>`: an empty list.
  if (spec.type === "integers" && raw === false) return [];
  if (typeof raw !== "string") return fail();
  const text = raw.trim();
  switch (spec.type) {
    case "integer": {
      const n = /^[+-]?\d+$/.test(text) ? Number(text) : Number.NaN;
      return Number.isSafeInteger(n) && inRange(spec, n) ? n : fail();
    }
    case "number": {
      const n = text === "" ? Number.NaN : Number(text);
      return inRange(spec, n) ? n : fail();
    }
    case "integers": {
      const parts = text.split(",").map((p) => p.trim());
      const ns = parts.map((p) => (/^[+-]?\d+$/.test(p) ? Number(p) : Number.NaN));
      return ns.length > 0 && ns.every((n) => Number.isSafeInteger(n) && inRange(spec, n)) ? ns : fail();
    }
    case "string":
      return spec.choices === undefined || spec.choices.includes(text) ? text : fail();
  }
}

/**
 * The flag values for a run: the command line's where given, else the quick
 * size under `quick`, else the default.
 */
export function resolveFlags(
  command: string,
  schema: FlagSchema,
  given: Record<string, unknown>,
  quick: boolean,
): Record<string, unknown> {
  const values: Record<string, unknown> = {};
  for (const [key, spec] of Object.entries(schema)) {
    const flag = kebab(key);
    const raw = spec.type === "integers" && given[`no-${flag}`] === true ? false : given[flag];
    if (raw !== undefined) values[key] = parseFlagValue(command, flag, spec, raw as string | boolean);
    else values[key] = quick && spec.quick !== undefined ? spec.quick : spec.default;
  }
  return values;
}

function show(value: unknown): string {
  return Array.isArray(value) ? value.join(",") : String(value);
}

/** `--help` lines for a schema. */
export function schemaHelp(schema: FlagSchema): string {
  const rows = Object.entries(schema).map(([key, spec]) => {
    const name = spec.type === "boolean" ? `--[no-]${kebab(key)}` : `--${kebab(key)} <${spec.type === "integers" ? "list" : spec.type === "string" ? "text" : "n"}>`;
    const sizes = spec.quick === undefined ? `default ${show(spec.default)}` : `default ${show(spec.default)}, quick ${show(spec.quick)}`;
    return [name, `${spec.description} (${sizes})`];
  });
  const width = Math.max(0, ...rows.map(([n]) => (n as string).length));
  return rows.map(([n, d]) => `  ${(n as string).padEnd(width)}  ${d}`).join("\n");
}
