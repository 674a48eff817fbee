/** `juggle queues` (to be built by the distributed layer). @module */
export const help = "juggle queues: not built yet";
export async function run(_argv: string[]): Promise<number> {
  console.error("juggle queues is not built yet");
  return 1;
}
