// Round trips between the main thread and a worker thread over the MessagePort transport:
// the SharedArrayBuffer ring against plain postMessage, for a tsbinder null call and for raw
// bytes on the same transport connection (no tsbinder), with a bare postMessage ping-pong as
// the floor of the message path. Uses the BUILT package (npm run build first).
//   node bench/worker.mjs [--iterations N] [--warmup N] [--block N]
// Cases run in interleaved blocks (default 500 round trips) so that load changes hit all alike.
// Prints one line per case (median / p99 / mean microseconds per round trip) and a JSON line.
import { Worker, isMainThread, parentPort, workerData } from "node:worker_threads";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { performance } from "node:perf_hooks";
import { availableParallelism, loadavg } from "node:os";
import { BENCH_DESCRIPTOR, CODE_PING, ROOT, loadDist } from "./common.mjs";

async function loadTransports() {
  const f = join(ROOT, "dist", "src", "transport.js");
  if (!existsSync(f)) {
    console.error("bench: dist/src/transport.js is missing. Build the package first: npm run build");
    process.exit(2);
  }
  return import(pathToFileURL(f).href);
}

if (!isMainThread) {
  // ---- worker: a bench service and a raw echo listener, on both data paths -----------------
  const { Binder, RpcServer, writeNoException } = await loadDist();
  const { messagePortTransport } = await loadTransports();
  class BenchService extends Binder {
    constructor() { super(BENCH_DESCRIPTOR); }
    onTransact(code, data, reply) {
      if (code !== CODE_PING) return false;
      data.enforceInterface(BENCH_DESCRIPTOR);
      writeNoException(reply);
      return true;
    }
  }
  const { ring, message, floor } = workerData;
  for (const [port, sharedMemory] of [[ring, true], [message, false]]) {
    const t = messagePortTransport(port, { sharedMemory });
    const server = new RpcServer();
    server.setRoot(new BenchService());
    await server.listen(t, "bench");
    await t.listen("raw", (conn) => conn.start({ data: (c) => conn.write(c), end: () => conn.close() }));
  }
  floor.on("message", (buf) => floor.postMessage(buf, [buf]));
  parentPort.postMessage("ready");
} else {
  const args = process.argv.slice(2);
  const opt = (name, dflt) => { const i = args.indexOf(name); return i >= 0 ? Number(args[i + 1]) : dflt; };
  const iterations = opt("--iterations", 20_000);
  const warmup = opt("--warmup", 2_000);
  const block = opt("--block", 500);

  const tsb = await loadDist();
  const { messagePortTransport, sharedMemoryAvailable } = await loadTransports();
  if (!sharedMemoryAvailable()) console.error("bench: SharedArrayBuffer + Atomics.waitAsync unavailable; the ring cases will fall back");
  const ring = new MessageChannel(), message = new MessageChannel(), floor = new MessageChannel();
  const worker = new Worker(fileURLToPath(import.meta.url), {
    workerData: { ring: ring.port2, message: message.port2, floor: floor.port2 },
    transferList: [ring.port2, message.port2, floor.port2],
  });
  await new Promise((resolve, reject) => { worker.once("message", resolve); worker.once("error", reject); });

  // every case gets its connection first; then blocks of each case take turns, so a change
  // in machine load (other processes, CPU frequency) falls on all cases alike
  const cases = [];
  {
    let wake = null;
    floor.port1.on("message", () => wake());
    cases.push({ name: "postMessage ping-pong (floor)", once: () => new Promise((resolve) => {
      wake = resolve;
      const b = new ArrayBuffer(8);
      floor.port1.postMessage(b, [b]);
    }) });
  }
  const transports = [];
  for (const [label, port, sharedMemory] of [["ring", ring.port1, true], ["postMessage", message.port1, false]]) {
    const t = messagePortTransport(port, { sharedMemory });
    transports.push([label, t, sharedMemory]);
    // raw: 8 bytes through a transport connection and back, no tsbinder
    const conn = await t.connect("raw");
    let wake = null;
    conn.start({ data: () => wake(), end: () => {} });
    const payload = new Uint8Array(8);
    cases.push({ name: `raw 8 B, transport (${label})`, once: () => new Promise((resolve) => { wake = resolve; conn.write(payload); }) });
    // raw 64 KiB there and back (the ring copies it through shared memory; postMessage
    // allocates, transfers and frees a buffer per chunk)
    const bigConn = await t.connect("raw");
    let bigWake = null, bigGot = 0;
    const big = new Uint8Array(65536);
    bigConn.start({ data: (c) => { bigGot += c.length; if (bigGot >= big.length) { bigGot = 0; bigWake(); } }, end: () => {} });
    cases.push({ name: `raw 64 KiB, transport (${label})`, once: () => new Promise((resolve) => { bigWake = resolve; bigConn.write(big); }) });
    // tsbinder null call
    const session = await tsb.connectSession(t, "bench");
    const root = await session.getRoot();
    cases.push({ name: `tsbinder null call (${label})`, once: async () => {
      const data = root.newParcel();
      data.writeInterfaceToken(BENCH_DESCRIPTOR);
      const reply = await root.transact(CODE_PING, data);
      data.dispose();
      tsb.readException(reply);
      reply.dispose();
    } });
  }
  for (const [label, t, sharedMemory] of transports) {
    if (t.stats[sharedMemory ? "ring" : "message"] === 0) console.error(`bench: expected the ${label} path, got ${JSON.stringify(t.stats)}`);
  }

  for (const c of cases) for (let i = 0; i < warmup; i++) await c.once();
  const times = cases.map(() => []);
  for (let done = 0; done < iterations; done += block) {
    for (let k = 0; k < cases.length; k++) {
      const once = cases[k].once, t = times[k];
      for (let i = 0; i < Math.min(block, iterations - done); i++) {
        const t0 = performance.now();
        await once();
        t.push(performance.now() - t0);
      }
    }
  }
  const us = (ms) => +(ms * 1000).toFixed(2);
  const results = cases.map((c, k) => {
    const sorted = times[k].sort((a, b) => a - b);
    const n = sorted.length;
    return { name: c.name, median: us(sorted[n >> 1]), p90: us(sorted[Math.floor(n * 0.9)]), p99: us(sorted[Math.floor(n * 0.99)]), mean: us(sorted.reduce((a, b) => a + b, 0) / n) };
  });
  for (const r of results) {
    console.log(`${r.name.padEnd(34)} median ${String(r.median).padStart(7)} us   p90 ${String(r.p90).padStart(7)} us   p99 ${String(r.p99).padStart(8)} us   mean ${String(r.mean).padStart(7)} us`);
  }
  console.log(JSON.stringify({ node: process.version, cpus: availableParallelism(), loadavg: loadavg(), iterations, warmup, block, results }));
  await worker.terminate();
  process.exit(0);
}
