// Session setup: version negotiation, multi-connection sessions, the service directory, and
// a peer that breaks the protocol (only its own session ends).
import { afterEach, describe, expect, it } from "vitest";
import * as net from "node:net";
import {
  BinderError, StatusCode, HandshakeError, checkService, getService, listServices,
  getCallingIdentity, Binder, type Parcel, type IBinder, type RpcSession,
} from "../../src/index.js";
import { writeNoException } from "../../src/codegen.js";
import { connectUnix, listenUnix } from "../../runtimes/node/index.js";
import { encodeConnectionHeader, encodeConnectionInit, encodeNewSessionResponse, encodeWireHeader } from "../../src/wire/structs.js";
import { socketPath, until, HelloService, echo } from "./helpers.js";
import { Code, Nester, nest, slow, hold } from "./test-service.js";

const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => { for (const f of cleanup.splice(0)) await f(); });

async function serve(opts: Parameters<typeof listenUnix>[1] = {}, root: IBinder = new Nester("server")) {
  const path = socketPath();
  const server = await listenUnix(path, opts);
  server.setRoot(root);
  cleanup.push(() => server.shutdown());
  return { path, server };
}

function rawConnect(path: string): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ path }, () => resolve(s));
    s.once("error", reject);
  });
}

function closed(s: net.Socket): Promise<void> {
  return new Promise((resolve) => { if (s.destroyed) resolve(); else s.once("close", () => resolve()); });
}

describe("version negotiation", () => {
  it.each([
    [2, 2, 2], [2, 1, 1], [2, 0, 0], [1, 2, 1], [0, 2, 0],
  ])("server max %i, client max %i -> v%i", async (serverMax, clientMax, expected) => {
    const { path } = await serve({ maxVersion: serverMax });
    const session = await connectUnix(path, { version: clientMax });
    cleanup.push(() => session.shutdown());
    expect(session.stats.protocolVersion).toBe(expected);
    expect(await nest((await session.getRoot())!, new Nester("c"), 1)).toBe("server>leaf");
  });

  it("a client offering a version above the server's gets the server's (min), as libbinder answers", async () => {
    const { path } = await serve();
    const s = await rawConnect(path);
    s.write(encodeConnectionHeader({ version: 7, options: 0, fdMode: 0, sessionId: null }));
    const got = await new Promise<Buffer>((resolve) => s.once("data", resolve));
    expect(Array.from(got.subarray(0, 8))).toEqual(Array.from(encodeNewSessionResponse(2)));
    s.destroy();
  });

  it("a client refuses a server that answers a version above the one it offered", async () => {
    const path = socketPath();
    const fake = net.createServer((sock) => {
      sock.once("data", () => sock.write(encodeNewSessionResponse(9)));
    });
    await new Promise<void>((r) => fake.listen(path, r));
    cleanup.push(() => new Promise<void>((r) => fake.close(() => r())));
    const err = await connectUnix(path, { version: 1 }).catch((e) => e);
    expect(err).toBeInstanceOf(HandshakeError);
    expect(err.message).toMatch(/version 9/);
  });

  it("an unsupported version is refused locally before connecting", async () => {
    await expect(connectUnix(socketPath(), { version: 3 })).rejects.toBeInstanceOf(RangeError);
  });
});

describe("multi-connection sessions", () => {
  it("a client opens min(maxThreads, maxOutgoingConnections) connections and spreads calls over them", async () => {
    let inFlight = 0, maxInFlight = 0;
    // SLOW calls wait until three are in the server at once (they cannot, unless spread over
    // three connections), then all go on: no call's duration decides the outcome
    let threeInFlight!: () => void;
    const gate = new Promise<void>((r) => { threeInFlight = r; });
    class Counting extends Nester {
      protected override async onTransact(code: number, data: Parcel, reply: Parcel): Promise<boolean> {
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        if (inFlight === 3) threeInFlight();
        try {
          if (code === Code.SLOW) await gate;
          return await super.onTransact(code, data, reply);
        } finally { inFlight--; }
      }
    }
    const { path, server } = await serve({ maxThreads: 3 }, new Counting("server"));
    let serverSession: RpcSession | null = null;
    server.onSession((s) => { serverSession = s; });
    const session = await connectUnix(path, { maxOutgoingConnections: 10 });
    cleanup.push(() => session.shutdown());
    expect(session.stats.outgoingConnections).toBe(3);
    await until(() => serverSession !== null && serverSession.stats.incomingConnections === 3);
    const root = (await session.getRoot())!;
    await Promise.all(Array.from({ length: 9 }, () => slow(root, 1)));
    expect(maxInFlight).toBe(3);

    const capped = await connectUnix(path, { maxOutgoingConnections: 2 });
    cleanup.push(() => capped.shutdown());
    expect(capped.stats.outgoingConnections).toBe(2);
  });

  it("without incoming threads the server can call back only while the client waits on it", async () => {
    const service = new Nester("server");
    const { path } = await serve({}, service);
    const session = await connectUnix(path);
    cleanup.push(() => session.shutdown());
    const root = (await session.getRoot())!;
    const cb = new Nester("cb");
    await hold(root, cb);
    // now nobody waits on the server: an unprompted call has no connection to go on
    const err = await nest(service.held[0]!, service, 0).catch((e) => e);
    expect(err).toBeInstanceOf(BinderError);
    expect(err.status).toBe(StatusCode.WOULD_BLOCK);
  });

  it("with an incoming thread the server can call the client at any time", async () => {
    const service = new Nester("server");
    const { path } = await serve({}, service);
    const session = await connectUnix(path, { maxIncomingThreads: 1 });
    cleanup.push(() => session.shutdown());
    expect(session.stats.incomingConnections).toBe(1);
    await hold((await session.getRoot())!, new Nester("cb"));
    expect(await nest(service.held[0]!, service, 0)).toBe("leaf");
    expect(await nest(service.held[0]!, service, 2)).toBe("cb>server>leaf");
  });
});

