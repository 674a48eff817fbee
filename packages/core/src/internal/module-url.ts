/**
 * The one rule that turns what a user gives as a task module (a `URL`, a URL
 * string, an absolute path of this or of a Windows machine, or, where a
 * command line allows it, a path relative to a directory) into the module URL
 * a worker imports. `task()`, `tasks()`, the Redis worker's `tasks` and the
 * lab's `--task` all go through it, so a path means the same module
 * everywhere.
 *
 * Windows paths are recognised on every platform: `C:\tasks.js` is a drive
 * letter, not a URL scheme `c:`, and `\\server\share\tasks.js` is a UNC path.
 *
 * @internal
 * @module
 */
import { isAbsolute, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { describe } from "./validate.js";

/** `C:\…` or `C:/…`: a drive letter, which also reads as a one-letter URL scheme. */
const WINDOWS_DRIVE = /^[a-zA-Z]:[\\/]/;
/** `\\server\share\…`. */
const WINDOWS_UNC = /^\\\\[^\\]/;
/** A URL scheme of at least two letters (`file:`, `https:`, `data:`, `node:`). */
const URL_SCHEME = /^[a-zA-Z][a-zA-Z0-9+.-]+:/;

/** Options of {@link moduleUrl}. */
export interface ModuleUrlOptions {
  /** Directory that relative paths are resolved against; without it they are refused. */
  relativeTo?: string;
  /** Option name for error messages. Default `"module"`. */
  name?: string;
}

/**
 * The module URL of a task module given as a URL or path.
 *
 * @param action What was being done, for the error message (`"create task reference"`).
 * @param value A `URL`, a URL string, or a path.
 * @param options `relativeTo` to accept relative paths.
 * @throws {TypeError} When `value` is not a URL or a usable path.
 *
 * Python: no equivalent (Python names modules, juggle locates them by URL).
 *
 * @example A backend's worker taking task modules from its command line
 * ```ts
 * import { moduleUrl } from "juggle-core/executor";
 * const modules = ["./tasks.js", "C:\\work\\tasks.js", "file:///srv/tasks.js"].map((m) =>
 *   moduleUrl("start worker", m, { name: "tasks", relativeTo: process.cwd() }),
 * );
 * ```
 */
export function moduleUrl(action: string, value: unknown, options: ModuleUrlOptions = {}): string {
  const name = options.name ?? "module";
  if (value instanceof URL) return value.href;
  if (typeof value !== "string" || value.length === 0) {
    throw new TypeError(`Cannot ${action} as '${name}' must be a URL or an absolute path: received ${describe(value)}`);
  }
  if (WINDOWS_DRIVE.test(value) || WINDOWS_UNC.test(value)) return pathToFileURL(value, { windows: true }).href;
  if (URL_SCHEME.test(value)) return value;
  if (value.startsWith("/") || isAbsolute(value)) return pathToFileURL(value).href;
  if (options.relativeTo !== undefined) return pathToFileURL(resolve(options.relativeTo, value)).href;
  throw new TypeError(
    `Cannot ${action} as '${name}' must be an absolute path or URL (use new URL("./tasks.js", import.meta.url)): received ${describe(value)}`,
  );
}
