// tsbinder benchmark: tsbinder against the floor (a raw echo on the same socket type and
// runtime) and against its peers (grpc-js, capnweb), plus the in-process parcel against a
// pure-JS DataView baseline. Servers and clients are separate processes, pinned with taskset.
//   npm run bench                 full run: prints the tables, writes bench/results.json and bench/RESULTS.md
//   npm run bench -- --quick      short run (under 2 minutes on 2 cores), writes nothing by default
//   npm run bench -- --help       options (suites, cases, systems, runtimes, placements)
// See bench/README.md for what is measured and how to read it.
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { availableParallelism, cpus, loadavg, tmpdir } from "node:os";
import { join, relative } from "node:path";
import { ROOT, warnIfStale } from "./common.mjs";
import { parseArgs, settingsFor } from "./lib/args.mjs";
import { allowedCpus, haveRuntime, runClient, runtimeVersion, startServer } from "./lib/proc.mjs";
import { computeRatios, computeTargets, markdown, printTables } from "./lib/report.mjs";
import { round2 } from "./lib/stats.mjs";
import { runSessions } from "./lib/sessions.mjs";

const opts = parseArgs(process.argv.slice(2));
const S = settingsFor(opts);
if (!opts.quick) {
  opts.out ??= join(ROOT, "bench", "results.json");
  opts.md ??= join(ROOT, "bench", "RESULTS.md");
}
if (!opts.json) { opts.out = undefined; opts.md = undefined; }
const CPUS = availableParallelism();
const want = (list, x) => !list || list.includes(x);

// warn when dist/ is older than the sources it is built from
const distIndex = join(process.env.TSB_BENCH_DIST || join(ROOT, "dist"), "src", "index.js");
if (!existsSync(distIndex)) { console.error("bench: dist/ is missing. Build the package first: npm run build"); process.exit(2); }
if (!process.env.TSB_BENCH_DIST) warnIfStale();

// ---- CPU placement ---------------------------------------------------------------------------
// same:  client and server on one CPU (every wakeup is a context switch on that core; closest to
//        the CPU work per call: judge overhead here)
// split: client on one CPU, server on another (every wakeup crosses cores)
// none:  the scheduler's choice
const cpuList = allowedCpus();
if (!opts.pin) opts.pin = cpuList && cpuList.length >= 2 ? ["same", "split"] : ["none"];
if (opts.pin.some((p) => p !== "none") && !cpuList) { console.error("bench: --pin same/split needs taskset (util-linux)"); process.exit(2); }
if (opts.pin.includes("split") && cpuList.length < 2) { console.error("bench: --pin split needs two CPUs"); process.exit(2); }
const PLACEMENT = { same: "same-core", split: "cross-core", none: "unpinned" };
const cpusOf = (pin) => {
  if (pin === "none") return { client: undefined, server: undefined };
  const a = String(cpuList[0]), b = String(cpuList[1] ?? cpuList[0]);
  return { client: a, server: pin === "same" ? a : b };
};

// ---- scratch directory, TLS certificate ------------------------------------------------------
const tmp = mkdtempSync(join(tmpdir(), "tsb-bench-"));
let sockets = 0;
const sock = () => join(tmp, `s${sockets++}.sock`);
let tlsDir = null;
try {
  execFileSync("openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "1", "-subj", "/CN=localhost",
    "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1", "-keyout", join(tmp, "key.pem"), "-out", join(tmp, "cert.pem")], { stdio: "ignore" });
  tlsDir = tmp;
} catch { console.error("bench: openssl failed; skipping the TLS rows"); }

// ---- helpers ---------------------------------------------------------------------------------
const results = [];
const t0 = performance.now();
const progress = (what) => process.stderr.write(`[${((performance.now() - t0) / 1000).toFixed(0).padStart(4)} s] ${what}\n`);

/** Start servers, run `fn(servers)`, stop them. */
async function withServers(specs, pin, fn) {
  const servers = [];
  try {
    for (const s of specs) {
      const runtime = s.runtime ?? "node";
      servers.push(await startServer({
        runtime, system: s.system, transport: s.transport, address: sock(), cpus: cpusOf(pin).server,
        opts: { ...(s.opts ?? {}), ...(s.transport === "tls" ? { tlsDir } : {}) }, nodeArgs: runtime === "node" ? opts.serverNodeArgs : [],
      }));
    }
    return await fn(servers);
  } finally {
    for (const s of servers) await s.stop();
  }
}

