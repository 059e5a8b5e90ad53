// In-process transports: memory pairs and the in-memory RpcTransport (every wire version), and
// a service in a node Worker reached over the MessagePort transport, through both data paths
// (SharedArrayBuffer rings, and postMessage).
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { Worker } from "node:worker_threads";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { buildSync } from "esbuild";
import { RpcServer, type RpcSession } from "../../src/index.js";
import {
  connectSession, MemoryTransport, memoryPair, memoryTransport, messagePortTransport, sharedMemoryAvailable,
  type MessageEndpoint,
} from "../../src/transport.js";
import { RingReader, RingWriter, createRingBuffer } from "../../src/transports/ring.js";
import { HelloService, echo, ended } from "../rpc/helpers.js";
import { Nester, nest, record, recorded, slow } from "../rpc/test-service.js";

const cleanup: (() => Promise<unknown> | unknown)[] = [];
afterEach(async () => { for (const f of cleanup.splice(0).reverse()) await f(); });

describe("memoryPair", () => {
  it("delivers copies, coalesced, in order; close ends both sides", async () => {
    const [a, b] = memoryPair();
    const got: number[] = [];
    let chunks = 0;
    let delivered!: () => void, aEnded!: () => void, bEnded!: () => void;
    const firstChunk = new Promise<void>((r) => { delivered = r; });
    const ends = Promise.all([new Promise<void>((r) => { aEnded = r; }), new Promise<void>((r) => { bEnded = r; })]);
    b.start({ data: (c) => { chunks++; got.push(...c); delivered(); }, end: () => bEnded() });
    a.start({ data: () => {}, end: () => aEnded() });
    const buf = new Uint8Array([1, 2, 3]);
    a.write(buf);
    buf[0] = 99; // the transport owns a copy
    a.write(new Uint8Array([4]));
    expect(got).toEqual([]); // not synchronous
    await firstChunk;
    expect(got).toEqual([1, 2, 3, 4]);
    expect(chunks).toBe(1);
    a.close();
    await ends;
  });

  it("bytes written before start() are kept", async () => {
    const [a, b] = memoryPair();
    a.write(new Uint8Array([7, 8]));
    a.close();
    const got: number[] = [];
    await new Promise<void>((ended) => b.start({ data: (c) => got.push(...c), end: () => ended() }));
    expect(got).toEqual([7, 8]);
  });
});

describe("memory transport sessions", () => {
  for (const version of [0, 1, 2, "r34"] as const) {
    it(`echo, nested callbacks and oneways at wire ${version}`, async () => {
      const t = new MemoryTransport();
      const server = new RpcServer({ maxThreads: 2 });
      server.setRoot(new Nester("server"));
      await server.listen(t, "svc");
      const session = await connectSession(t, "svc", { version });
      cleanup.push(() => server.shutdown());
      expect(session.stats.protocolVersion).toBe(version);
      const root = (await session.getRoot())!;
      expect(await nest(root, new Nester("client"), 3)).toBe("server>client>server>leaf");
      const sent: Promise<void>[] = [];
      for (let i = 0; i < 500; i++) sent.push(record(root, i));
      await Promise.all(sent);
      expect(await recorded(root)).toEqual(Array.from({ length: 500 }, (_, i) => i));
      await server.shutdown();
      await ended(session);
    });
  }

  it("the shared memoryTransport, refusal of unknown names and duplicate listeners", async () => {
    const server = new RpcServer();
    server.setRoot(new HelloService());
    const l = await server.listen(memoryTransport, "hello-inprocess");
    cleanup.push(() => server.shutdown());
    await expect(server.listen(memoryTransport, "hello-inprocess")).rejects.toThrow(/already exists/);
    const session = await connectSession(memoryTransport, "hello-inprocess");
    expect(await echo((await session.getRoot())!, "hi")).toBe("hi");
    await expect(connectSession(memoryTransport, "nobody")).rejects.toThrow(/no in-memory listener named "nobody"/);
    await l.close();
    await expect(connectSession(memoryTransport, "hello-inprocess")).rejects.toThrow(/no in-memory listener/);
    session.shutdown();
  });
});

