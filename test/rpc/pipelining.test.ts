// The pipelining extension between tsbinder peers (src/rpc/pipelining.ts, docs/protocol.md
// §6.1): asked for only when calls outnumber connections, answered in order, callbacks into the
// client still nest correctly, and peers that do not know it keep one call per connection.
import { afterEach, describe, expect, it } from "vitest";
import * as net from "node:net";
import { DeadObjectError, StatusCode, type IBinder } from "../../src/index.js";
import { connectUnix, listenUnix } from "../../runtimes/node/index.js";
import { encodeReply, encodeWireHeader } from "../../src/wire/structs.js";
import { SPECIAL_PIPELINE_DEPTH } from "../../src/rpc/pipelining.js";
import { socketPath, HelloService, echo } from "./helpers.js";
import { Nester, nest, slow } from "./test-service.js";
import { engineOf } from "../../src/rpc/session.js";

const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => { for (const f of cleanup.splice(0)) await f(); });

async function serve(opts: Parameters<typeof listenUnix>[1] = {}, root: IBinder = new HelloService()) {
  const path = socketPath();
  const server = await listenUnix(path, { maxThreads: 1, ...opts });
  server.setRoot(root);
  cleanup.push(() => server.shutdown());
  return { path, server };
}

/**
 * A Unix-socket relay in front of a server that notes the code of every special transaction the
 * client sends on its first connection, and (with `unknown`) answers SPECIAL_PIPELINE_DEPTH with
 * UNKNOWN_TRANSACTION itself, as libbinder and rsbinder do, instead of passing it on.
 */
async function relay(target: string, unknown = false): Promise<{ path: string; specials: number[] }> {
  const path = socketPath("relay");
  const specials: number[] = [];
  let first = true;
  const srv = net.createServer((client) => {
    const upstream = net.connect({ path: target });
    upstream.on("data", (d) => client.write(d));
    upstream.on("close", () => client.destroy());
    client.on("close", () => upstream.destroy());
    client.on("error", () => {});
    upstream.on("error", () => {});
    if (!first) { client.on("data", (d) => upstream.write(d)); return; }
    first = false;
    let buf = Buffer.alloc(0);
    let handshake = 24; // connection header (no session id) + "cci"
    client.on("data", (d) => {
      buf = Buffer.concat([buf, d]);
      if (handshake) {
        if (buf.length < handshake) return;
        upstream.write(buf.subarray(0, handshake));
        buf = buf.subarray(handshake);
        handshake = 0;
      }
      while (buf.length >= 16 && buf.length >= 16 + buf.readUInt32LE(4)) {
        const frame = buf.subarray(0, 16 + buf.readUInt32LE(4));
        buf = buf.subarray(frame.length);
        const special = frame.readUInt32LE(0) === 0 && frame.readBigUInt64LE(16) === 0n;
        const code = frame.readUInt32LE(24);
        if (special) specials.push(code);
        if (special && unknown && code === SPECIAL_PIPELINE_DEPTH) {
          client.write(Buffer.concat([encodeWireHeader(1, 20), encodeReply(1, StatusCode.UNKNOWN_TRANSACTION, 0)]));
        } else {
          upstream.write(frame);
        }
      }
    });
  });
  await new Promise<void>((r) => srv.listen(path, r));
  cleanup.push(() => new Promise<void>((r) => srv.close(() => r())));
  return { path, specials };
}

/** `n` echo calls issued in one turn; resolves with what came back, in issue order. */
function burst(root: IBinder, n: number, tag: string): Promise<(string | null)[]> {
  return Promise.all(Array.from({ length: n }, (_, i) => echo(root, `${tag}-${i}`)));
}

const expected = (n: number, tag: string) => Array.from({ length: n }, (_, i) => `${tag}-${i}`);