const client = (runtime, job, pin) => runClient({
  runtime, cpus: cpusOf(pin).client, job: { ...job, ...(tlsDir ? { tlsDir } : {}) }, nodeArgs: runtime === "node" ? opts.clientNodeArgs : [],
});
const keep = (rows, pin) => { for (const r of rows) results.push(pin ? { ...r, placement: PLACEMENT[pin] } : r); return rows; };
/** Which systems share a client process. tsbinder and the raw echo rows take turns in blocks in
 *  one process (their ratios are the targets, so they see the same process state); every
 *  other system gets a process of its own. Systems in one process affect each other: the block
 *  after grpc-js's always ran slower (its garbage and timers), which put the row that follows
 *  it in the rotation 15-20% down (inflight-64, 4 connections: 0.59-0.64 of the raw echo with
 *  grpc-js beside it, 0.73-0.80 without). Returns groups of indexes into `systems`. */
function clientGroups(systems) {
  const ours = (s) => s.system === "tsbinder" || s.system === "raw-echo";
  const idx = systems.map((_, i) => i);
  return [idx.filter((i) => ours(systems[i])), ...idx.filter((i) => !ours(systems[i])).map((i) => [i])].filter((g) => g.length);
}
/** Run `job` for `specs` (their job entries: `jobSystems`), one client process per group. */
async function runGrouped(runtime, specs, jobSystems, job, pin) {
  for (const group of clientGroups(specs)) keep(await client(runtime, { ...job, systems: group.map((i) => jobSystems[i]) }, pin), pin);
}
const LAT_CASES = ["null-call", "echo-1k", "bytes-64k", "bytes-1m"].filter((c) => want(opts.cases, c));

/** Sequential latency of `cases` for `systems` ([{system, transport, runtime?, variant?}]). */
async function latency(runtime, cases, specs, pin) {
  specs = specs.filter((s) => want(opts.systems, s.system));
  if (!specs.length) return;
  for (const kase of cases) {
    const systems = specs.filter((s) => !s.cases || s.cases.includes(kase)); // (a spec may name its cases)
    progress(`${runtime} ${[...new Set(systems.map((s) => s.transport))].join("+")} ${PLACEMENT[pin]} ${kase}: ${systems.map((s) => s.variant ? `${s.system}/${s.variant}` : s.system).join(", ")}`);
    await withServers(systems, pin, async (servers) => {
      const jobSystems = systems.map((s, i) => ({ system: s.system, transport: s.transport, address: servers[i].address, ...(s.variant ? { variant: s.variant } : {}), ...(s.libc ? { libc: s.libc } : {}), ...(s.client ?? {}) }));
      await runGrouped(runtime, systems, jobSystems, { module: "latency", case: kase, ...S.lat(kase) }, pin);
    });
  }
}

/** The raw echo that writes bytes back as they arrive, not whole messages (systems/raw-echo.mjs):
 *  shown beside the floor, not used for the targets. */
const STREAMING_ECHO = (runtime, transport) => ({ system: "raw-echo", transport, runtime, variant: "streaming: bytes echoed as they arrive", opts: { streaming: true } });
/** The raw echo whose server and client each copy what they receive into new memory, as an RPC
 *  that hands byte[] to its handler and its caller must (systems/raw-echo.mjs): the byte[]
 *  cases only, shown beside the floor, not used for the targets. */
const OWNED_ECHO = (runtime, transport) => ({ system: "raw-echo", transport, runtime, variant: "owned: each side copies what it receives into new memory", opts: { owned: true }, client: { owned: true }, cases: ["bytes-64k", "bytes-1m"] });

// ---- suites ----------------------------------------------------------------------------------
/** `runtime` is asked for (--runtimes) and installed (a missing one is said, and skipped). */
function runtimeWanted(runtime) {
  if (!want(opts.runtimes, runtime)) return false;
  if (!haveRuntime(runtime)) { progress(`${runtime} is not installed; skipping`); return false; }
  return true;
}

