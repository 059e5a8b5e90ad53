// tsbinder benchmark: sequential round-trip latency over a Unix socket, tsbinder against a
// raw length-prefixed echo, the server always a separate node process.
//   npm run bench                      full run, writes bench/results.json
//   npm run bench -- --quick           fewer iterations; writes nothing unless --out is given
// Options:
//   --iterations N --warmup N          override the measured / warm-up round trips (per system)
//   --block N                          round trips per interleaved block (default 1000)
//   --only a,b                         cases to run (null-call, echo-1k)
//   --systems a,b                      systems to run (raw-echo, tsbinder)
//   --version V                        tsbinder wire version to offer (0, 1, 2, r34; default: newest)
//   --out FILE | --no-json             where to write the results (or not at all)
//   --pin same,split                   CPU placements to measure (default same,split; also none)
//   --server-node-args "ARGS"          extra node flags for the server child (e.g. --cpu-prof)
// See bench/README.md for what is measured and how to read it.
import * as net from "node:net";
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { availableParallelism, cpus, loadavg, tmpdir } from "node:os";
import { join, relative } from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { BENCH_DESCRIPTOR, CODE_ECHO, CODE_PING, ROOT, loadDist, rawFramer, rawMessage } from "./common.mjs";

// ---- options ----------------------------------------------------------------------------

function parseArgs(argv) {
  const o = { quick: false, iterations: 0, warmup: 0, block: 0, only: null, systems: null, version: undefined, out: undefined, json: true, serverNodeArgs: [], pin: null };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const [key, inline] = a.includes("=") ? [a.slice(0, a.indexOf("=")), a.slice(a.indexOf("=") + 1)] : [a, undefined];
    const val = () => inline ?? argv[++i];
    switch (key) {
      case "--quick": o.quick = true; break;
      case "--iterations": o.iterations = Number(val()); break;
      case "--warmup": o.warmup = Number(val()); break;
      case "--block": o.block = Number(val()); break;
      case "--only": o.only = val().split(","); break;
      case "--systems": o.systems = val().split(","); break;
      case "--version": { const v = val(); o.version = v === "r34" ? v : Number(v); break; }
      case "--out": o.out = val(); break;
      case "--no-json": o.json = false; break;
      case "--pin": o.pin = val().split(","); break;
      case "--server-node-args": o.serverNodeArgs = val().split(/\s+/).filter(Boolean); break;
      case "--help": case "-h":
        console.log(readHelp());
        process.exit(0);
      default:
        console.error(`bench: unknown option ${a} (see --help)`);
        process.exit(2);
    }
  }
  o.iterations ||= o.quick ? 5_000 : 20_000;
  o.warmup ||= o.quick ? 1_000 : 2_000;
  o.block ||= 1_000;
  if (o.out === undefined && !o.quick) o.out = join(ROOT, "bench", "results.json");
  if (!o.json) o.out = undefined;
  if (o.pin && !o.pin.every((p) => ["none", "same", "split"].includes(p))) { console.error("bench: --pin takes none, same, split"); process.exit(2); }
  return o;
}

function readHelp() {
  return "usage: npm run bench -- [--quick] [--iterations N] [--warmup N] [--block N] [--only null-call,echo-1k]\n" +
    "       [--systems raw-echo,tsbinder] [--version 0|1|2|r34] [--pin same,split,none] [--out FILE | --no-json] [--server-node-args \"...\"]";
}

const opts = parseArgs(process.argv.slice(2));
// read before any pinning: availableParallelism() follows this process's CPU affinity
const CPUS = availableParallelism();

// CPU placement. On a small VM the cost of waking a process on another core dwarfs the
// per-call work, and an unpinned run flips between the two regimes at the scheduler's whim,
// so by default every case is measured twice, pinned with taskset:
//   same   client and server on one CPU: every wakeup is a context switch on one core
//   split  client on one CPU, server on another: every wakeup crosses cores
//   none   the scheduler's choice (bimodal; for comparison only)
const PLACEMENT_NAMES = { same: "same-core", split: "cross-core", none: "unpinned" };
// the CPUs we may use (as started, e.g. under an outer taskset): "same" uses the first,
// "split" the first two; "none" restores the whole list
const affinity = spawnSync("taskset", ["-c", "-p", String(process.pid)], { encoding: "utf8" });
const haveTaskset = affinity.status === 0;
const ALL_CPUS = haveTaskset ? affinity.stdout.trim().split(":").pop().trim() : "";
const cpuList = ALL_CPUS.split(",").flatMap((r) => {
  const [a, b] = r.split("-").map(Number);
  return b === undefined ? [a] : Array.from({ length: b - a + 1 }, (_, i) => a + i);
}).filter((x) => Number.isInteger(x));
const CLIENT_CPU = String(cpuList[0] ?? 0), SERVER_CPU_SPLIT = String(cpuList[1] ?? cpuList[0] ?? 0);
if (!opts.pin) opts.pin = haveTaskset && cpuList.length >= 2 ? ["same", "split"] : ["none"];
if (opts.pin.some((p) => p !== "none") && !haveTaskset) { console.error("bench: --pin same/split needs taskset (util-linux)"); process.exit(2); }
if (opts.pin.includes("split") && cpuList.length < 2) { console.error("bench: --pin split needs two CPUs"); process.exit(2); }

