// Hostile peers: each gets its own session ended (with a logged reason), nothing else is
// affected, and nothing it sends makes this side hold memory without bound.
import { afterEach, describe, expect, it } from "vitest";
import { FLAG_ONEWAY } from "../../src/index.js";
import type { listenUnix } from "../../runtimes/node/index.js";
import { encodeConnectionHeader, encodeConnectionInit, encodeDecStrong, encodeWireHeader, encodeTransaction } from "../../src/wire/structs.js";
import { RawPeer, request, serveWithGoodClient } from "./raw-peer.js";
import { until } from "./helpers.js";
import { Nester, nest, Code } from "./test-service.js";
import { FLAG_TOP_LEVEL, SPECIAL_PIPELINE_DEPTH } from "../../src/rpc/pipelining.js";
import { Parcel } from "../../src/index.js";

const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => { for (const f of cleanup.splice(0)) await f(); });

const serve = (opts: Parameters<typeof listenUnix>[1] = {}) => serveWithGoodClient(opts, cleanup);

async function stillServes(goodRoot: Awaited<ReturnType<typeof serve>>["goodRoot"]): Promise<void> {
  expect(await nest(goodRoot, new Nester("good"), 1)).toBe("server>leaf");
}

describe("hostile peers", () => {
  it("a peer that never finishes the handshake is dropped after the handshake timeout", async () => {
    const { path, logger, goodRoot } = await serve({ handshakeTimeoutMs: 200 });
    const p = await RawPeer.connect(path);
    p.write(new Uint8Array([1, 0, 0])); // 3 bytes of a 16-byte header, then silence
    await p.waitClosed();
    expect(logger.lines.some((l) => /handshake timed out/.test(l))).toBe(true);
    await stillServes(goodRoot);
  });

  it("a transaction to an address it was never given ends its session", async () => {
    const { path, server, logger, goodRoot } = await serve();
    const p = await RawPeer.connect(path);
    await p.handshake();
    // FOR_SERVER set: an address only the server could have made, and it did not
    p.transact({ options: 3, id: 77 }, 1, 0, 0n, request(() => {}));
    await p.waitClosed();
    expect(logger.lines.some((l) => /should have created|not a local object/.test(l))).toBe(true);
    await until(() => server.sessionCount === 1);
    await stillServes(goodRoot);
  });

  it("an address with unknown option bits ends its session", async () => {
    const { path, logger, goodRoot } = await serve();
    const p = await RawPeer.connect(path);
    await p.handshake();
    p.transact({ options: 0x81, id: 0 }, 1, 0, 0n, new Uint8Array(0));
    await p.waitClosed();
    expect(logger.lines.some((l) => /unknown option bits/.test(l))).toBe(true);
    await stillServes(goodRoot);
  });

  it("a DEC_STRONG for references it does not hold ends its session (strict, the default)", async () => {
    const { path, logger, goodRoot } = await serve();
    const p = await RawPeer.connect(path);
    await p.handshake();
    const root = await p.root();
    p.write(Buffer.concat([encodeWireHeader(2, 16), encodeDecStrong(root, 5)]));
    await p.waitClosed();
    expect(logger.lines.some((l) => /DEC_STRONG of 5 but only 1/.test(l))).toBe(true);
    await stillServes(goodRoot);
  });

  it("with strictRefcounts off, a bogus DEC_STRONG is logged and ignored, as libbinder does", async () => {
    const { path, logger } = await serve({ limits: { strictRefcounts: false } });
    const p = await RawPeer.connect(path);
    await p.handshake();
    const root = await p.root();
    p.write(Buffer.concat([encodeWireHeader(2, 16), encodeDecStrong({ options: 3, id: 999 }, 1)]));
    await logger.logged(/unknown address.*ignored/);
    // the session still answers
    p.transact(root, 0x5f4e5446, 0, 0n, new Uint8Array(0)); // INTERFACE_TRANSACTION
    // the server returns the target's reference first (libbinder), then replies
    expect((await p.readFrame()).command).toBe(2);
    expect((await p.readFrame()).command).toBe(1);
    expect(p.closed).toBe(false);
    p.s.destroy();
  });

  it("a flood of oneways that cannot run (a gap in asyncNumber) is cut off at the parked limit", async () => {
    const { path, logger, goodRoot, service } = await serve({ limits: { maxParkedOneways: 100 } });
    const p = await RawPeer.connect(path);
    await p.handshake();
    const root = await p.root();
    const before = process.memoryUsage().arrayBuffers;
    for (let i = 1; i <= 150; i++) p.transact(root, Code.RECORD, FLAG_ONEWAY, BigInt(i), request((d) => d.writeInt32(i)));
    await p.waitClosed();
    expect(logger.lines.some((l) => /oneway calls parked/.test(l))).toBe(true);
    expect(service.recorded).toEqual([]);
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(16 * 1024 * 1024);
    await stillServes(goodRoot);
  });

  it("oneways piling up past the queued-bytes limit end the session", async () => {
    const { path, logger, goodRoot } = await serve({ limits: { maxQueuedBytes: 64 * 1024 } });
    const p = await RawPeer.connect(path);
    await p.handshake();
    const root = await p.root();
    const big = request((d) => { d.writeInt32(1); d.writeByteArray(new Uint8Array(16 * 1024)); });
    for (let i = 1; i <= 10; i++) p.transact(root, Code.RECORD, FLAG_ONEWAY, BigInt(i), big);
    await p.waitClosed();
    expect(logger.lines.some((l) => /queued .* bytes of calls/.test(l))).toBe(true);
    await stillServes(goodRoot);
  });

  it("too many objects in one parcel end the session", async () => {
    const { path, logger, goodRoot } = await serve({ limits: { maxParcelObjects: 4 } });
    const p = await RawPeer.connect(path);
    await p.handshake();
    const data = new Uint8Array(64);
    const table = new Uint8Array(4 * 8);
    for (let i = 0; i < 8; i++) new DataView(table.buffer).setUint32(i * 4, i * 8, true);
    const t = encodeTransaction(1, { address: { options: 0, id: 0 }, code: 0, flags: 0, asyncNumber: 0n, parcelDataSize: data.length });
    p.write(Buffer.concat([encodeWireHeader(0, t.length + data.length + table.length), t, data, table]));
    await p.waitClosed();
    expect(logger.lines.some((l) => /8 objects in one parcel/.test(l))).toBe(true);
    await stillServes(goodRoot);
  });

  it("connections past maxConnections are closed at once; sessions past maxSessions are refused", async () => {
    // (every peer here is this uid: the per-peer caps are set to the server-wide ones, so these
    // are what is tested)
    const { path, server, goodRoot } = await serve({ maxConnections: 2, maxSessions: 1, maxConnectionsPerPeer: 2, maxSessionsPerPeer: 1 });
    // the good client holds one connection and the only session
    const p = await RawPeer.connect(path);
    p.write(encodeConnectionHeader({ version: 1, options: 0, fdMode: 0, sessionId: null }));
    p.write(encodeConnectionInit());
    await p.read(8); // the response is sent before anything is checked, as libbinder does
    await p.waitClosed();
    expect(server.sessionCount).toBe(1);
    const q = await RawPeer.connect(path);
    const r = await RawPeer.connect(path);
    await Promise.race([q.waitClosed(), r.waitClosed()]);
    await stillServes(goodRoot);
    q.s.destroy(); r.s.destroy();
  });
  it("a peer that pipelines more calls than it agreed to ends its session", async () => {
    const { path, server, logger, goodRoot } = await serve();
    const p = await RawPeer.connect(path);
    await p.handshake();
    const want = new Parcel();
    want.writeInt32(2);
    p.transact({ options: 0, id: 0 }, SPECIAL_PIPELINE_DEPTH, 0, 0n, want.toBytes());
    want.dispose();
    const agreed = await p.readFrame();
    expect(agreed.body.readInt32LE(0)).toBe(0); // status OK
    expect(agreed.body.readInt32LE(20)).toBe(2); // the depth asked for, within the server's 16
    const root = await p.root();
    // three slow calls back to back on one connection: one served, one waiting, one too many
    for (let i = 0; i < 3; i++) p.transact(root, Code.SLOW, FLAG_TOP_LEVEL, 0n, request((d) => d.writeInt32(2_000)));
    await p.waitClosed();
    expect(logger.lines.some((l) => /pipelined more than the 2 calls/.test(l))).toBe(true);
    await until(() => server.sessionCount === 1);
    await stillServes(goodRoot);
  });
});