describe("SharedArrayBuffer ring", () => {
  it("carries a byte stream intact through wrap-around and a full ring, then ends", async () => {
    const sab = createRingBuffer(4096);
    const w = new RingWriter(sab);
    const r = new RingReader(sab);
    const total = 200_000;
    const src = new Uint8Array(total);
    for (let i = 0; i < total; i++) src[i] = (i * 31 + 7) & 0xff;
    const out = new Uint8Array(total);
    let at = 0;
    let ended = false;
    const done = r.run((c) => { out.set(c, at); at += c.length; }, () => { ended = true; });
    // some writes staged (published by a later write, or by close)
    for (let off = 0, n = 1, k = 0; off < total; off += n, n = (n * 7 + 3) % 5000 + 1, k++) w.write(src.subarray(off, Math.min(total, off + n)), k % 3 !== 0);
    w.close();
    await done;
    expect(ended).toBe(true);
    expect(at).toBe(total);
    expect(Buffer.from(out).equals(Buffer.from(src))).toBe(true);
  });
});

// ---- a service in a worker thread ----------------------------------------------------------

let workerFile = "";
beforeAll(() => {
  const entry = fileURLToPath(new URL("./fixtures/nester-worker.ts", import.meta.url));
  workerFile = join(mkdtempSync(join(tmpdir(), "tsb-wk-")), "nester-worker.mjs");
  buildSync({ entryPoints: [entry], bundle: true, platform: "node", format: "esm", outfile: workerFile, logLevel: "warning",
    banner: { js: "import { createRequire as __tsbCreateRequire } from 'node:module'; const require = __tsbCreateRequire(import.meta.url);" } });
});

type Stats = { ring: number; message: number };
async function startWorker(opts: { sharedMemory: boolean; viaParentPort?: boolean; ringBytes?: number }) {
  let endpoint: MessageEndpoint;
  let worker: Worker;
  if (opts.viaParentPort) {
    worker = new Worker(workerFile, { workerData: { sharedMemory: opts.sharedMemory, ringBytes: opts.ringBytes } });
    endpoint = worker;
  } else {
    const { port1, port2 } = new MessageChannel();
    worker = new Worker(workerFile, { workerData: { endpoint: port2, sharedMemory: opts.sharedMemory, ringBytes: opts.ringBytes }, transferList: [port2 as never] });
    endpoint = port1;
    cleanup.push(() => port1.close());
  }
  cleanup.push(() => worker.terminate());
  worker.on("error", (e) => { throw e; });
  // the worker's own messages (not the transport's, when it listens on parentPort)
  type Reply = { stats?: Stats; sessions?: number; ready?: boolean };
  const next = (key: keyof Reply) => new Promise<Reply>((resolve) => {
    const take = (m: Reply) => { if (m && typeof m === "object" && key in m) { worker.off("message", take); resolve(m); } };
    worker.on("message", take);
  });
  await next("ready");
  const workerStats = async () => {
    const reply = next("stats");
    worker.postMessage("stats");
    return (await reply).stats!;
  };
  return { worker, endpoint, workerStats };
}

