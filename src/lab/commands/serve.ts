/** `juggle serve` (to be built by the lab). @module */
export const help = "juggle serve: not built yet";
export async function run(_argv: string[]): Promise<number> {
  console.error("juggle serve is not built yet");
  return 1;
}
