/** `juggle report` (to be built by the lab). @module */
export const help = "juggle report: not built yet";
export async function run(_argv: string[]): Promise<number> {
  console.error("juggle report is not built yet");
  return 1;
}
