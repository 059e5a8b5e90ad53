// The main job, end to end: start the hello service in its own process on a fresh Unix
// socket, call it from this process, stop it.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "tsbinder-hello-"));
const path = join(dir, "hello.sock");
const server = spawn(process.execPath, [join(here, "server.mjs"), path], { stdio: ["ignore", "pipe", "inherit"] });
await new Promise((resolve, reject) => {
  server.stdout.on("data", (d) => { process.stdout.write(`[server] ${d}`); resolve(); });
  server.on("exit", (code) => reject(new Error(`server exited with ${code}`)));
});
try {
  const client = spawn(process.execPath, [join(here, "client.mjs"), path, "Hello over RPC!"], { stdio: ["ignore", "pipe", "inherit"] });
  client.stdout.on("data", (d) => process.stdout.write(`[client] ${d}`));
  const code = await new Promise((resolve) => client.on("exit", resolve));
  if (code !== 0) throw new Error(`client exited with ${code}`);
} finally {
  server.kill("SIGTERM");
  rmSync(dir, { recursive: true, force: true });
}
