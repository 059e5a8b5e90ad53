// The server side of a benchmark, run as its own process by run.mjs under node, deno or bun:
//   node bench/server.mjs <system> <transport> <address> ['{"maxThreads":4,"tlsDir":"..."}']
// system: tsbinder | raw-echo | grpc-js | capnweb; transport: unix | tcp | tls | ws.
// Prints "ready <address>" once listening (the address clients connect to). Exits when stdin
// closes (a normal exit, so node --cpu-prof can write its profile) or when killed.
import { existsSync, readFileSync, unlinkSync } from "node:fs";
import { join } from "node:path";
import { args, process } from "./lib/rt.mjs";

const [system, transport, address, json] = args();
if (!system || !transport || !address) {
  console.error("usage: server.mjs <system> <transport> <address> [json options]");
  process.exit(2);
}
const opts = json ? JSON.parse(json) : {};
const tls = opts.tlsDir ? { cert: readFileSync(join(opts.tlsDir, "cert.pem"), "utf8"), key: readFileSync(join(opts.tlsDir, "key.pem"), "utf8") } : undefined;
if (transport === "unix" && existsSync(address)) unlinkSync(address);
const mod = await import(`./systems/${system}.mjs`);
const addr = await mod.serve({ transport, address, tls, ...opts });

process.stdin.on("data", () => {});
process.stdin.on("end", () => process.exit(0));
process.stdout.write(`ready ${addr}\n`);