const suites = {
  /** Node over Unix sockets, all cases, all systems. */
  async latency(pin) {
    await latency("node", LAT_CASES, [
      { system: "tsbinder", transport: "unix" }, { system: "raw-echo", transport: "unix" }, STREAMING_ECHO("node", "unix"), OWNED_ECHO("node", "unix"), { system: "grpc-js", transport: "unix" },
      { system: "capnweb", transport: "unix", variant: "unix socket, custom transport" }, { system: "capnweb", transport: "ws", variant: "WebSocket (ws), localhost" },
    ], pin);
  },
  /** The runtime × transport columns: tsbinder against the raw echo of the same runtime and socket. */
  async columns(pin) {
    const cases = LAT_CASES.filter((c) => c !== "bytes-1m");
    const cols = [["node", "tcp"], ["node", "tls"], ["deno", "unix"], ["deno", "tcp"], ["bun", "unix"], ["bun", "tcp"]];
    for (const [runtime, transport] of cols) {
      if (!runtimeWanted(runtime)) continue;
      if (transport === "tls" && !tlsDir) continue;
      const systems = [{ system: "tsbinder", transport, runtime }, { system: "raw-echo", transport, runtime }, STREAMING_ECHO(runtime, transport), OWNED_ECHO(runtime, transport)];
      // Deno on Unix sockets, as the adapter picks them: with --allow-ffi (the bench runs with
      // -A) Deno's node:net sockets, SO_PEERCRED read through FFI: the main row. Beside it,
      // Deno.connect sockets (the choice without FFI: anonymous peers, no fds) and libc
      // sockets (what a session that passes fds gets: one thread hop per read). The floor is
      // the raw echo over Deno.connect, the fastest sockets Deno has.
      if (runtime === "deno" && transport === "unix") {
        systems[0] = { ...systems[0], libc: "net", opts: { libc: "net" } };
        systems.push({ system: "tsbinder", transport, runtime, variant: "Deno.connect sockets: the choice without --allow-ffi, anonymous peers" });
        systems.push({ system: "tsbinder", transport, runtime, variant: "libc sockets via FFI: peer credentials, fds", libc: "ffi", opts: { libc: "ffi" } });
      }
      await latency(runtime, cases, systems, pin);
    }
  },
  async worker(pin) {
    const cases = LAT_CASES.filter((c) => c === "null-call" || c === "echo-1k");
    if (!cases.length) return;
    progress(`node worker ${PLACEMENT[pin]}: ${cases.join(", ")}`);
    const c = cpusOf(pin);
    const cpus = pin === "split" ? `${c.client},${c.server}` : c.client;
    keep(await runClient({ runtime: "node", cpus, job: { module: "worker", cases, ...S.worker } }), pin);
  },
  async inflight(pin) {
    progress(`node unix ${PLACEMENT[pin]} inflight-64`);
    const specs = [
      { system: "tsbinder", transport: "unix", opts: { maxThreads: 4 }, connections: 4 },
      { system: "tsbinder", transport: "unix", opts: { maxThreads: 8 }, connections: 8 },
      { system: "tsbinder", transport: "unix", opts: { maxThreads: 16 }, connections: 16 },
      { system: "raw-echo", transport: "unix", connections: 4 }, { system: "raw-echo", transport: "unix", connections: 8 },
      { system: "raw-echo", transport: "unix", connections: 16 },
      { system: "raw-echo", transport: "unix", connections: 8, lockstep: true }, { system: "raw-echo", transport: "unix", connections: 16, lockstep: true },
      { system: "grpc-js", transport: "unix", connections: 1 },
    ].filter((s) => want(opts.systems, s.system));
    await withServers(specs, pin, async (servers) => {
      const jobSystems = specs.map((s, i) => ({ system: s.system, transport: s.transport, address: servers[i].address, connections: s.connections, ...(s.lockstep ? { lockstep: true } : {}) }));
      await runGrouped("node", specs, jobSystems, { module: "inflight", inflight: 64, ...S.inflight }, pin);
    });
  },
  async callback(pin) {
    progress(`node unix ${PLACEMENT[pin]} callback`);
    await withServers([{ system: "tsbinder", transport: "unix" }], pin, async ([s]) => keep(await client("node", { module: "callback", transport: "unix", address: s.address, ...S.callback }, pin), pin));
  },
  async oneway(pin) {
    progress(`node unix ${PLACEMENT[pin]} oneway`);
    await withServers([{ system: "tsbinder", transport: "unix" }], pin, async ([s]) => keep(await client("node", { module: "oneway", transport: "unix", address: s.address, ...S.oneway }, pin), pin));
  },
  async death(pin) {
    if (pin === "split") return; // one process: only one placement means anything
    progress(`node unix death`);
    keep(await client("node", { module: "death", dir: tmp, ...S.death }, pin), pin);
  },
  async binders(pin) {
    if (pin === "split") return; // memory does not depend on placement
    progress(`node unix binders-10k`);
    await withServers([{ system: "tsbinder", transport: "unix" }], pin, async ([s]) => keep(await client("node", { module: "binders", transport: "unix", address: s.address, ...S.binders }, pin), pin));
  },
  async parcel(pin) {
    if (pin === "split") return; // in-process
    // every runtime: the wasm boundary costs differ per engine (a JSC wasm call costs about
    // twice V8's), so "no slower than the DataView baseline" is checked on each
    for (const runtime of ["node", "deno", "bun"]) {
      if (!runtimeWanted(runtime)) continue;
      progress(`${runtime} in-process parcel: wasm Parcel vs dataview-baseline`);
      keep(await client(runtime, { module: "parcel", cases: ["null-call", ...LAT_CASES.filter((c) => c !== "null-call")], ...S.parcel }, pin), null);
    }
  },
};