/** Move this process (all its threads) to `cpus`. */
function pinSelf(cpus) {
  if (!haveTaskset) return;
  const r = spawnSync("taskset", ["-a", "-p", "-c", cpus, String(process.pid)]);
  if (r.status !== 0) throw new Error(`taskset failed: ${r.stderr}`);
}
let placement = "none";

const tsb = await loadDist({ warnIfStale: true });

// ---- the server child ---------------------------------------------------------------------

const tmp = mkdtempSync(join(tmpdir(), "tsb-bench-"));
let socketCount = 0;

/** Start `node bench/server.mjs <system> <path>`; resolves once it is listening. */
async function startServer(system) {
  const path = join(tmp, `s${socketCount++}.sock`);
  const script = fileURLToPath(new URL("./server.mjs", import.meta.url));
  const argv = [...opts.serverNodeArgs, script, system, path];
  const child = placement === "none" ? spawn(process.execPath, argv, { stdio: ["pipe", "pipe", "inherit"] })
    : spawn("taskset", ["-c", placement === "same" ? CLIENT_CPU : SERVER_CPU_SPLIT, process.execPath, ...argv], { stdio: ["pipe", "pipe", "inherit"] });
  await new Promise((resolve, reject) => {
    let out = "";
    const onData = (d) => {
      out += d;
      if (out.includes("ready\n")) { child.stdout.off("data", onData); resolve(); }
    };
    child.stdout.on("data", onData);
    child.once("exit", (code) => reject(new Error(`bench server (${system}) exited with ${code} before it was ready`)));
    child.once("error", reject);
  });
  child.removeAllListeners("exit");
  return {
    path,
    /** Ask the child to exit (stdin closes) and wait for it. */
    stop: () => new Promise((resolve) => {
      if (child.exitCode !== null) return resolve();
      child.once("exit", () => resolve());
      child.stdin.end();
    }),
  };
}

// ---- clients ------------------------------------------------------------------------------

/** A raw-echo client: call() sends one message and resolves when it has come back whole. */
async function rawClient(path, payloadBytes) {
  const socket = net.connect({ path });
  await new Promise((resolve, reject) => { socket.once("connect", resolve); socket.once("error", reject); });
  const msg = rawMessage(payloadBytes);
  let waiting = null;
  socket.on("data", rawFramer((m) => {
    if (m.length !== msg.length) throw new Error(`raw echo came back with ${m.length} bytes, sent ${msg.length}`);
    const w = waiting;
    waiting = null;
    w();
  }));
  return {
    bytes: { request: msg.length, reply: msg.length },
    call: () => new Promise((resolve) => { waiting = resolve; socket.write(msg); }),
    close: () => new Promise((resolve) => { socket.once("close", resolve); socket.end(); }),
  };
}

let negotiatedVersion = null;

/** A tsbinder client for one case; `bytes` are the TRANSACT and REPLY frame sizes on the wire. */
async function tsbinderClient(path, kase) {
  const session = await tsb.connectUnix(path, opts.version === undefined ? {} : { version: opts.version });
  negotiatedVersion = session.protocolVersion;
  const root = await session.getRoot();
  if (!root) throw new Error("the bench server has no root object");
  let call;
  if (kase.name === "null-call") {
    call = async () => {
      const data = root.newParcel();
      data.writeInterfaceToken(BENCH_DESCRIPTOR);
      const reply = await root.transact(CODE_PING, data);
      data.dispose();
      try { reply.readException(); } finally { reply.dispose(); }
    };
  } else {
    const text = kase.text;
    call = async () => {
      const data = root.newParcel();
      data.writeInterfaceToken(BENCH_DESCRIPTOR);
      data.writeString16(text);
      const reply = await root.transact(CODE_ECHO, data);
      data.dispose();
      try {
        reply.readException();
        if (reply.readString16() !== text) throw new Error("echo came back different");
      } finally { reply.dispose(); }
    };
  }
  const bytes = await frameSizes(session, call);
  return {
    bytes,
    call,
    close: async () => { root.dispose?.(); session.shutdown(); },
  };
}

