// A sibling module of tasks.ts, imported with its .ts extension as Node's
// type stripping requires. Not compiled: Node strips its types at import.
export function double(x: number): number {
  return x * 2;
}
