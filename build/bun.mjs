// Build step for runtimes/bun: tsc with Bun's types (@types/bun) emits dist/runtimes/bun.
// Kept out of tsconfig.build.json so the Node build never sees Bun's globals.
import { execFileSync } from "node:child_process";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

const require = createRequire(import.meta.url);

export async function build({ root }) {
  const tsc = join(dirname(require.resolve("typescript/package.json")), "bin", "tsc");
  execFileSync(process.execPath, [tsc, "-p", join(root, "runtimes", "bun", "tsconfig.json")], { stdio: "inherit", cwd: root });
}
