// Oneway ordering as libbinder does it (RpcState processTransactInternal): the oneway that is
// next in line runs at once, or, while the one before it is still running, waits in the socket
// (its connection is not read); only oneways that arrive ahead of their turn are parked, and
// only those count against maxParkedOneways and maxQueuedBytes.
import { afterEach, describe, expect, it } from "vitest";
import { Binder, FLAG_ONEWAY, type IBinder, type RpcSession } from "../../src/index.js";
// a plain .mjs fixture, shared with the runtime tests (it takes Binder as a parameter)
import { count, sendSink as sendOneway, slowSinkClass } from "../runtimes/fixtures/slow-sink.mjs";
import { connectUnix, listenUnix } from "../../runtimes/node/index.js";
import { recordingLogger, socketPath, until } from "./helpers.js";
import { request, serveNester, serveRaw } from "./raw-peer.js";
import { Code, Nester, nest, record, recorded } from "./test-service.js";

const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => { for (const f of cleanup.splice(0)) await f(); });

/** The server's oneway handler is still running when the next oneway arrives. */
const SlowSink = slowSinkClass(Binder);
const sendSink = (root: IBinder, i: number, payload?: Uint8Array) => sendOneway(FLAG_ONEWAY, root, i, payload);

async function serveSink() {
  const path = socketPath();
  const logger = recordingLogger();
  const server = await listenUnix(path, { logger });
  const sink = new SlowSink();
  server.setRoot(sink);
  const sessions: RpcSession[] = [];
  server.onSession((s) => sessions.push(s));
  cleanup.push(() => server.shutdown());
  const client = await connectUnix(path);
  cleanup.push(() => client.shutdown());
  const root = (await client.getRoot())!;
  return { sink, root, logger, sessions };
}

describe("oneway order", () => {
  it("12,000 in-order oneways to a slow handler, then a two-way call: all run, in order, none parked", async () => {
    const { sink, root, logger, sessions } = await serveSink();
    const n = 12_000;
    for (let i = 0; i < n; i++) sendSink(root, i);
    // the two-way call goes behind them and is served once they have all run
    expect(await count(root)).toBe(n);
    expect(sink.seen).toEqual(Array.from({ length: n }, (_, i) => i));
    const stats = sessions[0]!.stats;
    console.log(`12,000 in-order oneways: peak parked ${stats.peakParked}, peak queued ${stats.peakQueuedBytes} bytes`);
    expect(stats.peakParked).toBe(0);
    expect(stats.peakQueuedBytes).toBe(0);
    expect(logger.lines).toEqual([]);
  });

  it("1,500 oneways of 64 KiB are slowed down, not cut off at maxQueuedBytes", async () => {
    const { sink, root, logger, sessions } = await serveSink();
    const n = 1_500;
    const payload = new Uint8Array(64 * 1024).fill(7);
    for (let i = 0; i < n; i++) sendSink(root, i, payload);
    expect(await count(root)).toBe(n);
    expect(sink.seen).toEqual(Array.from({ length: n }, (_, i) => i));
    const stats = sessions[0]!.stats;
    console.log(`1,500 x 64 KiB oneways: peak parked ${stats.peakParked}, peak queued ${stats.peakQueuedBytes} bytes`);
    expect(stats.peakQueuedBytes).toBeLessThan(64 * 1024 * 1024);
    expect(logger.lines).toEqual([]);
  });

  it("exactly maxParkedOneways early oneways are parked, and the in-order one is not counted as one more", async () => {
    const { service, logger, p, root } = await serveRaw({ limits: { maxParkedOneways: 10_000 } }, cleanup);
    // 1..10,000 arrive before 0: all parked (the limit, not past it)
    for (let i = 1; i <= 10_000; i++) p.transact(root, Code.RECORD, FLAG_ONEWAY, BigInt(i), request((d) => d.writeInt32(i)));
    p.transact(root, Code.RECORD, FLAG_ONEWAY, 0n, request((d) => d.writeInt32(0)));
    await until(() => service.recorded.length === 10_001 || p.closed, 20_000);
    expect(p.closed).toBe(false);
    expect(service.recorded).toEqual(Array.from({ length: 10_001 }, (_, i) => i));
    expect(logger.lines.filter((l) => /parked/.test(l))).toEqual([]);
  });

  it("one more early oneway than maxParkedOneways ends the session, and says how many", async () => {
    const { logger, p, root } = await serveRaw({ limits: { maxParkedOneways: 10 } }, cleanup);
    for (let i = 1; i <= 11; i++) p.transact(root, Code.RECORD, FLAG_ONEWAY, BigInt(i), request((d) => d.writeInt32(i)));
    await p.waitClosed();
    expect(logger.lines.some((l) => /11 oneway calls parked on one object \(limit 10\)/.test(l))).toBe(true);
  });

  it("a oneway asyncNumber sent twice ends the session", async () => {
    const { logger, p, root } = await serveRaw({}, cleanup);
    for (const i of [3, 3]) p.transact(root, Code.RECORD, FLAG_ONEWAY, BigInt(i), request((d) => d.writeInt32(i)));
    await p.waitClosed();
    expect(logger.lines.some((l) => /asyncNumber 3 sent twice/.test(l))).toBe(true);
  });

  it("oneways interleaved with nested two-way calls on one session keep their order", async () => {
    const { path } = await serveNester({}, cleanup);
    const c = await connectUnix(path);
    cleanup.push(() => c.shutdown());
    const root = (await c.getRoot())!;
    const nested: Promise<string>[] = [];
    for (let i = 0; i < 1_000; i++) {
      void record(root, i);
      if (i % 100 === 99) nested.push(nest(root, new Nester("client"), 3));
    }
    expect(await Promise.all(nested)).toEqual(Array(10).fill("server>client>server>leaf"));
    expect(await recorded(root)).toEqual(Array.from({ length: 1_000 }, (_, i) => i));
  });
});
