// npm run attacks -- [options]: hostile peers against a Node listenUnix server (its own process,
// default limits unless --server-options says otherwise) while a well-behaved client calls it
// every 5 ms. For each attack: the server's RSS before, at its peak and after the attacker has
// gone, whether and how fast the attacker's connection was closed, and what the good client saw.
//   --only a,b              attacks to run (default all): never-reads, oneway-flood,
//                           oneway-64k, lying-sizes, half-frame, r34-prefix, uid-hog, unknown-code
//   --server-options JSON   options for listenUnix (limits, timeouts), e.g. '{"maxSessions":100}'
//   --watch-ms N            how long to watch a connection that should be closed (default 45000)
//   --out FILE              JSON results (default bench/attacks-results.json)
// A benchmark, not a test: it sleeps to watch memory settle and prints what it saw.
import { fork } from "node:child_process";
import { chmodSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { ROOT, loadDist } from "./common.mjs";
import { CODE, DESCRIPTOR, checkOneways, loadServiceClass, onewaySender } from "./lib/load-service.mjs";
import { RawPeer } from "./lib/raw-peer.mjs";

const MiB = 1024 * 1024;
const ATTACKS = ["never-reads", "oneway-flood", "oneway-64k", "lying-sizes", "half-frame", "r34-prefix", "uid-hog", "unknown-code"];
const { values: opt } = parseArgs({
  options: {
    role: { type: "string", default: "main" },
    path: { type: "string" },
    only: { type: "string", default: ATTACKS.join(",") },
    "server-options": { type: "string", default: "{}" },
    "oneway-ms": { type: "string", default: "0" },
    "watch-ms": { type: "string", default: "45000" },
    sessions: { type: "string", default: "0" },
    out: { type: "string", default: join(ROOT, "bench", "attacks-results.json") },
  },
});
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const mib = (b) => +(b / MiB).toFixed(1);
const structsUrl = new URL("../dist/src/wire/structs.js", import.meta.url).href;

// ---------------------------------------------------------------- server process
async function server() {
  const t = await loadDist();
  const Service = loadServiceClass(t, { onewayMs: Number(opt["oneway-ms"]) });
  let logLines = 0;
  const firstLines = [];
  const logger = { warn: (m) => { logLines++; if (firstLines.length < 5) firstLines.push(String(m).slice(0, 200)); } };
  // the raw attackers ask for 1 MiB replies without the larger-frames extension (docs/protocol.md
  // §6.2), which a server would otherwise refuse (FAILED_TRANSACTION) instead of queueing
  const srv = await t.listenUnix(opt.path, { logger, limits: { maxSentFrameBody: 16 * MiB }, ...JSON.parse(opt["server-options"]) });
  chmodSync(opt.path, 0o777); // the uid-hog attacker runs as another user
  srv.setRoot(new Service());
  let peak = 0;
  const sample = () => { peak = Math.max(peak, process.memoryUsage().rss); };
  setInterval(sample, 10).unref();
  process.on("message", (m) => {
    if (m === "stats") { sample(); process.send({ rss: process.memoryUsage().rss, peak, logLines, firstLines, sessions: srv.sessionCount }); }
    if (m === "reset-peak") { peak = 0; sample(); process.send({}); }
    if (m === "stop") srv.shutdown().then(() => process.exit(0));
  });
  sample();
  process.send({ ready: true });
}

// ---------------------------------------------------------------- the uid-hog attacker process
async function hog() {
  process.setuid(65534); // another local user than the good client's
  const structs = await import(structsUrl);
  const peers = [];
  let refused = 0;
  for (let i = 0; i < Number(opt.sessions); i++) {
    try {
      const p = await RawPeer.connect(opt.path, structs);
      await p.handshake();
      peers.push(p);
    } catch { refused++; }
  }
  // sessions the server closed after the version response count as refused too
  await sleep(200);
  const open = peers.filter((p) => !p.closed).length;
  process.send({ open, refused: refused + peers.length - open });
  process.on("message", () => process.exit(0));
}

// ---------------------------------------------------------------- the attacks
/** The good client: a call every 5 ms until stopped; counts failures and the slowest call. */
async function goodClient(t, path) {
  const session = await t.connectUnix(path);
  const root = await session.getRoot();
  let stop = false, calls = 0, failures = 0, worstMs = 0, error = null;
  const loop = (async () => {
    while (!stop) {
      const at = performance.now();
      try { await t.transactCall(root, DESCRIPTOR, CODE.PING, 0, () => {}, () => {}); calls++; } catch (e) { failures++; error = String(e?.message ?? e); }
      worstMs = Math.max(worstMs, performance.now() - at);
      await sleep(5);
    }
  })();
  return {
    async stop() { stop = true; await loop; session.shutdown(); return { calls, failures, worstMs: +worstMs.toFixed(1), error }; },
  };
}

/** Watch a raw attacker until the server closes it or `ms` pass: closed after how long. */
async function closedWithin(peer, since, ms) {
  await Promise.race([peer.whenClosed(), sleep(ms)]);
  return peer.closed ? +((peer.closedAt - since) / 1000).toFixed(2) : null;
}

async function startServer(dir, name, extra = []) {
  const path = join(dir, `${name}.sock`);
  const srv = fork(new URL(import.meta.url), ["--role", "server", "--path", path, "--server-options", opt["server-options"], ...extra], { stdio: "inherit" });
  await new Promise((r) => srv.once("message", r));
  const ask = (m) => new Promise((r) => { srv.once("message", r); srv.send(m); });
  return { path, srv, ask, stop: () => { srv.send("stop"); return new Promise((r) => srv.once("exit", r)); } };
}

/** `count` oneways from client `id` through the client API, nothing awaited until all are
 *  sent; then how many the server received, and in what order. */
async function onewayBurst(t, path, id, count, payload, note) {
  const session = await t.connectUnix(path);
  const root = await session.getRoot();
  const sender = onewaySender(t, root, id, payload);
  const sent = [];
  for (let i = 0; i < count; i++) sent.push(sender.send());
  let result;
  try { await Promise.all(sent); const [received, outOfOrder] = await checkOneways(t, root, id); result = { received, outOfOrder }; }
  catch (e) { result = { error: String(e?.message ?? e) }; }
  session.shutdown();
  return { note, ...result };
}

const attacks = {
  /** Handshake, GET_ROOT, stop reading, then 512 requests for 1 MiB replies in one write. */
  async "never-reads"(t, structs, path) {
    const peer = await RawPeer.connect(path, structs);
    await peer.handshake();
    const root = await peer.root();
    peer.s.pause();
    const arg = Buffer.alloc(4); arg.writeInt32LE(MiB);
    const one = peer.transactBytes(root, CODE.BIG, arg);
    const at = performance.now();
    peer.write(Buffer.concat(Array.from({ length: 512 }, () => one)));
    await sleep(3000);
    return { peer, at, note: "512 x 1 MiB replies requested, never read" };
  },
  /** 12,000 in-order oneways through the client API (handler 1 ms each), then a two-way call. */
  "oneway-flood": (t, structs, path) => onewayBurst(t, path, 1, 12000, null, "12,000 oneways, 1 ms handler, then a two-way call"),
  /** 1,500 oneways of 64 KiB through the client API. */
  "oneway-64k": (t, structs, path) => onewayBurst(t, path, 2, 1500, new Uint8Array(64 * 1024), "1,500 oneways of 64 KiB, 1 ms handler"),
  /** 129 sessions each announce a 16 MiB TRANSACT, send 4 MiB of it, and wait. */
  async "lying-sizes"(t, structs, path) {
    const peers = [];
    const at = performance.now();
    for (let i = 0; i < 129; i++) {
      const p = await RawPeer.connect(path, structs);
      await p.handshake();
      const tx = structs.encodeTransaction(1, { address: { options: 0, id: 0 }, code: 1, flags: 0, asyncNumber: 0n, parcelDataSize: 16 * MiB - 64 });
      p.write(Buffer.concat([structs.encodeWireHeader(structs.Command.TRANSACT, 16 * MiB), tx]));
      p.write(Buffer.alloc(4 * MiB));
      peers.push(p);
    }
    await sleep(2000);
    // a fresh client must still connect and call
    let fresh;
    try {
      const s = await t.connectUnix(path);
      const root = await s.getRoot();
      const b = await t.transactCall(root, DESCRIPTOR, CODE.ECHO, 0, (d) => d.writeByteArray(new Uint8Array(1000).fill(7)), (r) => r.readByteArray());
      fresh = b.length === 1000 && b[999] === 7 ? "ok" : "wrong bytes";
      s.shutdown();
    } catch (e) { fresh = String(e?.message ?? e); }
    const closed = peers.filter((p) => p.closed).length;
    for (const p of peers) p.destroy();
    return { at, note: "129 sessions x (16 MiB announced, 4 MiB sent)", freshClient: fresh, attackersClosed: closed };
  },
  /** A frame header announcing 100 bytes, then 10 of them, then nothing. */
  async "half-frame"(t, structs, path) {
    const peer = await RawPeer.connect(path, structs);
    await peer.handshake();
    peer.write(Buffer.concat([structs.encodeWireHeader(structs.Command.TRANSACT, 100), Buffer.alloc(10)]));
    return { peer, at: performance.now(), note: "header for 100 bytes, 10 sent" };
  },
  /** An r34 length prefix and nothing more. */
  async "r34-prefix"(t, structs, path) {
    const peer = await RawPeer.connect(path, structs);
    const prefix = Buffer.alloc(4); prefix.writeUInt32LE(64);
    peer.write(prefix);
    return { peer, at: performance.now(), note: "4-byte r34 prefix only" };
  },
  /** Another local user opens sessions up to the server's limit; then the good user connects. */
  async "uid-hog"(t, structs, path) {
    if (process.getuid?.() !== 0) return { note: "skipped: needs root to run the attacker as another uid" };
    const child = fork(new URL(import.meta.url), ["--role", "hog", "--path", path, "--sessions", "4100"], { stdio: "inherit" });
    const held = await new Promise((r) => child.once("message", r));
    let other;
    try { const s = await t.connectUnix(path); await s.getRoot(); other = "ok"; s.shutdown(); } catch (e) { other = String(e?.message ?? e); }
    child.send("stop");
    return { note: "uid 65534 opens sessions until refused (4,100 tried)", attackerSessionsOpen: held.open, attackerRefused: held.refused, otherUserConnects: other };
  },
  /** 50,000 oneways to a code the service does not know. */
  async "unknown-code"(t, structs, path) {
    const session = await t.connectUnix(path);
    const root = await session.getRoot();
    const sent = [];
    for (let i = 0; i < 50000; i++) sent.push(t.transactOneway(root, DESCRIPTOR, 999, t.FLAG_ONEWAY, () => {}));
    await Promise.allSettled(sent);
    await t.transactCall(root, DESCRIPTOR, CODE.PING, 0, () => {}, () => {}); // all processed
    session.shutdown();
    return { note: "50,000 oneways to an unknown code" };
  },
};

async function main() {
  const t = await loadDist();
  const structs = await import(structsUrl);
  const dir = mkdtempSync(join(tmpdir(), "tsbinder-attacks-"));
  chmodSync(dir, 0o777);
  const results = {};
  for (const name of opt.only.split(",")) {
    if (!attacks[name]) throw new Error(`no attack ${name} (${ATTACKS.join(", ")})`);
    const s = await startServer(dir, name, name.startsWith("oneway") ? ["--oneway-ms", "1"] : []);
    const before = await s.ask("stats");
    const good = await goodClient(t, s.path);
    const r = await attacks[name](t, structs, s.path);
    let closedAfterS;
    if (r.peer) closedAfterS = await closedWithin(r.peer, r.at, name === "never-reads" ? 0 : Number(opt["watch-ms"]));
    const during = await s.ask("stats");
    r.peer?.destroy();
    await sleep(1500);
    const after = await s.ask("stats");
    const goodSaw = await good.stop();
    const { peer, at, ...rest } = r;
    results[name] = {
      ...rest,
      ...(peer ? { attackerClosedAfterS: closedAfterS } : {}),
      serverRssMiB: { before: mib(before.rss), peak: mib(during.peak), after: mib(after.rss) },
      serverLogLines: after.logLines, firstLogLines: after.firstLines,
      goodClient: goodSaw,
    };
    console.log(name, JSON.stringify(results[name]));
    await s.stop();
  }
  writeFileSync(opt.out, JSON.stringify({ date: new Date().toISOString(), node: process.version, serverOptions: JSON.parse(opt["server-options"]), results }, null, 2) + "\n");
}

if (opt.role === "server") await server();
else if (opt.role === "hog") await hog();
else await main();