/** Bytes one call puts on the wire each way, seen at the session's sockets (reaches into the
 *  Node adapter's connection for its net.Socket; NaN if that ever stops working). */
async function frameSizes(session, call) {
  const sockets = session.connections.map((c) => c.transport.socket).filter(Boolean);
  if (sockets.length === 0) return { request: NaN, reply: NaN };
  const before = sockets.map((s) => [s.bytesWritten, s.bytesRead]);
  await call();
  // bytesRead counts what the socket has delivered by the time the reply resolved
  let request = 0, reply = 0;
  sockets.forEach((s, i) => { request += s.bytesWritten - before[i][0]; reply += s.bytesRead - before[i][1]; });
  return { request, reply };
}

// ---- measurement --------------------------------------------------------------------------

/**
 * Measure the clients of one case together, in interleaved blocks (client A for a block of
 * calls, then B, then C, rotating the order each round), so a noisy neighbour or a CPU
 * frequency change hits every system alike instead of whichever happened to run then.
 */
async function measureInterleaved(clients) {
  for (const c of clients) for (let i = 0; i < opts.warmup; i++) await c.call();
  const n = opts.iterations;
  const block = Math.max(1, Math.min(opts.block, n));
  const state = clients.map(() => ({ samples: new Float64Array(n), done: 0, wall: 0 }));
  for (let round = 0; state.some((s) => s.done < n); round++) {
    for (let k = 0; k < clients.length; k++) {
      const j = (k + round) % clients.length;
      const c = clients[j], s = state[j];
      const upto = Math.min(n, s.done + block);
      const start = performance.now();
      for (let i = s.done; i < upto; i++) {
        const t = performance.now();
        await c.call();
        s.samples[i] = performance.now() - t;
      }
      s.wall += performance.now() - start;
      s.done = upto;
    }
  }
  return state.map((s) => summarize(s.samples, s.wall));
}

function summarize(samples, wallMs) {
  const n = samples.length;
  samples.sort();
  const q = (p) => samples[Math.min(n - 1, Math.ceil(p * n) - 1)] * 1000;
  let sum = 0;
  for (const x of samples) sum += x;
  return {
    p50_us: round(q(0.5)), p90_us: round(q(0.9)), p99_us: round(q(0.99)), max_us: round(samples[n - 1] * 1000),
    mean_us: round((sum / n) * 1000), ops_per_s: Math.round(n / (wallMs / 1000)),
  };
}
const round = (x) => Math.round(x * 10) / 10;

// ---- cases --------------------------------------------------------------------------------

// 512 ASCII chars: 1,024 bytes of UTF-16 (the parcel adds a 4-byte length and a 2-byte NUL,
// padded to 4: 1,032 bytes for the string)
const ECHO_TEXT = "0123456789abcdef".repeat(32);

const CASES = [
  // raw baselines: 5 payload bytes (as small as a message gets), and the tsbinder request
  // frame size (same bytes on the wire as the TRANSACT; the raw reply is as big as the request)
  { name: "null-call", rawPayloads: [5, "frame"] },
  { name: "echo-1k", text: ECHO_TEXT, rawPayloads: [1024, "frame"] },
];

const results = [];
const ratios = [];
const wanted = (list, x) => !list || list.includes(x);

