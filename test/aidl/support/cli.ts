// Runs `tsbinder` in-process (main(argv)) and captures what it prints.
import { main } from "../../../src/cli/main.js";

export async function runCli(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const code = await main(argv, { stdout: (s) => { out += s; }, stderr: (s) => { err += s; } });
  return { code, out, err };
}
