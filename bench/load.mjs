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
import { ROOT, loadDist } from "./common.mjs";
import { CODE, DESCRIPTOR, checkOneways, loadServiceClass, onewaySender } from "./lib/load-service.mjs";
import { RawPeer } from "./lib/raw-peer.mjs";
import { parseArgs } from "node:util";

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
  const Load = loadServiceClass(t);
  const logged = [];
  // the raw slow readers ask for 1 MiB replies without the larger-frames extension
  // (docs/protocol.md §6.2), which a server would otherwise answer with FAILED_TRANSACTION
  const srv = await t.listenUnix(opt.path, { maxThreads: 1, limits: { maxSentFrameBody: 16 * MiB }, logger: { warn: (m) => { if (logged.length < 50) logged.push(m); } } });
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
    const sender = onewaySender(t, root, id);
    const oneway = () => { out.oneways++; out.calls++; return sender.send(); };
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
    const [received, outOfOrder] = await checkOneways(t, root, id);
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
async function slowReader(structs) {
  const out = { calls: 0, lost: 0, bytes: 0 };
  const peer = await RawPeer.connect(opt.path, structs);
  // read a little at a time: every chunk that arrives pauses the socket for 5 ms
  peer.onData = () => { peer.s.pause(); setTimeout(() => peer.s.resume(), 5); };
  try {
    await peer.handshake();
    const root = await peer.root();
    const arg = Buffer.alloc(4); arg.writeInt32LE(MiB);
    for (let i = 0; i < 16; i++) peer.transact(root, CODE.BIG, arg);
    for (let i = 0; i < 16; i++) {
      const body = await peer.readReply();
      const status = body.readInt32LE(0), len = body.readInt32LE(24);
      if (status !== 0 || body.readInt32LE(20) !== 0 || len !== MiB) out.lost++;
      else { out.calls++; out.bytes += len; }
    }
  } catch { out.lost += 16 - out.calls - out.lost; }
  peer.destroy();
  return out;
}

async function clients() {
  const t = await loadDist();
  const structs = await import(new URL("../dist/src/wire/structs.js", import.meta.url).href);
  const from = num("from"), to = num("to"), calls = num("calls"), burst = num("burst");
  const jobs = [];
  for (let id = from; id < to; id++) {
    if (id < num("slow")) jobs.push(slowReader(structs).then((r) => ({ kind: "slow", ...r })));
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