const loadStart = loadavg().map(round2);
console.log(`tsbinder bench: node ${process.version}, ${CPUS} cpus, load ${loadStart.join(" ")}${opts.quick ? " (quick)" : ""}; placements ${opts.pin.map((p) => PLACEMENT[p]).join(", ")}`);
try {
  for (const pin of opts.pin) {
    for (const name of ["latency", "columns", "worker", "inflight", "callback", "oneway", "death", "binders", "parcel"]) {
      if (want(opts.only, name)) await suites[name](pin);
    }
  }
  if (want(opts.only, "sessions")) {
    progress(`node unix sessions-1k (${S.sessions.processes} client processes, unpinned)`);
    await withServers([{ system: "tsbinder", transport: "unix" }], "none", async ([s]) => keep([await runSessions(s.address, S.sessions)], null));
  }
} finally {
  rmSync(tmp, { recursive: true, force: true });
}

const ratios = computeRatios(results);
const doc = {
  machine: {
    cpus: CPUS, cpu_model: cpus()[0]?.model ?? "unknown", node: process.version, deno: runtimeVersion("deno"), bun: runtimeVersion("bun"),
    platform: `${process.platform}-${process.arch}`, loadavg_at_start: loadStart, loadavg_at_end: loadavg().map(round2),
  },
  date: new Date().toISOString(),
  settings: { quick: opts.quick, placements: opts.pin.map((p) => PLACEMENT[p]), latency: Object.fromEntries(["null-call", "echo-1k", "bytes-64k", "bytes-1m"].map((c) => [c, S.lat(c)])), inflight: S.inflight, callback: S.callback, oneway: S.oneway, death: S.death, sessions: S.sessions, parcel: S.parcel, wire_version: "newest", micro_bench: "tinybench" },
  results,
  ratios,
  targets: computeTargets(results, ratios),
};
printTables(doc);
if (opts.out) { writeFileSync(opts.out, JSON.stringify({ ...doc, results: results.map(shape) }, null, 2) + "\n"); console.log(`\nwrote ${relative(process.cwd(), opts.out)}`); }
if (opts.md) { writeFileSync(opts.md, markdown(doc)); console.log(`wrote ${relative(process.cwd(), opts.md)}`); }
console.log(`(${((performance.now() - t0) / 1000).toFixed(0)} s; load average at the end ${doc.machine.loadavg_at_end.join(" ")})`);

/** A result row as results.json has it: the issue's fields (those that apply) first, anything
 *  else a case measured (p90, mean, memory, counts...) under `extra`. capnweb's WebSocket row
 *  is TCP; in-process rows have no transport. */
function shape(r) {
  const KEYS = ["runtime", "transport", "case", "system", "variant", "p50_us", "p99_us", "ops_per_s", "mb_per_s", "placement"];
  const out = {}, extra = {};
  for (const [k, v] of Object.entries(r)) if (v !== undefined) (KEYS.includes(k) ? out : extra)[k] = v;
  if (out.transport === "ws") out.transport = "tcp";
  if (out.transport === "in-process") delete out.transport;
  return Object.keys(extra).length ? { ...out, extra } : out;
}
