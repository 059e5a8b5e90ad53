// Server limits that slow or refuse one peer and leave the rest alone: per-identity caps,
// memory budgets for incoming frames, frame and session timeouts, rate-limited logging.
// Timeouts are configured short and their effect awaited as an event (a close, a session's
// end); nothing here waits for a fixed time or measures one.
import { afterEach, describe, expect, it } from "vitest";
import { FLAG_ONEWAY, RpcServer, type RpcSession } from "../../src/index.js";
import { connectSession } from "../../src/transport.js";
import { connectUnix, listenUnix } from "../../runtimes/node/index.js";
import { encodeWireHeader } from "../../src/wire/structs.js";
import { HelloService, echo, recordingLogger, socketPath, until } from "./helpers.js";
import { RawPeer, request, serveNester, serveRaw, serveWithGoodClient } from "./raw-peer.js";
import { Nester, nest } from "./test-service.js";
import { PeerTransport, uid } from "./peer-transport.js";
import { engineOf } from "../../src/rpc/session.js";

const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => { for (const f of cleanup.splice(0)) await f(); });

function newServer(opts: ConstructorParameters<typeof RpcServer>[0] = {}) {
  const logger = recordingLogger();
  const server = new RpcServer({ logger, ...opts });
  server.setRoot(new Nester("server"));
  cleanup.push(() => server.shutdown());
  return { server, logger };
}

async function connect(t: PeerTransport): Promise<RpcSession> {
  const s = await connectSession(t, "server");
  cleanup.push(() => s.shutdown());
  return s;
}

function ended(s: RpcSession): Promise<Error | null> {
  return new Promise((resolve) => s.onEnd(resolve));
}

const TRANSACT = 0;

describe("per-identity caps", () => {
  it("one uid cannot take every session: another uid still gets its share", async () => {
    const { server, logger } = newServer({ maxSessions: 6 });
    const greedy = new PeerTransport(server, uid(1000));
    const other = new PeerTransport(server, uid(1001));
    // half of maxSessions per identity by default
    for (let i = 0; i < 3; i++) expect(await (await connect(greedy)).getRoot()).not.toBeNull();
    await expect(connectSession(greedy, "server")).rejects.toThrow();
    expect(logger.lines.some((l) => /uid 1000 already has 3 sessions \(maxSessionsPerPeer 3\)/.test(l))).toBe(true);
    for (let i = 0; i < 3; i++) expect(await nest((await (await connect(other)).getRoot())!, new Nester("c"), 1)).toBe("server>leaf");
    expect(server.sessionCount).toBe(6);
  });

  it("connections per uid are capped at accept, before any byte is read", async () => {
    const { server, logger } = newServer({ maxConnectionsPerPeer: 2 });
    const t = new PeerTransport(server, uid(1000));
    await connect(t);
    await connect(t);
    await expect(connectSession(t, "server")).rejects.toThrow();
    expect(logger.lines.some((l) => /uid 1000 already has 2 connections/.test(l))).toBe(true);
    // a session that ends gives its slot back
    await (await connect(new PeerTransport(server, uid(1001)))).getRoot();
  });
});

describe("memory budget for incoming frames", () => {
  /** Send the header of a TRANSACT announcing `announced` body bytes, then `send` bytes of it
   *  in 64 KiB writes, each in a turn of its own (so each is a read of its own). */
  async function halfFrame(s: RpcSession, announced: number, send: number): Promise<void> {
    const tc = engineOf(s).core.connections.all[0]!.transport;
    tc.write(encodeWireHeader(TRANSACT, announced));
    const piece = new Uint8Array(64 * 1024);
    for (let sent = 0; sent < send; sent += piece.length) {
      tc.write(piece);
      await new Promise((r) => setImmediate(r));
    }
  }

  it("a body announced as 16 MiB reserves with what arrives, not what was announced", async () => {
    const { server } = newServer();
    const t = new PeerTransport(server, uid(1000));
    const s = await connect(t);
    await halfFrame(s, 16 * 1024 * 1024, 1024 * 1024);
    await until(() => server.incomingBytes.used > 0);
    // at most twice what arrived (the streamed parcel grows by doubling), less the free 64 KiB
    console.log(`16 MiB announced, 1 MiB sent: ${server.incomingBytes.used} bytes charged`);
    expect(server.incomingBytes.used).toBeLessThanOrEqual(2 * 1024 * 1024);
    expect(t.accepted[0]!.isPaused).toBe(false);
  });

  it("big bodies that arrive over many reads are assembled intact while their buffer grows", async () => {
    const path = socketPath();
    const server = await listenUnix(path, { logger: recordingLogger() });
    server.setRoot(new HelloService());
    cleanup.push(() => server.shutdown());
    const c = await connectUnix(path);
    cleanup.push(() => c.shutdown());
    const root = (await c.getRoot())!;
    for (const chars of [150_000, 524_289, 2_621_443]) {
      let text = "";
      for (let i = 0; text.length < chars; i++) text += `${i}€`; // no zero bytes in UTF-16
      text = text.slice(0, chars);
      expect(await echo(root, text)).toBe(text);
    }
    expect(server.incomingBytes.used).toBe(0);
  });

  it("peers that fill the budget are paused, others keep working, and the frame timeout frees it", async () => {
    const limit = 2 * 1024 * 1024;
    const { server, logger } = newServer({ maxIncomingBytes: limit, maxIncomingBytesPerPeer: limit, frameTimeoutMs: 300 });
    const attacker = new PeerTransport(server, uid(1000));
    const sessions = [await connect(attacker), await connect(attacker), await connect(attacker)];
    const gone = sessions.map(ended);
    for (const s of sessions) await halfFrame(s, 16 * 1024 * 1024, 2 * 1024 * 1024);
    // every attacker connection that asked for more than the budget has is paused
    expect(attacker.accepted.filter((e) => e.isPaused).length).toBeGreaterThan(0);
    expect(attacker.accepted.some((e) => e.waitingBytes > 0)).toBe(true);
    // a reservation grows by doubling: the budget is passed by at most one connection's frame
    console.log(`budget ${limit}: peak charged ${server.incomingBytes.peak}`);
    expect(server.incomingBytes.peak).toBeLessThanOrEqual(2 * limit + 256 * 1024);
    // a well-behaved peer with ordinary frames is not held up
    const good = await connect(new PeerTransport(server, uid(1001)));
    expect(await nest((await good.getRoot())!, new Nester("good"), 2)).toBe("server>good>leaf");
    // the half frames never finish: each session ends at its frame timeout, the budget is free
    await Promise.all(gone);
    expect(logger.lines.filter((l) => /not finished within 300 ms/.test(l)).length).toBe(3);
    expect(server.incomingBytes.used).toBe(0);
    expect(await nest((await good.getRoot())!, new Nester("good"), 1)).toBe("server>leaf");
  });
});

