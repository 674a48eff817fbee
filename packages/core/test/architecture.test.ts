/**
 * The house rules of ARCHITECTURE.md, checked on the sources: who may import
 * what (by folder and by package) and no file over 500 lines. The rules are
 * data below, mirrored in ARCHITECTURE.md's "Who may import what".
 */
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import ts from "typescript";

const root = fileURLToPath(new URL("../../../..", import.meta.url));
const MAX_LINES = 500;

/**
 * Files allowed over the limit for now, each with its reason. The test fails
 * when one of them is back under the limit: remove it from here then.
 */
const OVERSIZED: Record<string, string> = {};

/** Core folders and the core folders each may import at run time (its own always). */
const CORE_FOLDERS: Record<string, string[]> = {
  internal: [],
  trace: ["internal"],
  async: ["internal"],
  "shared-memory": ["internal"],
  executor: ["internal"],
  pool: ["executor", "internal"],
};
/** Imports allowed for types only (erased at run time). */
const CORE_TYPE_ONLY: Record<string, string[]> = { executor: ["trace"] };

/**
 * Bare specifiers a package's sources may import besides `node:` built-ins:
 * these where listed, else the packages its package.json declares (and the
 * workspace packages only through their exports, checked below).
 */
const PACKAGE_IMPORTS: Record<string, RegExp> = {
  core: /^$/,
  redis: /^(juggle-core|juggle-core\/executor|bullmq|ioredis)$/,
};

interface Manifest {
  name: string;
  exports?: Record<string, unknown>;
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
}
const manifest = (pkg: string): Manifest =>
  JSON.parse(readFileSync(join(root, "packages", pkg, "package.json"), "utf8")) as Manifest;

function mayImport(pkg: string, specifier: string): boolean {
  const listed = PACKAGE_IMPORTS[pkg];
  if (listed !== undefined) return listed.test(specifier);
  const { dependencies = {}, peerDependencies = {} } = manifest(pkg);
  return [...Object.keys(dependencies), ...Object.keys(peerDependencies)].some(
    (name) => specifier === name || specifier.startsWith(`${name}/`),
  );
}

function walk(dir: string, out: string[] = []): string[] {
  if (!existsSync(dir)) return out;
  for (const name of readdirSync(dir)) {
    if (name === "node_modules" || name === "dist") continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path, out);
    else if (/\.(ts|mts|mjs|js)$/.test(name) && !name.endsWith(".d.ts")) out.push(path);
  }
  return out;
}

const packages = readdirSync(join(root, "packages"));
const sourceFiles = packages.flatMap((p) => walk(join(root, "packages", p, "src")));
const allFiles = [
  ...sourceFiles,
  ...packages.flatMap((p) => [...walk(join(root, "packages", p, "test")), ...walk(join(root, "packages", p, "examples"))]),
  ...walk(join(root, "bench")),
  ...walk(join(root, "scripts")),
];

interface Import {
  specifier: string;
  typeOnly: boolean;
}

const parsed = new Map<string, Import[]>();

/** The modules a file imports (static, re-exports and dynamic `import()`), comments ignored. */
function importsOf(file: string): Import[] {
  let found = parsed.get(file);
  if (found === undefined) parsed.set(file, (found = parseImports(file)));
  return found;
}

function parseImports(file: string): Import[] {
  const text = readFileSync(file, "utf8");
  const found: Import[] = [];
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, false);
  for (const statement of source.statements) {
    if (ts.isImportDeclaration(statement) && ts.isStringLiteral(statement.moduleSpecifier)) {
      found.push({ specifier: statement.moduleSpecifier.text, typeOnly: statement.importClause?.isTypeOnly ?? false });
    } else if (ts.isExportDeclaration(statement) && statement.moduleSpecifier && ts.isStringLiteral(statement.moduleSpecifier)) {
      found.push({ specifier: statement.moduleSpecifier.text, typeOnly: statement.isTypeOnly });
    }
  }
  const statics = new Set(found.map((i) => i.specifier));
  for (const { fileName } of ts.preProcessFile(text, true, true).importedFiles) {
    // Dynamic imports, and `typeof import("…")` types (type-only).
    if (!statics.has(fileName)) found.push({ specifier: fileName, typeOnly: text.includes(`typeof import("${fileName}")`) });
  }
  return found;
}

