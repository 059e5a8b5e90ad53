// npm run load -- [options]: many clients against one server process, counting what a server
// under load must never do: lose a call, reorder a client's oneways, end a well-behaved
// session, or let its memory grow past its budgets. Node only; runs the built package (dist/).
//   --clients N   concurrent client sessions (default 1000)
//   --calls N     calls per ordinary client (default 1000)
//   --procs N     client processes the clients are spread over (default 4)
//   --burst N     oneways in one burst, sent by every 10th client (default 10000)
//   --slow N      raw clients that ask for 1 MiB replies and read them slowly (default 20)
//   --out FILE    write the result as JSON (default bench/load-results.json)
// Each ordinary client makes `calls` calls: two-way pings and echoes (64 B to 4 KiB) with
// in-order oneways between them, then asks the server how many of its oneways arrived and how
// many out of order. Every 10th client also sends one burst of `burst` oneways through the
// normal client API, as fast as it can. The slow readers speak the wire by hand: they ask for
// 16 replies of 1 MiB each, all at once, then read them a little at a time.
import { fork } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as net from "node:net";
import { ROOT, loadDist } from "./common.mjs";
import { parseArgs } from "node:util";

const DESCRIPTOR = "tsbinder.bench.ILoad";
const CODE = { PING: 1, ECHO: 2, ONEWAY: 3, CHECK: 4, BIG: 5 };
const MiB = 1024 * 1024;

const { values: opt } = parseArgs({
  options: {
    role: { type: "string", default: "main" },
    path: { type: "string" },
    clients: { type: "string", default: "1000" },
    calls: { type: "string", default: "1000" },
    procs: { type: "string", default: "4" },
    burst: { type: "string", default: "10000" },
    slow: { type: "string", default: "20" },
    from: { type: "string", default: "0" },
    to: { type: "string", default: "0" },
    out: { type: "string", default: join(ROOT, "bench", "load-results.json") },
  },
});
const num = (k) => Number(opt[k]);

// ---------------------------------------------------------------- server process
async function server() {
  const t = await loadDist();
  const none = () => {};
  class Load extends t.Binder {
    constructor() { super(DESCRIPTOR); this.seen = new Map(); }
    onTransact(code, data, reply) {
      if (code === CODE.BIG) { // no interface token: the raw clients send only the size
        const n = data.readInt32();
        return t.dispatchCall(reply, async () => new Uint8Array(n).fill(n & 0xff), (r, v) => r.writeByteArray(v));
      }
      data.enforceInterface(DESCRIPTOR);
      switch (code) {
        case CODE.PING: return t.dispatchCall(reply, async () => {}, none);
        case CODE.ECHO: { const b = data.readByteArray(); return t.dispatchCall(reply, async () => b, (r, v) => r.writeByteArray(v)); }
        case CODE.ONEWAY: {
          const client = data.readInt32(), seq = data.readInt32();
          return t.dispatchOneway(async () => {
            const s = this.seen.get(client) ?? { next: 0, received: 0, outOfOrder: 0 };
            if (seq !== s.next) s.outOfOrder++;
            s.next = seq + 1;
            s.received++;
            this.seen.set(client, s);
          });
        }
        case CODE.CHECK: {
          const client = data.readInt32();
          return t.dispatchCall(reply, async () => {
            const s = this.seen.get(client) ?? { received: 0, outOfOrder: 0 };
            this.seen.delete(client);
            return [s.received, s.outOfOrder];
          }, (r, v) => r.writeInt32Array(v));
        }
        default: return false;
      }
    }
  }
  const logged = [];
  const srv = await t.listenUnix(opt.path, { maxThreads: 1, logger: { warn: (m) => { if (logged.length < 50) logged.push(m); } } });
  srv.setRoot(new Load());
  let peak = 0;
  const sample = () => { peak = Math.max(peak, process.memoryUsage().rss); };
  const timer = setInterval(sample, 20);
  process.on("message", (m) => {
    if (m === "rss") { sample(); process.send({ rss: process.memoryUsage().rss, peak, logged }); }
    if (m === "stop") { clearInterval(timer); srv.shutdown().then(() => process.exit(0)); }
  });
  sample();
  process.send({ ready: true, rss: process.memoryUsage().rss });
}

