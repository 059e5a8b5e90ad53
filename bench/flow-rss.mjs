// Server memory under a peer that never reads its replies (issue 17, failure 1), on the BUILT
// package (dist/). A Node server process (a child of this one, the same file with --server)
// serves a root whose BYTES(n) call returns n bytes. A raw wire v1 client does the handshake
// and GET_ROOT, stops reading, and writes 512 TRANSACTs asking for 1 MiB each in one write.
// Reported: the server's RSS before, its peak (VmHWM) while the client does not read, the
// calls it served meanwhile; then the client reads every reply (checking order) and leaves,
// and the server's RSS after (also after a forced GC).
//
//   npm run build && node bench/flow-rss.mjs                  the default limits
//   node bench/flow-rss.mjs --mark Infinity                   no backpressure (as before issue 17)
//   node bench/flow-rss.mjs --calls 512 --reply 1048576
import { fork } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import * as net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i < 0 ? dflt : Number(process.argv[i + 1]);
};
const DESCRIPTOR = "bench.IBulk";

if (process.argv.includes("--server")) await server();
else await client();

function memory() {
  const status = readFileSync("/proc/self/status", "utf8");
  const kb = (k) => Number(new RegExp(`^${k}:\\s+(\\d+)`, "m").exec(status)?.[1] ?? NaN) / 1024;
  return { rssMB: Math.round(kb("VmRSS")), peakMB: Math.round(kb("VmHWM")) };
}

async function server() {
  const { Binder, RpcServer } = await import("../dist/src/index.js");
  const { unixTransport } = await import("../dist/runtimes/node/index.js");
  let served = 0, pauses = 0;
  class Bulk extends Binder {
    constructor() { super(DESCRIPTOR); }
    onTransact(code, data, reply) {
      if (code !== 1) return false;
      data.enforceInterface(DESCRIPTOR);
      const n = data.readInt32();
      const tag = data.readInt32();
      served++;
      reply.writeNoException();
      reply.writeInt32(tag);
      reply.writeByteArray(new Uint8Array(n).fill(tag & 0xff));
      return true;
    }
  }
  const watched = {
    name: "unix",
    connect: (a) => unixTransport.connect(a),
    listen: (a, on) => unixTransport.listen(a, (tc) => {
      const pause = tc.pauseReading;
      tc.pauseReading = () => { pauses++; pause.call(tc); };
      on(tc);
    }),
  };
  const mark = arg("mark", NaN);
  const server = new RpcServer(Number.isNaN(mark) ? {} : { limits: { maxOutgoingQueueBytes: mark } });
  server.setRoot(new Bulk());
  await server.listen(watched, process.argv[process.argv.indexOf("--server") + 1]);
  process.on("message", (m) => {
    if (m === "gc") globalThis.gc?.();
    process.send({ served, pauses, sessions: server.sessionCount, ...memory() });
  });
  process.send({ ready: true, ...memory() });
}

async function client() {
  const { Parcel } = await import("../dist/src/index.js");
  const { encodeConnectionHeader, encodeConnectionInit, encodeTransaction, encodeWireHeader } = await import("../dist/src/wire/structs.js");
  const calls = arg("calls", 512), replyBytes = arg("reply", 1024 * 1024);
  const dir = mkdtempSync(join(tmpdir(), "tsb-flow-rss-"));
  const path = join(dir, "s.sock");
  const extra = process.argv.includes("--mark") ? ["--mark", String(arg("mark", NaN))] : [];
  const child = fork(new URL(import.meta.url).pathname, ["--server", path, ...extra], { execArgv: ["--expose-gc"] });
  const replies = [];
  child.on("message", (m) => replies.shift()?.(m));
  const next = () => new Promise((r) => replies.push(r));
  const ask = (what = "stats") => { const p = next(); child.send(what); return p; };
  const before = await next();

  const s = await new Promise((resolve, reject) => { const c = net.connect({ path }, () => resolve(c)); c.once("error", reject); });
  let buf = Buffer.alloc(0), wake = null;
  s.on("data", (d) => { buf = buf.length ? Buffer.concat([buf, d]) : d; wake?.(); });
  const read = async (n) => { while (buf.length < n) await new Promise((r) => { wake = r; }); const o = buf.subarray(0, n); buf = buf.subarray(n); return o; };
  const reply = async () => {
    for (;;) {
      const h = await read(16);
      const body = await read(h.readUInt32LE(4));
      if (h.readUInt32LE(0) === 1) return body.subarray(20);
    }
  };
  const frame = (address, code, data) => {
    const t = encodeTransaction(1, { address, code, flags: 0, asyncNumber: 0n, parcelDataSize: data.length });
    return Buffer.concat([encodeWireHeader(0, t.length + data.length), t, data]);
  };
  s.write(encodeConnectionHeader({ version: 1, options: 0, fdMode: 0, sessionId: null }));
  s.write(encodeConnectionInit());
  await read(8);
  s.write(frame({ options: 0, id: 0 }, 0, new Uint8Array(0)));
  const r = await reply();
  const root = { options: r.readUInt32LE(4), id: r.readUInt32LE(8) };

  s.pause();
  const frames = [];
  for (let tag = 0; tag < calls; tag++) {
    const p = new Parcel();
    p.writeInterfaceToken(DESCRIPTOR);
    p.writeInt32(replyBytes);
    p.writeInt32(tag);
    frames.push(frame(root, 1, p.toBytes()));
    p.dispose();
  }
  const all = Buffer.concat(frames);
  s.write(all);
  // the server settles: it stops reading (or has served every call); look until its count of
  // served calls stops moving
  let stalled;
  for (let last = -1; ; last = stalled.served) {
    await new Promise((r) => setTimeout(r, 500));
    stalled = await ask();
    if (stalled.served === last || stalled.served === calls) break;
  }
  const clientQueuedKB = Math.round(s.writableLength / 1024);

  s.resume();
  let inOrder = true;
  for (let tag = 0; tag < calls; tag++) {
    const d = await reply();
    if (d.readInt32LE(4) !== tag || d.readInt32LE(8) !== replyBytes) inOrder = false;
  }
  s.destroy();
  // the session ends once the server sees the close
  let after;
  do { await new Promise((r) => setTimeout(r, 200)); after = await ask(); } while (after.sessions > 0);
  const afterGc = await ask("gc");
  child.kill();
  rmSync(dir, { recursive: true, force: true });
  console.log(JSON.stringify({
    calls, replyBytes, mark: extra.length ? extra[1] : "default",
    rssBeforeMB: before.rssMB,
    whileNotReading: { served: stalled.served, pauses: stalled.pauses, rssMB: stalled.rssMB, clientQueuedKB },
    peakMB: afterGc.peakMB, rssAfterMB: after.rssMB, rssAfterGcMB: afterGc.rssMB, inOrder, requestKB: Math.round(all.length / 1024),
  }));
}
