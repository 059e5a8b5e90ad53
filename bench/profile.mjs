// CPU-profile the tsbinder side of a bench case, client and server process both:
//   node bench/profile.mjs [--case null-call] [--iterations 50000] [--pin split] [--top 25] [--keep DIR]
//   node bench/profile.mjs --suite inflight      (profile another suite of run.mjs instead)
// Runs bench/run.mjs for that case (tsbinder only, node over unix) with the client and the
// server processes under `node --cpu-prof`, then prints for each process the functions with
// the most self time, the inclusive time of the tsbinder entry points, and a breakdown by category.
//   node bench/profile.mjs --summarize FILE.cpuprofile...   only summarize existing profiles
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { fileURLToPath } from "node:url";

const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : dflt;
};
const TOP = Number(opt("--top", "25"));

if (args.includes("--summarize")) {
  for (const f of args.slice(args.indexOf("--summarize") + 1)) summarize(basename(f), JSON.parse(readFileSync(f, "utf8")));
  process.exit(0);
}

const kase = opt("--case", "null-call");
const suite = opt("--suite", "latency");
const iterations = opt("--iterations", "50000");
const pin = opt("--pin", "split");
const interval = opt("--interval", "50"); // µs between samples
const keep = opt("--keep", null);
const dir = keep ?? mkdtempSync(join(tmpdir(), "tsb-prof-"));
const prof = (who) => `--cpu-prof --cpu-prof-dir=${join(dir, who)} --cpu-prof-interval=${interval}`;

const run = fileURLToPath(new URL("./run.mjs", import.meta.url));
const r = spawnSync(process.execPath, [run, "--only", suite, "--cases", kase, "--systems", "tsbinder", "--runtimes", "node", "--pin", pin,
  "--iterations", iterations, "--no-json", "--server-node-args", prof("server"), "--client-node-args", prof("client")], { stdio: ["ignore", "pipe", "inherit"], encoding: "utf8" });
process.stdout.write(r.stdout ?? "");
if (r.status !== 0) process.exit(r.status ?? 1);

for (const who of ["client", "server"]) {
  let files = [];
  try { files = readdirSync(join(dir, who)).filter((f) => f.endsWith(".cpuprofile")); } catch { /* none */ }
  for (const f of files) summarize(`${who} (${f})`, JSON.parse(readFileSync(join(dir, who, f), "utf8")));
}
if (!keep) rmSync(dir, { recursive: true, force: true });
else console.log(`\nprofiles kept in ${dir} (open them in Chrome DevTools or VS Code)`);

// ---- summary ----------------------------------------------------------------------------

function summarize(label, p) {
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);

  const keyOf = (n) => {
    const cf = n.callFrame;
    const name = cf.functionName || "(anonymous)";
    if (!cf.url) return name;
    const file = cf.url.startsWith("wasm://") ? "wasm" : cf.url.replace(/^file:\/\/.*?\/(dist|bench|node_modules)\//, "$1/");
    return `${name}  ${file}:${cf.lineNumber + 1}`;
  };
  const categoryOf = (n) => {
    const { functionName: fn, url } = n.callFrame;
    if (fn === "(idle)") return "idle (waiting for the socket)";
    if (fn === "(garbage collector)") return "garbage collector";
    if (fn === "(program)") return "program (V8/native, no JS frame)";
    if (url.startsWith("wasm://")) return "wasm core";
    if (/js-to-wasm|wasm-to-js/i.test(fn)) return "js<->wasm wrappers";
    if (url.includes("/dist/")) return "tsbinder JS (dist)";
    if (url.includes("/bench/")) return "bench harness";
    if (url.startsWith("node:")) return "node internals (net, streams, timers)";
    return "builtins / native";
  };

  // self time: the interval after each sample belongs to that sample's node
  const self = new Map(), incl = new Map(), cats = new Map();
  let total = 0, busy = 0;
  const { samples, timeDeltas } = p;
  for (let i = 0; i < samples.length; i++) {
    const dt = (timeDeltas[i + 1] ?? 0) / 1000; // ms
    const n = byId.get(samples[i]);
    total += dt;
    const cat = categoryOf(n);
    cats.set(cat, (cats.get(cat) ?? 0) + dt);
    if (n.callFrame.functionName === "(idle)") continue;
    busy += dt;
    const k = keyOf(n);
    self.set(k, (self.get(k) ?? 0) + dt);
    const seen = new Set();
    for (let id = samples[i]; id !== undefined; id = parent.get(id)) {
      const kk = keyOf(byId.get(id));
      if (seen.has(kk)) continue;
      seen.add(kk);
      incl.set(kk, (incl.get(kk) ?? 0) + dt);
    }
  }

  const pct = (x, of) => `${((100 * x) / of).toFixed(1).padStart(5)}%`;
  console.log(`\n=== ${label}: ${total.toFixed(0)} ms sampled, ${busy.toFixed(0)} ms not idle ===`);
  console.log("\nby category (% of non-idle time):");
  for (const [c, t] of [...cats].sort((a, b) => b[1] - a[1])) {
    console.log(`  ${c.startsWith("idle") ? "   -  " : pct(t, busy)}  ${t.toFixed(0).padStart(6)} ms  ${c}`);
  }
  console.log(`\ntop ${TOP} by self time (% of non-idle):`);
  for (const [k, t] of [...self].sort((a, b) => b[1] - a[1]).slice(0, TOP)) {
    console.log(`  ${pct(t, busy)}  ${t.toFixed(1).padStart(7)} ms  ${k}`);
  }
  console.log("\ntsbinder functions by inclusive time (% of non-idle):");
  for (const [k, t] of [...incl].filter(([k]) => k.includes("dist/")).sort((a, b) => b[1] - a[1]).slice(0, TOP)) {
    console.log(`  ${pct(t, busy)}  ${t.toFixed(1).padStart(7)} ms  ${k}`);
  }
}