describe("service directory (rsbinder compatible)", () => {
  it("addService / getService / checkService / listServices", async () => {
    const path = socketPath();
    const server = await listenUnix(path);
    cleanup.push(() => server.shutdown());
    server.addService("hello", new HelloService());
    server.addService("nester", new Nester("n"));
    const session = await connectUnix(path);
    cleanup.push(() => session.shutdown());
    const root = (await session.getRoot())!;
    expect(await root.getInterfaceDescriptor()).toBe("rsbinder.rpc.IServiceDirectory");
    expect(await echo(await getService(root, "hello"), "hi")).toBe("hi");
    expect(await checkService(root, "missing")).toBeNull();
    const err = await getService(root, "missing").catch((e) => e);
    expect(err).toBeInstanceOf(BinderError);
    expect(err.status).toBe(StatusCode.NAME_NOT_FOUND);
    expect(await listServices(root)).toEqual(["hello", "nester"]);
  });
});

describe("calling identity", () => {
  it("is the connection's peer inside a call, null outside, and survives awaits", async () => {
    const seen: unknown[] = [];
    class Who extends Binder {
      constructor() { super("test.IWho"); }
      protected async onTransact(_code: number, _d: Parcel, reply: Parcel) {
        seen.push(getCallingIdentity());
        await new Promise((r) => setTimeout(r, 5));
        seen.push(getCallingIdentity());
        writeNoException(reply);
        return true;
      }
    }
    const { path } = await serve({}, new Who());
    const session = await connectUnix(path);
    cleanup.push(() => session.shutdown());
    const root = (await session.getRoot())!;
    (await root.transact(1, root.newParcel())).dispose();
    expect(seen).toHaveLength(2);
    // a Unix socket peer: this very process (SO_PEERCRED)
    expect(seen[0]).toEqual({ kind: "unix", pid: process.pid, uid: process.getuid!(), gid: process.getgid!() });
    expect(seen[1]).toEqual(seen[0]);
    expect(getCallingIdentity()).toBeNull();
  });
});

describe("a peer that breaks the protocol", () => {
  async function handshaken(path: string): Promise<net.Socket> {
    const s = await rawConnect(path);
    s.write(encodeConnectionHeader({ version: 1, options: 0, fdMode: 0, sessionId: null }));
    s.write(encodeConnectionInit());
    await new Promise((r) => s.once("data", r));
    return s;
  }

  it.each([
    ["an unknown command", () => encodeWireHeader(7, 0)],
    ["a hostile body size (4 GiB - 16)", () => encodeWireHeader(0, 0xfffffff0)],
    ["a DEC_STRONG of the wrong size", () => { const h = encodeWireHeader(2, 4); const b = new Uint8Array(20); b.set(h); return b; }],
    ["a TRANSACT whose parcelDataSize points past the body", () => {
      const body = new Uint8Array(40);
      new DataView(body.buffer).setUint32(24, 1000, true);
      const h = encodeWireHeader(0, 40);
      const f = new Uint8Array(56); f.set(h); f.set(body, 16); return f;
    }],
    ["a REPLY nobody asked for", () => { const h = encodeWireHeader(1, 20); const f = new Uint8Array(36); f.set(h); return f; }],
  ])("%s ends that session only", async (_what, frame) => {
    const { path, server } = await serve();
    const good = await connectUnix(path);
    cleanup.push(() => good.shutdown());
    const goodRoot = (await good.getRoot())!;
    const bad = await handshaken(path);
    await until(() => server.sessionCount === 2);
    const before = process.memoryUsage().arrayBuffers;
    bad.write(frame());
    await closed(bad);
    await until(() => server.sessionCount === 1);
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(8 * 1024 * 1024);
    expect(await nest(goodRoot, new Nester("c"), 1)).toBe("server>leaf");
  });

  it("a frame sent in 1-byte pieces is still one frame", async () => {
    const { path } = await serve({}, new HelloService());
    const s = await rawConnect(path);
    const header = encodeConnectionHeader({ version: 1, options: 0, fdMode: 0, sessionId: null });
    const bytes = [...header, ...encodeConnectionInit(), ...encodeWireHeader(0, 40), ...new Uint8Array(40)];
    const got: Buffer[] = [];
    // response (8) + REPLY header (16) + reply struct (20) + root binder (16)
    const answered = new Promise<void>((r) => s.on("data", (d) => { got.push(d); if (Buffer.concat(got).length >= 8 + 16 + 20 + 16) r(); }));
    for (const b of bytes) {
      s.write(new Uint8Array([b]));
      await new Promise((r) => setImmediate(r));
    }
    await answered;
    const all = Buffer.concat(got);
    expect(all.readUInt32LE(8)).toBe(1); // REPLY
    expect(all.readInt32LE(24)).toBe(0); // status OK
    s.destroy();
  });
});
