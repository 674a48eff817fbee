/** `juggle lab` (to be built by the lab). @module */
export const help = "juggle lab: not built yet";
export async function run(_argv: string[]): Promise<number> {
  console.error("juggle lab is not built yet");
  return 1;
}
