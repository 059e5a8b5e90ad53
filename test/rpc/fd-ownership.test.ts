// Every descriptor a stub hands over is closed exactly once, whatever happens: returned, in out
// and inout arguments, arrays, @nullable, nested in parcelables and unions, in oneways, on
// error paths, refused by a session that carries no fds, and when sessions die. Counted in
// /proc/self/fd over real Unix sockets (runtimes/node), client and server in this process.
/* eslint-disable @typescript-eslint/no-explicit-any */
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { closeSync, readdirSync } from "node:fs";
import { connectUnix, listenUnix } from "../../runtimes/node/index.js";
import { socketPath, until } from "./helpers.js";
import { FDS_PER_CALL, filledPipe, loadFdAidl, makeFdService } from "./support/fd-aidl.js";

let tsb: any;
let gen: Record<string, any>;
beforeAll(async () => ({ tsb, gen } = await loadFdAidl("fd-ownership")));
const cleanup: (() => unknown)[] = [];
afterEach(async () => { for (const f of cleanup.splice(0).reverse()) await f(); });

const openFds = () => readdirSync("/proc/self/fd").length;
/** Descriptors are closed synchronously once a reply is sent, but the peer's socket and the
 *  reactor release theirs on their own turn: wait for the count to come back, then compare. */
async function settlesAt(before: number): Promise<number> {
  await until(() => openFds() <= before, 5000).catch(() => { /* compared below */ });
  return openFds();
}

async function serve() {
  const path = socketPath("fdown");
  const server = await listenUnix(path, { fdModes: [tsb.FdMode.NONE, tsb.FdMode.UNIX] });
  const service = makeFdService(gen, tsb);
  server.setRoot(service);
  cleanup.push(() => server.shutdown());
  return { path, server, service };
}

async function client(path: string, fileDescriptors: boolean) {
  const session = await connectUnix(path, { fileDescriptors });
  const proxy = gen.IFds.fromBinder(await session.getRoot());
  return { session, proxy };
}

/** Close whatever descriptors a result holds (the caller owns what it received). */
function closeAll(v: any): void {
  if (v instanceof tsb.ParcelFileDescriptor) v.close();
  else if (Array.isArray(v)) v.forEach(closeAll);
  else if (v && typeof v === "object") Object.values(v).forEach(closeAll);
}

const FD_CALLS: Record<string, (p: any) => Promise<unknown>> = {
  make: (p) => p.make("x"),
  many: (p) => p.many(4),
  maybe: (p) => p.maybe(true),
  pair: (p) => p.pair(),
  unionFd: (p) => p.unionFd(),
  outFd: async (p) => { const h = tsb.holder(null); await p.outFd(h); return h.value; },
  inoutFd: async (p) => {
    const arg = Object.assign(new gen.FdPair(), { a: filledPipe(tsb, "ia"), b: filledPipe(tsb, "ib"), tag: 5 });
    const h = tsb.holder(arg);
    try { await p.inoutFd(h); } finally { arg.a.close(); arg.b.close(); }
    return h.value;
  },
};
const FDS_OUT: Record<string, number> = { ...FDS_PER_CALL, many: 4 };

