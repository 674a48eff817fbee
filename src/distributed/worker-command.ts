/** `juggle worker` (to be built by the distributed layer). @module */
export const help = "juggle worker: not built yet";
export async function run(_argv: string[]): Promise<number> {
  console.error("juggle worker is not built yet");
  return 1;
}