describe("pipelined calls", () => {
  it("a session whose calls never outnumber its connections never asks: libbinder's bytes", async () => {
    const { path } = await serve({ maxThreads: 4 });
    const r = await relay(path);
    const session = await connectUnix(r.path, { version: 1 });
    cleanup.push(() => session.shutdown());
    const root = (await session.getRoot())!;
    for (let i = 0; i < 20; i++) expect(await burst(root, 4, `r${i}`)).toEqual(expected(4, `r${i}`));
    expect(session.stats.pipelineDepth).toBe(1);
    expect(r.specials).not.toContain(SPECIAL_PIPELINE_DEPTH);
  });

  it("more calls than connections: asks once, then pipelines up to the depth; replies match their calls", async () => {
    const { path } = await serve();
    const r = await relay(path);
    const session = await connectUnix(r.path, { version: 2 });
    cleanup.push(() => session.shutdown());
    const root = (await session.getRoot())!;
    expect(await burst(root, 8, "warm")).toEqual(expected(8, "warm"));
    expect(session.stats.pipelineDepth).toBe(16);
    expect(r.specials.filter((c) => c === SPECIAL_PIPELINE_DEPTH)).toHaveLength(1);

    expect(engineOf(session).core.connections.all).toHaveLength(1);
    const calls = burst(root, 100, "b");
    // 16 calls went out on the one connection in this turn; the rest wait for room
    expect(engineOf(session).core.connections.all[0]!.callsInFlight()).toBe(16);
    expect(await calls).toEqual(expected(100, "b"));
    expect(r.specials.filter((c) => c === SPECIAL_PIPELINE_DEPTH)).toHaveLength(1);
  });

  it("the server calls back while calls wait behind: each nested exchange stays with its call", async () => {
    const { path } = await serve({}, new Nester("server"));
    const session = await connectUnix(path);
    cleanup.push(() => session.shutdown());
    const root = (await session.getRoot())!;
    const clients = Array.from({ length: 24 }, (_, i) => new Nester(`c${i}`));
    // warm-up: agree on pipelining
    await Promise.all(clients.slice(0, 4).map((c) => nest(root, c, 1)));
    expect(session.stats.pipelineDepth).toBe(16);
    // depth 3: server -> client -> server again (that last call nests, unflagged, on the same
    // connection while up to 15 top-level calls wait behind the first)
    for (let round = 0; round < 3; round++) {
      const got = await Promise.all(clients.map((c) => nest(root, c, 3)));
      expect(got).toEqual(clients.map((c) => `server>${c.name}>server>leaf`));
    }
  });

  it("a server that allows one call per connection answers 1, and calls queue as before", async () => {
    const { path } = await serve({ limits: { maxPipelinedCalls: 1 } });
    const r = await relay(path);
    const session = await connectUnix(r.path);
    cleanup.push(() => session.shutdown());
    const root = (await session.getRoot())!;
    expect(await burst(root, 30, "a")).toEqual(expected(30, "a"));
    expect(await burst(root, 30, "b")).toEqual(expected(30, "b"));
    expect(r.specials.filter((c) => c === SPECIAL_PIPELINE_DEPTH)).toHaveLength(1);
    expect(session.stats.pipelineDepth).toBe(1);
  });

  it("a peer that does not know the special (libbinder, rsbinder) keeps one call per connection", async () => {
    const { path } = await serve();
    const r = await relay(path, true);
    const session = await connectUnix(r.path);
    cleanup.push(() => session.shutdown());
    const root = (await session.getRoot())!;
    expect(await burst(root, 30, "a")).toEqual(expected(30, "a"));
    const calls = burst(root, 30, "b");
    expect(engineOf(session).core.connections.all[0]!.callsInFlight()).toBe(1);
    expect(await calls).toEqual(expected(30, "b"));
    expect(session.stats.pipelineDepth).toBe(1);
    expect(r.specials.filter((c) => c === SPECIAL_PIPELINE_DEPTH)).toHaveLength(1);
  });

  it("a client that does not want it (maxPipelinedCalls 1) never asks", async () => {
    const { path } = await serve();
    const r = await relay(path);
    const session = await connectUnix(r.path, { limits: { maxPipelinedCalls: 1 } });
    cleanup.push(() => session.shutdown());
    const root = (await session.getRoot())!;
    expect(await burst(root, 30, "a")).toEqual(expected(30, "a"));
    expect(r.specials).not.toContain(SPECIAL_PIPELINE_DEPTH);
  });

  it("the r34 dialect never asks", async () => {
    const { path } = await serve();
    const session = await connectUnix(path, { version: "r34" });
    cleanup.push(() => session.shutdown());
    const root = (await session.getRoot())!;
    expect(await burst(root, 30, "a")).toEqual(expected(30, "a"));
    expect(session.stats.pipelineDepth).toBe(1);
  });

  it("when the session ends, every pipelined call fails with DeadObjectError", async () => {
    const { path, server } = await serve({}, new Nester("server"));
    const session = await connectUnix(path);
    const root = (await session.getRoot())!;
    await Promise.all([slow(root, 1), slow(root, 1)]);
    expect(session.stats.pipelineDepth).toBe(16);
    const calls = Array.from({ length: 10 }, () => slow(root, 5_000).then(() => "answered", (e) => e));
    expect(engineOf(session).core.connections.all[0]!.callsInFlight()).toBe(10);
    await server.shutdown();
    const results = await Promise.all(calls);
    for (const r of results) expect(r).toBeInstanceOf(DeadObjectError);
    expect(engineOf(session).core.connections.all[0]!.callsInFlight()).toBe(0);
  });
});
