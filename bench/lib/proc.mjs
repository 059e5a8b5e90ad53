// Starting the bench's server and client processes (node, deno or bun), pinned to CPUs with
// taskset when asked.
import { spawn, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { ROOT } from "../common.mjs";

const BIN = { deno: join(ROOT, "node_modules", ".bin", "deno"), bun: join(ROOT, "node_modules", ".bin", "bun") };
const here = (f) => fileURLToPath(new URL(`../${f}`, import.meta.url));

export function haveRuntime(runtime) {
  return runtime === "node" || existsSync(BIN[runtime]);
}

/** Version string of a runtime ("v20.1.0", "2.1.4", "1.2.3"), or null when it is missing. */
export function runtimeVersion(runtime) {
  if (runtime === "node") return process.version;
  if (!haveRuntime(runtime)) return null;
  const r = spawnSync(BIN[runtime], ["--version"], { encoding: "utf8" });
  const m = /(\d+\.\d+\.\d+)/.exec(r.stdout ?? "");
  return m ? m[1] : null;
}

function command(runtime, script, args, nodeArgs = []) {
  if (runtime === "node") return [process.execPath, "--expose-gc", ...nodeArgs, script, ...args];
  if (runtime === "deno") return [BIN.deno, "run", "-A", "--v8-flags=--expose-gc", script, ...args];
  return [BIN.bun, script, ...args];
}

function pinned(cmd, cpus) {
  return cpus ? ["taskset", "-c", cpus, ...cmd] : cmd;
}

/** The CPUs this process may use (as started, e.g. under an outer taskset), or null without taskset. */
export function allowedCpus() {
  const r = spawnSync("taskset", ["-c", "-p", String(process.pid)], { encoding: "utf8" });
  if (r.status !== 0) return null;
  return r.stdout.trim().split(":").pop().trim().split(",").flatMap((part) => {
    const [a, b] = part.split("-").map(Number);
    return b === undefined ? [a] : Array.from({ length: b - a + 1 }, (_, i) => a + i);
  }).filter(Number.isInteger);
}

/** Start `server.mjs <system> <transport> <address> [opts]`; resolves once it prints ready. */
export async function startServer({ runtime = "node", system, transport, address, cpus, opts = {}, nodeArgs = [] }) {
  const cmd = pinned(command(runtime, here("server.mjs"), [system, transport, address, JSON.stringify(opts)], nodeArgs), cpus);
  const child = spawn(cmd[0], cmd.slice(1), { stdio: ["pipe", "pipe", "inherit"] });
  const addr = await new Promise((resolve, reject) => {
    let out = "";
    const onData = (d) => {
      out += d;
      const m = /ready (\S+)\n/.exec(out);
      if (m) { child.stdout.off("data", onData); resolve(m[1]); }
    };
    child.stdout.on("data", onData);
    child.once("exit", (code) => reject(new Error(`${runtime} ${system} server (${transport}) exited with ${code} before it was ready`)));
    child.once("error", reject);
  });
  child.removeAllListeners("exit");
  return {
    address: addr,
    pid: child.pid,
    /** Close its stdin (a clean exit), and kill it if it has not gone within 2 s. */
    stop: () => new Promise((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      const t = setTimeout(() => child.kill("SIGKILL"), 2000);
      child.once("exit", () => { clearTimeout(t); resolve(); });
      child.stdin.end();
    }),
  };
}

/** Run `client.mjs <job>` to completion; resolves to the rows it printed. */
export function runClient({ runtime = "node", job, cpus, nodeArgs = [], timeoutMs = 300_000 }) {
  const cmd = pinned(command(runtime, here("client.mjs"), [JSON.stringify(job)], nodeArgs), cpus);
  return new Promise((resolve, reject) => {
    const child = spawn(cmd[0], cmd.slice(1), { stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    const t = setTimeout(() => { child.kill("SIGKILL"); reject(new Error(`${runtime} client (${job.module} ${job.case ?? ""}) timed out`)); }, timeoutMs);
    child.stdout.on("data", (d) => { out += d; });
    child.once("error", reject);
    child.once("exit", (code) => {
      clearTimeout(t);
      const m = /^result (.*)$/m.exec(out);
      if (code !== 0 || !m) return reject(new Error(`${runtime} client (${job.module} ${job.case ?? ""}) exited with ${code}${out ? `: ${out.slice(-500)}` : ""}`));
      resolve(JSON.parse(m[1]));
    });
  });
}
