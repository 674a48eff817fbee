/**
 * TypeScript task modules without a build. Node strips the types of a `.ts`
 * module by itself from 22.18 and 23.6 on (earlier 22.x and 23.x only with
 * `--experimental-strip-types`); elsewhere importing one fails with an
 * unknown-extension error or a syntax error deep in the module. Executors
 * check a task module's URL before importing it, so that such a task fails
 * with an error that names the file and the Node it needs.
 *
 * Node's rules for stripped modules (docs/pool.md repeats them for users):
 * erasable syntax only (no `enum`, `namespace` or parameter properties),
 * relative imports written with their `.ts` extension, and never a file under
 * `node_modules`.
 *
 * @module
 */

/** Extensions Node strips types from. */
const typeScriptExtension = /\.(?:c|m)?ts$/;

/** What the running Node can do with TypeScript: `process.features.typescript` (undefined before 22.10). */
export type TypeScriptSupport = "strip" | "transform" | false | undefined;

function currentSupport(): TypeScriptSupport {
  return (process.features as { typescript?: TypeScriptSupport }).typescript;
}

/**
 * The reason a task module cannot be imported by this Node, or `undefined`
 * when it can (or is not a TypeScript file).
 *
 * @param moduleUrl The task module's URL.
 * @param support What Node can do with TypeScript (`process.features.typescript`).
 * @param version The Node version to name in the message (`process.version`).
 *
 * @example A `.ts` module on Node 22.17
 * ```ts
 * typeStrippingProblem("file:///app/tasks.ts", false, "v22.17.1");
 * // "Cannot load task module file:///app/tasks.ts as Node v22.17.1 does not strip TypeScript types: …"
 * ```
 */
export function typeStrippingProblem(
  moduleUrl: string,
  support: TypeScriptSupport,
  version: string,
): string | undefined {
  if (!moduleUrl.startsWith("file:")) return undefined;
  const path = new URL(moduleUrl).pathname;
  if (!typeScriptExtension.test(path)) return undefined;
  if (path.includes("/node_modules/")) {
    return `Cannot load task module ${moduleUrl} as Node does not strip the types of files under node_modules: compile it to JavaScript or move it out of node_modules`;
  }
  if (support === "strip" || support === "transform") return undefined;
  return (
    `Cannot load task module ${moduleUrl} as Node ${version} does not strip TypeScript types: ` +
    "run it on Node 22.18 or later (23.6 or later on 23.x), or compile the module to JavaScript"
  );
}

/**
 * Throws when the running Node cannot import the task module at `moduleUrl`
 * (a TypeScript file Node will not strip); does nothing otherwise.
 *
 * @param moduleUrl The task module's URL.
 * @throws {Error} Naming the module and the Node version it needs.
 *
 * Python: none (Python runs its source as is).
 */
export function checkTypeStripping(moduleUrl: string): void {
  const problem = typeStrippingProblem(moduleUrl, currentSupport(), process.version);
  if (problem !== undefined) throw new Error(problem);
}
