// death: how long after the peer closes the session the client's death recipient runs.
// Server and client live in this one process (so both ends read the same clock) but talk over
// a real Unix socket: the server side shuts its session down at t0, the kernel delivers the
// EOF, the client session notices, ends, and calls the recipients linked to the root proxy.
// The floor: the same for a bare socket (server end destroyed at t0, client 'close' event).
import * as net from "node:net";
import { join } from "node:path";
import { loadTsb } from "../lib/rt.mjs";
import { summarize } from "../lib/stats.mjs";
import { BENCH_DESCRIPTOR } from "../common.mjs";

export async function run(job) {
  const t = await loadTsb();
  const path = join(job.dir, "death.sock"), rawPath = join(job.dir, "death-raw.sock");
  const server = new t.RpcServer();
  await server.listen(t.unixTransport, path);
  server.setRoot(new (class extends t.Binder { constructor() { super(BENCH_DESCRIPTOR); } onTransact() { return false; } })());
  let nextServerSession = null;
  server.onSession((s) => { nextServerSession?.(s); });

  const once = async () => {
    const serverSide = new Promise((resolve) => { nextServerSession = resolve; });
    const session = await t.connectUnix(path);
    const root = await session.getRoot();
    const ss = await serverSide;
    let t0 = 0;
    const died = new Promise((resolve) => root.linkToDeath(() => resolve(performance.now() - t0)));
    t0 = performance.now();
    ss.shutdown();
    const dt = await died;
    session.shutdown();
    return dt;
  };

  const raw = net.createServer();
  let nextRaw = null;
  raw.on("connection", (s) => nextRaw?.(s));
  await new Promise((r) => raw.listen(rawPath, r));
  const onceRaw = async () => {
    const serverSide = new Promise((resolve) => { nextRaw = resolve; });
    const c = net.connect(rawPath);
    c.on("error", () => {});
    await new Promise((r) => c.once("connect", r));
    const s = await serverSide;
    let t0 = 0;
    const closed = new Promise((resolve) => c.once("close", () => resolve(performance.now() - t0)));
    t0 = performance.now();
    s.destroy();
    return closed;
  };

  for (let i = 0; i < job.warmup; i++) { await once(); await onceRaw(); }
  const a = [], b = [];
  for (let i = 0; i < job.iterations; i++) { a.push(await once()); b.push(await onceRaw()); }
  await server.shutdown();
  raw.close();
  const row = (system, samples, variant) => {
    const { ops_per_s: _o, ...s } = summarize(samples, 1);
    return { runtime: job.runtime, transport: "unix", case: "death", system, variant, ...s };
  };
  return [
    row("tsbinder", a, "server session shut down -> client death recipient (one process)"),
    row("raw-echo", b, "server socket destroyed -> client 'close' event (one process)"),
  ];
}