async function runCase(kase) {
  const servers = [];
  const clients = []; // { system, baseline?, payload_bytes?, client }
  try {
    // the tsbinder client comes first: its frame size sets the frame-matched raw baseline
    const tServer = await startServer("tsbinder");
    servers.push(tServer);
    const tClient = await tsbinderClient(tServer.path, kase);
    if (wanted(opts.systems, "tsbinder")) clients.push({ system: "tsbinder", client: tClient });
    if (wanted(opts.systems, "raw-echo")) {
      const rServer = await startServer("raw");
      servers.push(rServer);
      for (const p of kase.rawPayloads) {
        if (p === "frame" && !Number.isFinite(tClient.bytes.request)) {
          console.error("bench: could not see tsbinder's frame size at the socket; skipping the frame-sized baseline");
          continue;
        }
        const payload = p === "frame" ? tClient.bytes.request - 4 : p;
        clients.push({ system: "raw-echo", baseline: p === "frame" ? "frame-sized" : `${p} B`, payload_bytes: payload, client: await rawClient(rServer.path, payload) });
      }
    }
    const stats = await measureInterleaved(clients.map((c) => c.client));
    const rows = clients.map(({ client, ...meta }, i) => ({ ...meta, bytes: client.bytes, ...stats[i] }));
    for (const { bytes, ...rest } of rows) {
      results.push({ runtime: "node", transport: "unix", placement: PLACEMENT_NAMES[placement], case: kase.name, ...rest, request_bytes: bytes.request, reply_bytes: bytes.reply, iterations: opts.iterations });
    }
    const t = rows.find((r) => r.system === "tsbinder");
    if (t) {
      for (const r of rows.filter((x) => x.system === "raw-echo")) {
        ratios.push({
          runtime: "node", transport: "unix", placement: PLACEMENT_NAMES[placement], case: kase.name, baseline: `raw-echo ${r.baseline}`,
          p50_ratio: round2(t.p50_us / r.p50_us), p99_ratio: round2(t.p99_us / r.p99_us), ops_ratio: round2(t.ops_per_s / r.ops_per_s),
        });
      }
    }
    await tClient.close();
    for (const c of clients) if (c.client !== tClient) await c.client.close();
  } finally {
    for (const s of servers) await s.stop();
  }
}
const round2 = (x) => Math.round(x * 100) / 100;

// ---- run ----------------------------------------------------------------------------------

const t0 = performance.now();
const loadAtStart = loadavg().map((x) => round2(x));
console.log(`tsbinder bench: node ${process.version}, ${CPUS} cpus, ` +
  `${opts.warmup} warm-up + ${opts.iterations} measured round trips per row${opts.quick ? " (quick)" : ""}`);
try {
  for (const p of opts.pin) {
    placement = p;
    pinSelf(p === "none" ? ALL_CPUS : CLIENT_CPU);
    for (const kase of CASES) if (wanted(opts.only, kase.name)) await runCase(kase);
  }
} finally {
  rmSync(tmp, { recursive: true, force: true });
}

printTable();
if (opts.out) {
  const doc = {
    machine: {
      cpus: CPUS, cpu_model: cpus()[0]?.model ?? "unknown", node: process.version,
      platform: `${process.platform}-${process.arch}`, loadavg_at_start: loadAtStart,
    },
    date: new Date().toISOString(),
    settings: { placements: opts.pin.map((p) => PLACEMENT_NAMES[p]), block: opts.block, warmup: opts.warmup, iterations: opts.iterations, wire_version: negotiatedVersion, echo_text_utf16_bytes: ECHO_TEXT.length * 2 },
    results,
    ratios,
  };
  writeFileSync(opts.out, JSON.stringify(doc, null, 2) + "\n");
  console.log(`\nwrote ${relative(process.cwd(), opts.out) || opts.out}`);
}
console.log(`(${((performance.now() - t0) / 1000).toFixed(1)} s)`);

function printTable() {
  const head = ["placement", "case", "system", "req/reply B", "p50 µs", "p90 µs", "p99 µs", "mean µs", "ops/s"];
  const body = results.map((r) => [
    r.placement, r.case, r.system === "raw-echo" ? `raw-echo (${r.baseline})` : r.system, `${r.request_bytes}/${r.reply_bytes}`,
    r.p50_us.toFixed(1), r.p90_us.toFixed(1), r.p99_us.toFixed(1), r.mean_us.toFixed(1), String(r.ops_per_s),
  ]);
  table(head, body);
  if (ratios.length) {
    console.log("");
    table(["placement", "case", "tsbinder vs", "p50 ×", "p99 ×", "ops/s ×"],
      ratios.map((r) => [r.placement, r.case, r.baseline, r.p50_ratio.toFixed(2), r.p99_ratio.toFixed(2), r.ops_ratio.toFixed(2)]));
  }
}

function table(head, body) {
  const w = head.map((h, i) => Math.max(h.length, ...body.map((row) => row[i].length)));
  const line = (row) => row.map((c, i) => (i < 3 ? c.padEnd(w[i]) : c.padStart(w[i]))).join("  ");
  console.log("\n" + line(head));
  console.log(w.map((n) => "-".repeat(n)).join("  "));
  for (const row of body) console.log(line(row));
}