describe.runIf(process.platform === "linux")("fd ownership across a session", () => {
  it("each shape: the server closes what it handed over, the client what it received (counts equal after 50 calls each)", async () => {
    const { path } = await serve();
    const { session, proxy } = await client(path, true);
    cleanup.push(() => session.shutdown());
    await proxy.count(); // warm: the connection and its reactor registration exist
    const report: Record<string, string> = {};
    for (const [name, call] of Object.entries(FD_CALLS)) {
      const before = openFds();
      for (let i = 0; i < 50; i++) {
        const r = await call(proxy);
        // what came back holds exactly this many descriptors
        let n = 0;
        const count = (v: any) => { if (v instanceof tsb.ParcelFileDescriptor) n++; else if (v && typeof v === "object") Object.values(v).forEach(count); };
        count(r);
        expect(n, name).toBe(FDS_OUT[name]);
        closeAll(r);
      }
      const after = await settlesAt(before);
      report[name] = `${before} -> ${after}`;
      expect(after, `${name}: open fds before and after 50 calls`).toBe(before);
    }
    console.log("[fd-ownership] fd session, 50 calls per shape:", JSON.stringify(report));
  });

  it("a session without fds: every shape is refused with FDS_NOT_ALLOWED and nothing leaks (200 calls, 20 sessions)", async () => {
    const { path, service } = await serve();
    const { session, proxy } = await client(path, false);
    await proxy.count();
    const before = openFds();
    const names = Object.keys(FD_CALLS).filter((n) => n !== "inoutFd"); // (inout sends fds: refused at the client)
    for (let i = 0; i < 200; i++) {
      const name = names[i % names.length]!;
      const err = await FD_CALLS[name]!(proxy).then(() => null, (e) => e);
      expect(err, name).toBeInstanceOf(tsb.BinderError);
      expect(err.status, name).toBe(tsb.StatusCode.FDS_NOT_ALLOWED);
    }
    // the session goes on
    expect(await proxy.maybe(false)).toBeNull();
    const mid = await settlesAt(before);
    expect(mid, "open fds after 200 refused calls").toBe(before);
    session.shutdown();
    // sessions that come, get refused and go
    const start = await settlesAt(openFds());
    for (let i = 0; i < 20; i++) {
      const c = await client(path, false);
      expect((await c.proxy.pair().catch((e: any) => e)).status).toBe(tsb.StatusCode.FDS_NOT_ALLOWED);
      c.session.shutdown();
    }
    const end = await settlesAt(start);
    console.log(`[fd-ownership] no-fd session: ${before} -> ${mid} after 200 refused calls; ${start} -> ${end} after 20 refused sessions; server served ${service.calls}`);
    expect(end, "open fds after 20 refused sessions").toBe(start);
  });

  it("a client writing an fd on a session without fds gets BinderError(FDS_NOT_ALLOWED); its descriptor stays its own", async () => {
    const { path } = await serve();
    const { session, proxy } = await client(path, false);
    cleanup.push(() => session.shutdown());
    const pfd = filledPipe(tsb, "mine");
    try {
      const err = await proxy.drop(pfd).then(() => null, (e: any) => e);
      expect(err).toBeInstanceOf(tsb.BinderError);
      expect(err.status).toBe(tsb.StatusCode.FDS_NOT_ALLOWED);
      expect(pfd.fd).toBeGreaterThanOrEqual(0); // not closed behind the caller's back
    } finally { pfd.close(); }
  });

  it("10,000 mixed calls (every shape, oneways, refused, failing, sessions dying mid-call): the count ends where it started", async () => {
    const { path, service } = await serve();
    // one session stays up throughout, so the reactor and the server's listener are counted
    // in `before` as they are in `after`
    const warm = await client(path, true);
    cleanup.push(() => warm.session.shutdown());
    await warm.proxy.count();
    const before = openFds();
    const names = Object.keys(FD_CALLS);
    let done = 0;
    let refused = 0;
    let failed = 0;
    let dead = 0;
    for (let round = 0; done < 10_000; round++) {
      const fds = round % 4 !== 3;
      const { session, proxy } = await client(path, fds);
      const batch: Promise<unknown>[] = [];
      for (let i = 0; i < 250; i++, done++) {
        const k = done % (names.length + 3);
        let p: Promise<unknown>;
        if (k < names.length) p = FD_CALLS[names[k]!]!(proxy).then(closeAll);
        else if (k === names.length) p = proxy.throwsAfter(true);
        else if (k === names.length + 1) p = proxy.throwsAfter(false).then(closeAll);
        else {
          const pfd = filledPipe(tsb, "oneway");
          p = proxy.drop(pfd).finally(() => pfd.close());
        }
        batch.push(p.catch((e: any) => {
          if (e?.status === tsb.StatusCode.FDS_NOT_ALLOWED) refused++;
          else if (e instanceof tsb.ServiceSpecificException) failed++;
          else if (e instanceof tsb.DeadObjectError) dead++;
          else throw e;
        }));
      }
      // every fifth round the session dies with calls in flight
      if (round % 5 === 4) session.shutdown();
      await Promise.all(batch);
      await proxy.count().catch(() => 0); // the oneways ahead of it have run
      session.shutdown();
    }
    const after = await settlesAt(before);
    console.log(`[fd-ownership] 10,000 mixed calls: ${before} -> ${after} open fds (${refused} refused FDS_NOT_ALLOWED, ${failed} failing stubs, ${dead} cut by session death, server ran ${service.calls})`);
    expect(refused).toBeGreaterThan(0);
    expect(failed).toBeGreaterThan(0);
    expect(dead).toBeGreaterThan(0);
    expect(after).toBe(before);
  }, 120_000);
});