// ---------------------------------------------------------------- client processes
async function ordinaryClient(t, id, calls, burst) {
  const out = { calls: 0, lost: 0, oneways: 0, reordered: 0, missing: 0, killed: 0 };
  let session;
  try {
    session = await t.connectUnix(opt.path);
    const root = await session.getRoot();
    const payload = new Uint8Array(64 + (id % 64) * 63).fill(id & 0xff);
    let seq = 0;
    const oneway = () => { out.oneways++; out.calls++; return t.transactOneway(root, DESCRIPTOR, CODE.ONEWAY, t.FLAG_ONEWAY, (d) => { d.writeInt32(id); d.writeInt32(seq++); }); };
    for (let i = 0; i < calls; i++) {
      const k = i % 5;
      try {
        if (k === 0) await oneway();
        else if (k === 1 || k === 3) { await t.transactCall(root, DESCRIPTOR, CODE.PING, 0, () => {}, () => {}); out.calls++; }
        else {
          await t.transactCall(root, DESCRIPTOR, CODE.ECHO, 0, (d) => d.writeByteArray(payload), (r) => {
            const b = r.readByteArray();
            if (b.length !== payload.length || b[b.length - 1] !== payload[0]) throw new Error("echo came back different");
          });
          out.calls++;
        }
      } catch { out.lost++; }
    }
    if (burst) {
      // a burst through the normal API, nothing awaited until the end: the client must wait
      // for the connection (not grow without bound, not be disconnected)
      const sent = [];
      for (let i = 0; i < burst; i++) sent.push(oneway().catch(() => { out.lost++; }));
      await Promise.all(sent);
    }
    const [received, outOfOrder] = await t.transactCall(root, DESCRIPTOR, CODE.CHECK, 0, (d) => d.writeInt32(id), (r) => r.readInt32Array());
    out.reordered += outOfOrder;
    out.missing += out.oneways - received;
  } catch (e) {
    out.killed++;
    out.error = String(e?.message ?? e);
  } finally {
    try { await session?.shutdown(); } catch { /* already ended */ }
  }
  return out;
}

/** A client that asks for 16 replies of 1 MiB at once and then reads them slowly: the server
 *  must hold back (stop reading this client) rather than buffer every reply. */
async function slowReader(t, structs) {
  const out = { calls: 0, lost: 0, bytes: 0 };
  const s = await new Promise((resolve, reject) => { const c = net.connect({ path: opt.path }, () => resolve(c)); c.once("error", reject); });
  let buf = Buffer.alloc(0);
  let wake = null;
  s.on("data", (d) => { buf = buf.length ? Buffer.concat([buf, d]) : d; s.pause(); setTimeout(() => s.resume(), 5); wake?.(); });
  s.on("close", () => wake?.());
  s.on("error", () => {});
  const read = async (n) => {
    while (buf.length < n) { if (s.destroyed) throw new Error("closed"); await new Promise((r) => { wake = r; }); }
    const b = buf.subarray(0, n); buf = buf.subarray(n); return b;
  };
  const transact = (address, code, data) => {
    const tx = structs.encodeTransaction(1, { address, code, flags: 0, asyncNumber: 0n, parcelDataSize: data.length });
    s.write(Buffer.concat([structs.encodeWireHeader(structs.Command.TRANSACT, tx.length + data.length), tx, data]));
  };
  const readReply = async () => {
    for (;;) {
      const h = await read(16);
      const body = await read(h.readUInt32LE(4));
      if (h.readUInt32LE(0) === structs.Command.REPLY) return body;
    }
  };
  try {
    s.write(structs.encodeConnectionHeader({ version: 1, options: 0, fdMode: 0, sessionId: null }));
    s.write(structs.encodeConnectionInit());
    await read(8);
    transact({ options: 0, id: 0 }, structs.SpecialTransaction.GET_ROOT, new Uint8Array(0));
    const r = await readReply();
    const root = { options: r.readUInt32LE(24), id: r.readUInt32LE(28) };
    const arg = Buffer.alloc(4); arg.writeInt32LE(MiB);
    for (let i = 0; i < 16; i++) transact(root, CODE.BIG, arg);
    for (let i = 0; i < 16; i++) {
      const body = await readReply();
      const status = body.readInt32LE(0), len = body.readInt32LE(24);
      if (status !== 0 || body.readInt32LE(20) !== 0 || len !== MiB) out.lost++;
      else { out.calls++; out.bytes += len; }
    }
  } catch { out.lost += 16 - out.calls - out.lost; }
  s.destroy();
  return out;
}