describe("a service in a node Worker over MessagePorts", () => {
  const paths = [
    { name: "SharedArrayBuffer ring", sharedMemory: true },
    { name: "postMessage", sharedMemory: false },
  ] as const;
  for (const path of paths) {
    it(`nested callbacks across the worker boundary, oneways, big parcels (${path.name})`, async () => {
      if (path.sharedMemory) expect(sharedMemoryAvailable()).toBe(true);
      const { endpoint, workerStats } = await startWorker({ sharedMemory: path.sharedMemory, ringBytes: 8192 });
      const transport = messagePortTransport(endpoint, { sharedMemory: path.sharedMemory, ringBytes: 8192 });
      const session: RpcSession = await connectSession(transport, "nester", { maxIncomingThreads: 1 });
      cleanup.push(() => session.shutdown());
      const root = (await session.getRoot())!;
      expect(await root.getInterfaceDescriptor()).toBe("test.INester");
      expect(await nest(root, new Nester("main"), 4)).toBe("worker>main>worker>main>leaf");
      const sent: Promise<void>[] = [];
      for (let i = 0; i < 1000; i++) sent.push(record(root, i));
      await Promise.all(sent);
      expect(await recorded(root)).toEqual(Array.from({ length: 1000 }, (_, i) => i));
      // a parcel far larger than the 8 KiB ring: wrap-around and backpressure both ways
      expect(await nestBig(root)).toBe(true);
      const hello = await connectSession(transport, "hello");
      cleanup.push(() => hello.shutdown());
      const big = "ring ".repeat(60_000) + "😀"; // 600 KB of UTF-16 each way
      expect(await echo((await hello.getRoot())!, big)).toBe(big);
      // two calls at once use both connections (maxThreads 2)
      expect(await Promise.all([slow(root, 30), slow(root, 30)])).toEqual([30, 30]);
      const mine: Stats = transport.stats;
      const theirs = await workerStats();
      const expected = path.sharedMemory ? "ring" : "message";
      const other = path.sharedMemory ? "message" : "ring";
      expect(mine[expected]).toBeGreaterThanOrEqual(4); // 2 outgoing + 1 incoming + hello
      expect(mine[other]).toBe(0);
      expect(theirs[expected]).toBe(mine[expected]);
    });
  }

  it("falls back to postMessage when the worker declines the ring", async () => {
    const { endpoint, workerStats } = await startWorker({ sharedMemory: false });
    const transport = messagePortTransport(endpoint, { sharedMemory: true });
    const session = await connectSession(transport, "nester");
    cleanup.push(() => session.shutdown());
    expect(await nest((await session.getRoot())!, new Nester("main"), 2)).toBe("worker>main>leaf");
    expect(transport.stats.ring).toBe(0);
    expect(transport.stats.message).toBeGreaterThan(0);
    expect((await workerStats()).message).toBe(transport.stats.message);
  });

  it("the Worker object itself as endpoint (worker listens on parentPort)", async () => {
    const { endpoint } = await startWorker({ sharedMemory: true, viaParentPort: true });
    const transport = messagePortTransport(endpoint);
    const session = await connectSession(transport, "nester", { version: 1 });
    cleanup.push(() => session.shutdown());
    expect(await nest((await session.getRoot())!, new Nester("main"), 2)).toBe("worker>main>leaf");
    expect(transport.stats).toEqual({ ring: 2, message: 0 }); // the ring by default; maxThreads 2
    await expect(connectSession(transport, "no-such-listener")).rejects.toThrow(/refused: no listener named "no-such-listener"/);
  });

  for (const sharedMemory of [true, false]) {
    it(`a terminated worker ends the session (${sharedMemory ? "ring" : "postMessage"})`, async () => {
      const { worker, endpoint } = await startWorker({ sharedMemory });
      const session = await connectSession(messagePortTransport(endpoint, { sharedMemory }), "nester");
      const root = (await session.getRoot())!;
      const pending = slow(root, 5000).catch((e) => e);
      await recorded(root); // a call made after it is answered: the slow one is under way
      await worker.terminate();
      await ended(session);
      expect(await pending).toBeInstanceOf(Error);
    });
  }
});

/** Oneways in batches (a burst of more than 10,000 parked oneways ends a session, as in
 *  libbinder), then one reply bigger than the ring. */
async function nestBig(root: import("../../src/index.js").IBinder): Promise<boolean> {
  const before = (await recorded(root)).length;
  const n = 8000;
  for (let b = 0; b < n; b += 2000) {
    const sent: Promise<void>[] = [];
    for (let i = b; i < b + 2000; i++) sent.push(record(root, i));
    await Promise.all(sent);
    await recorded(root);
  }
  const all = await recorded(root); // a reply of (before + n) * 4 bytes: > 32 KB
  if (all.length !== before + n) return false;
  for (let i = 0; i < n; i++) if (all[before + i] !== i) return false;
  return true;
}
