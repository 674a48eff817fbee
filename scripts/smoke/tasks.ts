// A TypeScript task module with no build step: Node >= 22.18 strips its types.
import { double } from "./helper.ts";

export function quadruple(x: number): number {
  return double(double(x));
}