async function clients() {
  const t = await loadDist();
  const structs = await import(new URL("../dist/src/wire/structs.js", import.meta.url).href);
  const from = num("from"), to = num("to"), calls = num("calls"), burst = num("burst");
  const jobs = [];
  for (let id = from; id < to; id++) {
    if (id < num("slow")) jobs.push(slowReader(t, structs).then((r) => ({ kind: "slow", ...r })));
    else jobs.push(ordinaryClient(t, id, calls, id % 10 === 0 ? burst : 0).then((r) => ({ kind: id % 10 === 0 ? "burst" : "plain", ...r })));
  }
  process.send(await Promise.all(jobs));
}

// ---------------------------------------------------------------- the run
async function main() {
  const dir = mkdtempSync(join(tmpdir(), "tsbinder-load-"));
  const path = join(dir, "load.sock");
  const srv = fork(new URL(import.meta.url), ["--role", "server", "--path", path], { stdio: "inherit" });
  const children = [srv];
  process.on("exit", () => { for (const c of children) c.kill(); });
  const ask = (m) => new Promise((r) => { srv.once("message", r); srv.send(m); });
  const ready = await new Promise((r) => srv.once("message", r));
  const rssBefore = ready.rss;
  const started = performance.now();
  const n = num("clients"), procs = num("procs");
  const per = Math.ceil(n / procs);
  const parts = [];
  for (let p = 0; p < procs; p++) {
    const from = p * per, to = Math.min(n, from + per);
    if (from >= to) break;
    const c = fork(new URL(import.meta.url), ["--role", "clients", "--path", path, "--from", String(from), "--to", String(to),
      "--calls", opt.calls, "--burst", opt.burst, "--slow", opt.slow], { stdio: "inherit" });
    children.push(c);
    parts.push(new Promise((resolve, reject) => { c.once("message", resolve); c.once("exit", (code) => code && reject(new Error(`client process exited ${code}`))); }));
  }
  const results = (await Promise.all(parts)).flat();
  const seconds = (performance.now() - started) / 1000;
  const mem = await ask("rss");
  srv.send("stop");
  const sum = (kind, k) => results.filter((r) => !kind || r.kind === kind).reduce((a, r) => a + (r[k] ?? 0), 0);
  const report = {
    date: new Date().toISOString(),
    node: process.version,
    clients: n, callsPerClient: num("calls"), burst: num("burst"), slowReaders: num("slow"), seconds: +seconds.toFixed(1),
    calls: sum(null, "calls"), lost: sum(null, "lost"), oneways: sum(null, "oneways"),
    reorderedOneways: sum(null, "reordered"), missingOneways: sum(null, "missing"), killedSessions: sum(null, "killed"),
    slowReaderBytes: sum("slow", "bytes"),
    serverRssMiB: { before: +(rssBefore / MiB).toFixed(1), peak: +(mem.peak / MiB).toFixed(1), after: +(mem.rss / MiB).toFixed(1) },
    errors: [...new Set(results.map((r) => r.error).filter(Boolean))].slice(0, 10),
    serverLog: mem.logged.slice(0, 10),
  };
  console.table({
    calls: report.calls, lost: report.lost, "oneways reordered": report.reorderedOneways, "oneways missing": report.missingOneways,
    "sessions killed": report.killedSessions, seconds: report.seconds,
    "server RSS before/peak/after MiB": `${report.serverRssMiB.before} / ${report.serverRssMiB.peak} / ${report.serverRssMiB.after}`,
  });
  if (report.errors.length) console.log("errors:", report.errors);
  if (report.serverLog.length) console.log("server log (first lines):", report.serverLog);
  writeFileSync(opt.out, JSON.stringify(report, null, 2) + "\n");
  const bad = report.lost + report.reorderedOneways + report.missingOneways + report.killedSessions;
  process.exit(bad ? 1 : 0);
}

if (opt.role === "server") await server();
else if (opt.role === "clients") await clients();
else await main();
