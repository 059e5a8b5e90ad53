// The main job, end to end: generate TypeScript from IHello.aidl with `tsbinder aidl`, build
// the two programs, start the service in its own process on a fresh Unix socket, call it from
// a client process, stop the service.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { main as tsbinder } from "../../dist/src/cli/main.js";

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, "..", "..", ".tmp", "hello"); // inside the package: "tsbinder" resolves to it

if (await tsbinder(["aidl", join(here, "aidl"), "-I", join(here, "aidl"), "-o", join(here, "gen")]) !== 0) process.exit(1);
await build({
  entryPoints: [join(here, "server.ts"), join(here, "client.ts")],
  outdir: out, bundle: true, platform: "node", format: "esm", outExtension: { ".js": ".mjs" },
  external: ["tsbinder", "tsbinder/*", "koffi"], logLevel: "warning",
});

const dir = mkdtempSync(join(tmpdir(), "tsbinder-hello-"));
const path = join(dir, "hello.sock");
const server = spawn(process.execPath, [join(out, "server.mjs"), path], { stdio: ["ignore", "pipe", "inherit"] });
await new Promise((resolve, reject) => {
  server.stdout.once("data", (d) => { process.stdout.write(`[server] ${d}`); resolve(); });
  server.on("exit", (code) => reject(new Error(`server exited with ${code}`)));
});
try {
  const client = spawn(process.execPath, [join(out, "client.mjs"), path, "Hello over RPC!"], { stdio: ["ignore", "pipe", "inherit"] });
  client.stdout.on("data", (d) => process.stdout.write(`[client] ${d}`));
  const code = await new Promise((resolve) => client.on("exit", resolve));
  if (code !== 0) throw new Error(`client exited with ${code}`);
} finally {
  server.kill("SIGTERM");
  rmSync(dir, { recursive: true, force: true });
}