describe("timeouts", () => {
  it("a frame started and never finished closes its session after frameTimeoutMs", async () => {
    const { path, logger, goodRoot } = await serveWithGoodClient({ frameTimeoutMs: 100 }, cleanup);
    const p = await RawPeer.connect(path);
    await p.handshake();
    p.write(encodeWireHeader(TRANSACT, 1000)); // and never the body
    await p.waitClosed();
    expect(logger.lines.some((l) => /not finished within 100 ms/.test(l))).toBe(true);
    expect(await nest(goodRoot, new Nester("good"), 1)).toBe("server>leaf");
  });

  it("an r34 connection that sends only its 4-byte prefix meets the handshake timeout, not a session", async () => {
    const { path, server, logger } = await serveNester({ handshakeTimeoutMs: 100 }, cleanup);
    let sessions = 0;
    server.onSession(() => sessions++);
    const p = await RawPeer.connect(path);
    const prefix = new Uint8Array(4);
    new DataView(prefix.buffer).setUint32(0, 60, true);
    p.write(prefix);
    await p.waitClosed();
    expect(sessions).toBe(0);
    expect(logger.lines.some((l) => /handshake timed out/.test(l))).toBe(true);
    // an r34 client that sends whole frames is served as before
    const c = await connectUnix(path, { version: "r34" });
    cleanup.push(() => c.shutdown());
    expect(await nest((await c.getRoot())!, new Nester("c"), 1)).toBe("server>leaf");
  });

  it("a session that never got an object is ended after unusedSessionTimeoutMs; one holding the root is not", async () => {
    const { server, logger } = newServer({ unusedSessionTimeoutMs: 100 });
    const keeper = await connect(new PeerTransport(server, uid(1000)));
    const root = (await keeper.getRoot())!;
    const unused = await connect(new PeerTransport(server, uid(1001)));
    await ended(unused); // the client sees the server close its connection
    await until(() => server.sessionCount === 1);
    expect(logger.lines.some((l) => /unusedSessionTimeoutMs 100/.test(l))).toBe(true);
    // the keeper's session was checked at least as often, and lives on
    expect(keeper.isAlive()).toBe(true);
    expect(await nest(root, new Nester("k"), 1)).toBe("server>leaf");
  });

  it("idleSessionTimeoutMs, when set, ends even sessions that hold binders", async () => {
    const { server, logger } = newServer({ idleSessionTimeoutMs: 100 });
    const s = await connect(new PeerTransport(server, uid(1000)));
    await s.getRoot();
    await ended(s);
    expect(logger.lines.some((l) => /idleSessionTimeoutMs 100/.test(l))).toBe(true);
  });
});

describe("rate-limited logging", () => {
  it("50,000 oneways to an unknown code write a handful of lines and one summary", async () => {
    const { logger, p, root } = await serveRaw({}, cleanup);
    const n = 50_000;
    const body = request(() => {});
    for (let i = 0; i < n; i++) p.transact(root, 999, FLAG_ONEWAY, BigInt(i), body);
    // a two-way call behind them on the same connection is answered once they have all run
    p.transact(root, 3 /* RECORDED */, 0, 0n, request(() => {}));
    for (;;) if ((await p.readFrame()).command === 1) break;
    const failures = logger.lines.filter((l) => /oneway call 999 failed/.test(l));
    expect(failures.length).toBe(5);
    // the summary comes when the interval ends or the session does
    p.s.destroy();
    await logger.logged(/^49995 more like this left out of the log: .*oneway call 999 failed/);
    expect(logger.lines.length).toBeLessThan(12);
  });
});