const rel = (file: string): string => relative(root, file).split(sep).join("/");

describe("architecture", () => {
  it("keeps every file at 500 lines or fewer", () => {
    const over = allFiles
      .map((file) => [rel(file), readFileSync(file, "utf8").split("\n").length - 1] as const)
      .filter(([file, lines]) => lines > MAX_LINES && OVERSIZED[file] === undefined);
    assert.deepEqual(over, [], "files over 500 lines: split them along their concepts");
    for (const file of Object.keys(OVERSIZED)) {
      const path = join(root, file);
      const lines = existsSync(path) ? readFileSync(path, "utf8").split("\n").length - 1 : 0;
      assert.ok(lines > MAX_LINES, `${file} is no longer over 500 lines: remove it from OVERSIZED`);
    }
  });

  it("keeps core's folders in their layers, and core free of anything but node: built-ins", () => {
    const wrong: string[] = [];
    for (const file of sourceFiles.filter((f) => rel(f).startsWith("packages/core/src/"))) {
      const folder = rel(file).split("/")[3] ?? "";
      const allowed = CORE_FOLDERS[folder];
      for (const { specifier, typeOnly } of importsOf(file)) {
        if (!specifier.startsWith(".")) {
          if (!specifier.startsWith("node:")) wrong.push(`${rel(file)} imports the package ${specifier}`);
          continue;
        }
        const target = rel(resolve(dirname(file), specifier));
        if (!target.startsWith("packages/core/src/")) wrong.push(`${rel(file)} imports ${target}, outside core's sources`);
        if (allowed === undefined) continue; // src/index.ts: the public entry re-exports the layers
        const to = target.split("/")[3] ?? "";
        const ok = to === folder || allowed.includes(to) || (typeOnly && (CORE_TYPE_ONLY[folder] ?? []).includes(to));
        if (!ok) wrong.push(`${rel(file)} imports ${target}${typeOnly ? " (types)" : ""}: ${folder}/ may import ${[...allowed, folder].join(", ")}`);
      }
    }
    assert.deepEqual(wrong, []);
  });

  it("has packages import each other only through their public entry points", () => {
    const wrong: string[] = [];
    for (const file of sourceFiles) {
      const pkg = rel(file).split("/")[1] ?? "";
      const pkgRoot = join(root, "packages", pkg);
      for (const { specifier } of importsOf(file)) {
        if (specifier.startsWith(".")) {
          const target = resolve(dirname(file), specifier);
          if (!target.startsWith(join(pkgRoot, "src"))) wrong.push(`${rel(file)} reaches ${rel(target)}, outside its package's sources`);
        } else if (!specifier.startsWith("node:") && !mayImport(pkg, specifier)) {
          wrong.push(`${rel(file)} imports ${specifier}, which its package may not (or does not declare)`);
        }
      }
    }
    assert.deepEqual(wrong, []);
  });

  it("has tests, benchmarks and examples import the workspace packages by their exports only", () => {
    const exported = new Map<string, Set<string>>();
    for (const pkg of packages) {
      const { name, exports = {} } = manifest(pkg);
      exported.set(name, new Set(Object.keys(exports).map((k) => (k === "." ? "" : k.slice(1)))));
    }
    const wrong: string[] = [];
    for (const file of allFiles) {
      for (const { specifier } of importsOf(file)) {
        const name = [...exported.keys()].find((n) => specifier === n || specifier.startsWith(`${n}/`));
        if (name !== undefined && !exported.get(name)?.has(specifier.slice(name.length))) {
          wrong.push(`${rel(file)} imports ${specifier}, which ${name} does not export`);
        }
      }
    }
    assert.deepEqual(wrong, []);
  });
});
