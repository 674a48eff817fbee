// A TypeScript task module run with no build (Node >= 22.18 strips its
// types). Kept out of the tests' tsconfig: it is loaded from source.
import { double } from "./helper.ts";

interface Box {
  value: number;
}

export function quadruple(x: number): number {
  return double(double(x));
}

export async function unbox(box: Box): Promise<number> {
  return box.value;
}
