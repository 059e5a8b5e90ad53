// File descriptors over Unix sockets (SCM_RIGHTS, fd mode UNIX, wire v1+): in calls, in
// replies, many per message, across processes, without leaks; and refused cleanly where the
// session cannot carry them.
import { afterEach, describe, expect, it } from "vitest";
import { closeSync, fstatSync, mkdtempSync, openSync, readdirSync, readSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  BinderError, FdMode, FLAG_ONEWAY, HandshakeError, Parcel, ParcelError, ParcelFileDescriptor,
  StatusCode, type IBinder, type PeerIdentity, type RpcServer, type RpcSession,
} from "../../src/index.js";
import { readException } from "../../src/codegen.js";
import { Connection } from "../../src/rpc/engine/connection.js";
import { ByteQueue } from "../../src/rpc/byte-queue.js";
import { FrameReader, type Incoming } from "../../src/rpc/engine/frame-reader.js";
import { decStrongFrame, replyFrame } from "../../src/wire/frames.js";
import { frameDialect } from "../../src/rpc/dialect.js";
import { aosp, parcelMode } from "../../src/rpc/dialect.js";
import { connectUnix, listenUnix, nodePlatform as platform } from "../../runtimes/node/index.js";
import { inertTransport, socketPath, spawnFixture, until } from "./helpers.js";
import { FD_DESCRIPTOR, FdCode, FdService, pipe } from "./fd-service.js";
import { engineOf } from "../../src/rpc/session.js";

const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => { for (const f of cleanup.splice(0).reverse()) await f(); });

async function serve(fdModes: number[] = [FdMode.NONE, FdMode.UNIX], extra: { maxVersion?: number; maxThreads?: number } = {}) {
  const path = socketPath();
  const server: RpcServer = await listenUnix(path, { fdModes, ...extra });
  const service = new FdService();
  const peers: PeerIdentity[] = [];
  server.setAuthorizer((p) => { peers.push(p); return true; });
  server.setRoot(service);
  cleanup.push(() => server.shutdown());
  return { path, server, service, peers };
}

async function client(path: string, fileDescriptors = true): Promise<{ session: RpcSession; root: IBinder }> {
  const session = await connectUnix(path, { fileDescriptors });
  cleanup.push(() => session.shutdown());
  const root = (await session.getRoot())!;
  return { session, root };
}

async function call(b: IBinder, code: number, fill: (p: Parcel) => void): Promise<Parcel> {
  const data = b.newParcel();
  try {
    data.writeInterfaceToken(FD_DESCRIPTOR);
    fill(data);
    const reply = await b.transact(code, data);
    readException(reply);
    return reply;
  } finally { data.dispose(); }
}

function readAll(fd: number, max = 4096): string {
  const buf = Buffer.alloc(max);
  const n = readSync(fd, buf, 0, max, null);
  return buf.subarray(0, n).toString();
}

function openFds(): number {
  return readdirSync("/proc/self/fd").length;
}

function closeAll(...fds: number[]): void {
  for (const fd of fds) { try { closeSync(fd); } catch { /* closed */ } }
}

describe.runIf(process.platform === "linux")("file descriptors over Unix sockets", () => {
  it("a pipe's write end goes to the server, which writes into it; the client reads it", async () => {
    const { path, peers } = await serve();
    const { root } = await client(path);
    const [r, w] = pipe();
    try {
      const pfd = new ParcelFileDescriptor(w);
      const reply = await call(root, FdCode.WRITE_TO, (p) => {
        p.writeParcelFileDescriptor(pfd);
        p.writeString16("through the pipe");
      });
      reply.dispose();
      // the descriptor stayed ours: still open and usable
      expect(pfd.fd).toBe(w);
      pfd.close();
      expect(readAll(r)).toBe("through the pipe");
      // peer identity still comes from SO_PEERCRED on the fd-passing transport
      expect(peers[0]).toEqual({ kind: "unix", pid: process.pid, uid: process.getuid!(), gid: process.getgid!() });
    } finally { closeAll(r, w); }
  });

  it("the caller may close its descriptor right after a oneway call: a duplicate travels", async () => {
    const { path, service } = await serve();
    const { root } = await client(path);
    const [r, w] = pipe();
    try {
      const data = root.newParcel();
      data.writeInterfaceToken(FD_DESCRIPTOR);
      const pfd = new ParcelFileDescriptor(w);
      data.writeParcelFileDescriptor(pfd);
      data.writeString16("oneway");
      const before = service.calls;
      const done = root.transact(FdCode.WRITE_TO, data, FLAG_ONEWAY);
      pfd.close(); // before the frame has even left (it is flushed in a microtask)
      data.dispose();
      (await done).dispose();
      // (a blocking read here would stall the in-process server: wait for the call first)
      await until(() => service.calls > before);
      expect(readAll(r)).toBe("oneway");
    } finally { closeAll(r); }
  });

  it("100 descriptors in one call arrive in order, each a distinct open file", async () => {
    const { path } = await serve();
    const { root } = await client(path);
    const pipes = Array.from({ length: 100 }, () => pipe());
    try {
      const reply = await call(root, FdCode.WRITE_EACH, (p) => {
        p.writeInt32(pipes.length);
        for (const [, w] of pipes) p.writeFileDescriptor(new ParcelFileDescriptor(w));
      });
      expect(reply.readInt32()).toBe(100);
      reply.dispose();
      pipes.forEach(([r], i) => expect(readAll(r)).toBe(String(i)));
    } finally { for (const [r, w] of pipes) closeAll(r, w); }
  });

  it("more than 253 descriptors in one message are refused with BAD_VALUE before anything is sent", async () => {
    const { path, service } = await serve();
    const { root } = await client(path);
    const [r, w] = pipe();
    try {
      const before = service.calls;
      const err = await call(root, FdCode.WRITE_EACH, (p) => {
        p.writeInt32(254);
        for (let i = 0; i < 254; i++) p.writeFileDescriptor(new ParcelFileDescriptor(w));
      }).catch((e) => e);
      expect(err).toBeInstanceOf(BinderError);
      expect(err.status).toBe(StatusCode.BAD_VALUE);
      // 253 is fine (the same descriptor 253 times: 253 distinct duplicates, one file)
      const ok = await call(root, FdCode.WRITE_EACH, (p) => {
        p.writeInt32(253);
        for (let i = 0; i < 253; i++) p.writeFileDescriptor(new ParcelFileDescriptor(w));
      });
      expect(ok.readInt32()).toBe(1);
      ok.dispose();
      expect(service.calls).toBe(before + 1);
    } finally { closeAll(r, w); }
  });

  it("descriptors come back in replies: the server returns a new pipe's read end", async () => {
    const { path } = await serve();
    const { root } = await client(path);
    const reply = await call(root, FdCode.MAKE_PIPE, (p) => p.writeString16("from the server"));
    const pfd = reply.readParcelFileDescriptor()!;
    reply.dispose(); // closes the received descriptor; ours is a duplicate
    try {
      expect(readAll(pfd.fd)).toBe("from the server");
      expect(readAll(pfd.fd)).toBe(""); // EOF: the server's write end is closed
    } finally { pfd.close(); }
  });

  it("no descriptor leaks after 10,000 calls passing one (and 1,000 getting one back)", async () => {
    const { path } = await serve();
    const { root } = await client(path);
    const [r, w] = pipe();
    try {
      const pfd = new ParcelFileDescriptor(w);
      // warm up (lazy buffers, the reactor), then count
      for (let i = 0; i < 10; i++) (await call(root, FdCode.INODE, (p) => p.writeParcelFileDescriptor(pfd))).dispose();
      const before = openFds();
      const N = 10_000;
      let ino = "";
      for (let i = 0; i < N; i++) {
        const reply = await call(root, FdCode.INODE, (p) => p.writeParcelFileDescriptor(pfd));
        ino = reply.readString16()!;
        reply.dispose();
      }
      for (let i = 0; i < 1000; i++) {
        const reply = await call(root, FdCode.MAKE_PIPE, (p) => p.writeString16("x"));
        const back = reply.readParcelFileDescriptor()!;
        reply.dispose();
        back.close();
      }
      const after = openFds();
      console.log(`[fds] ${N} calls passing one fd: open fds ${before} → ${after}`);
      expect(ino).not.toBe("");
      expect(Math.abs(after - before)).toBeLessThanOrEqual(4);
    } finally { closeAll(r, w); }
  });

  it("no descriptor leaks when sessions come and go (a connection that ends by EOF closes its socket)", async () => {
    const { path, server } = await serve(undefined, { maxThreads: 4 });
    // warm up (the reactor), then count once the server has ended that session (and the
    // sockets whose EOF ended it are closed)
    const warmEnded = new Promise<void>((r) => server.onSession((x) => x.onEnd(() => r())));
    (await client(path)).session.shutdown();
    await warmEnded;
    const before = openFds();
    for (let i = 0; i < 30; i++) {
      const session = await connectUnix(path, { fileDescriptors: true });
      (await session.getRoot())!;
      session.shutdown();
    }
    // the server side ends by EOF; its sockets are closed by the reactor shortly after
    await until(() => openFds() <= before + 2, 5000).catch(() => {});
    expect(openFds() - before).toBeLessThanOrEqual(2);
  });

  it.runIf(typeof globalThis.gc === "function")("a received descriptor dropped without close() is closed when collected", async () => {
    const { path } = await serve();
    const { root } = await client(path);
    const reply = await call(root, FdCode.MAKE_PIPE, (p) => p.writeString16("lost"));
    let fd = -1;
    (() => { fd = reply.readParcelFileDescriptor()!.fd; })(); // the object is dropped here
    reply.dispose();
    expect(fstatSync(fd).isFIFO()).toBe(true);
    for (let i = 0; i < 50; i++) {
      globalThis.gc!();
      // no event tells that a finalizer ran: poll a bounded number of turns (finalizers run in a later task)
      await new Promise((r) => setTimeout(r, 0));
      try { fstatSync(fd); } catch { break; }
    }
    expect(() => fstatSync(fd)).toThrow(/EBADF/);
  });

  it("large messages with fds, many in flight over several connections, each fd with its own message", async () => {
    const { path } = await serve(undefined, { maxThreads: 4 });
    const { session, root } = await client(path);
    expect(engineOf(session).core.connections.all.length).toBe(4);
    const dir = mkdtempSync(join(tmpdir(), "tsb-fds-"));
    const files = Array.from({ length: 12 }, (_, i) => openSync(join(dir, `f${i}`), "w+"));
    try {
      const results = await Promise.all(files.map(async (fd, i) => {
        const payload = randomBytes(i % 3 === 0 ? 1_500_000 : 3000 + i);
        const reply = await call(root, FdCode.ECHO, (p) => {
          p.writeParcelFileDescriptor(new ParcelFileDescriptor(fd));
          p.writeByteArray(payload);
        });
        try {
          return { ino: reply.readString16(), same: Buffer.from(reply.readByteArray()!).equals(payload), want: String(fstatSync(fd, { bigint: true }).ino) };
        } finally { reply.dispose(); }
      }));
      for (const r of results) {
        expect(r.same).toBe(true);
        expect(r.ino).toBe(r.want);
      }
    } finally { closeAll(...files); }
  });

  it("a received descriptor forwarded in a nested call back to the caller", async () => {
    const { path } = await serve();
    const { root } = await client(path);
    const mine = new FdService(); // the client's own object, called back by the server
    const [r, w] = pipe();
    try {
      const pfd = new ParcelFileDescriptor(w);
      (await call(root, FdCode.FORWARD, (p) => {
        p.writeStrongBinder(mine);
        p.writeParcelFileDescriptor(pfd);
        p.writeString16("there and back");
      })).dispose();
      pfd.close();
      expect(mine.calls).toBe(1);
      expect(readAll(r)).toBe("there and back");
    } finally { closeAll(r, w); }
  });

  it("fresh connections whose first message carries fds (fds arriving during the handshake)", async () => {
    const { path } = await serve(undefined, { maxThreads: 8 });
    for (let round = 0; round < 5; round++) {
      const session = await connectUnix(path, { fileDescriptors: true });
      try {
        const root = (await session.getRoot())!;
        const pipes = Array.from({ length: 8 }, () => pipe());
        try {
          // 8 calls at once: the extra connections' first frames follow their headers at once
          await Promise.all(pipes.map(async ([, w], i) => {
            (await call(root, FdCode.WRITE_TO, (p) => { p.writeParcelFileDescriptor(new ParcelFileDescriptor(w)); p.writeString16(`r${round}c${i}`); })).dispose();
          }));
          pipes.forEach(([r], i) => expect(readAll(r)).toBe(`r${round}c${i}`));
        } finally { for (const [r, w] of pipes) closeAll(r, w); }
      } finally { session.shutdown(); }
    }
  });

  it("a session without fd mode refuses parcels with descriptors (FDS_NOT_ALLOWED, nothing sent)", async () => {
    const { path, service } = await serve();
    const { root } = await client(path, false);
    const [r, w] = pipe();
    try {
      const before = service.calls;
      const data = root.newParcel();
      data.writeInterfaceToken(FD_DESCRIPTOR);
      let err: unknown;
      try { data.writeFileDescriptor(new ParcelFileDescriptor(w)); } catch (e) { err = e; }
      data.dispose();
      // libbinder's status, as a BinderError (what every failed call gives)
      expect(err).toBeInstanceOf(BinderError);
      expect((err as BinderError).status).toBe(StatusCode.FDS_NOT_ALLOWED);
      expect(service.calls).toBe(before);
    } finally { closeAll(r, w); }
  });

  it("a server without FdMode.UNIX refuses a client asking for fds; v0 refuses fd mode", async () => {
    const plain = await serve([FdMode.NONE]);
    // (it answers the version, as libbinder does, then drops the connection)
    expect(await connectUnix(plain.path, { fileDescriptors: true }).catch((e) => e)).toBeInstanceOf(BinderError);
    // fd objects exist from wire v1 on: a client offering only v0 gets no fd session
    const fds = await serve();
    const v0 = await connectUnix(fds.path, { fileDescriptors: true, version: 0 }).catch((e) => e);
    expect(v0).toBeInstanceOf(HandshakeError);
    expect(v0.status).toBe(StatusCode.FDS_NOT_ALLOWED);
    // nor does a server capped at v0
    const capped = await serve([FdMode.NONE, FdMode.UNIX], { maxVersion: 0 });
    const err = await connectUnix(capped.path, { fileDescriptors: true }).catch((e) => e);
    expect(err).toBeInstanceOf(HandshakeError);
    expect(err.status).toBe(StatusCode.FDS_NOT_ALLOWED);
    // without fds, both still work
    const ok = await connectUnix(capped.path, { version: 0 });
    ok.shutdown();
  });

  it("across processes: the child server writes into a pipe end we passed", async () => {
    const path = socketPath();
    const { child } = await spawnFixture("fd-server", [path]);
    cleanup.push(() => { child.kill(); });
    const { root } = await client(path);
    const [r, w] = pipe();
    try {
      const pfd = new ParcelFileDescriptor(w);
      (await call(root, FdCode.WRITE_TO, (p) => { p.writeParcelFileDescriptor(pfd); p.writeString16(`hello from ${child.pid}`); })).dispose();
      pfd.close();
      expect(readAll(r)).toBe(`hello from ${child.pid}`);
      // and a descriptor the child created comes back
      const reply = await call(root, FdCode.MAKE_PIPE, (p) => p.writeString16("made by the child"));
      const back = reply.readParcelFileDescriptor()!;
      reply.dispose();
      expect(readAll(back.fd)).toBe("made by the child");
      back.close();
    } finally { closeAll(r, w); }
  });
});

describe.runIf(process.platform === "linux")("which message received descriptors belong to", () => {
  // A Linux stream recvmsg ends right after the buffer that carried fds but may begin with the
  // tail of the message before, so fds go to the message holding the chunk's LAST byte, if the
  // chunk reaches into its header (libbinder takes fds only while it reads a header).
  const d = aosp(1, true);
  function frames(): { a: Uint8Array; b: Uint8Array; dec: Uint8Array } {
    const pa = new Parcel(); pa._setMode(parcelMode(d)); pa.writeInt32(7);
    const pb = new Parcel(); pb._setMode(parcelMode(d)); pb.writeFileDescriptor(new ParcelFileDescriptor(0));
    try {
      return { a: replyFrame(pa, frameDialect(d), 0), b: replyFrame(pb, frameDialect(d), 0), dec: decStrongFrame(frameDialect(d), { options: 0, id: 2 }, 1, platform.bytes) };
    } finally { pa.dispose(); pb.dispose(); }
  }
  function feed(chunks: [Uint8Array, number[]?][]): { fds: number[]; errors: unknown[] } {
    const got: number[] = [];
    const errors: unknown[] = [];
    const owner = {
      onCommand(_c: Connection, cmd: Incoming) { if (cmd.kind !== "decStrong") { got.push(cmd.parcel._fds.length); cmd.parcel.dispose(); } },
      onProtocolError(_c: Connection, e: unknown) { errors.push(e); },
      onConnectionEnd() {}, onAvailable() {}, platform,
    };
    const tc = inertTransport(true);
    const conn = new Connection(tc, new ByteQueue(), owner, { outgoing: true });
    conn.beginFrames(new FrameReader(d, { maxBody: 1 << 20, maxObjects: 1024, platform }));
    for (const [bytes, fds] of chunks) conn.onData(bytes, fds);
    return { fds: got, errors };
  }
  const cat = (...xs: Uint8Array[]) => Uint8Array.from(xs.flatMap((x) => [...x]));
  const fdsNow = () => readdirSync("/proc/self/fd").length;

  it("fds arriving with [tail of A][head of B] belong to B", () => {
    const { a, b } = frames();
    const [r, w] = pipe();
    const res = feed([[a.subarray(0, 10)], [cat(a.subarray(10), b.subarray(0, 20)), [w]], [b.subarray(20)]]);
    expect(res.errors).toEqual([]);
    expect(res.fds).toEqual([0, 1]);
    closeAll(r);
  });

  it("fds arriving with the whole of B after A in one chunk belong to B", () => {
    const { a, b } = frames();
    const [r, w] = pipe();
    expect(feed([[cat(a, b), [w]]]).fds).toEqual([0, 1]);
    closeAll(r);
  });

  it("fds that come only with body bytes are closed, not given to the message (libbinder reads them with no control buffer)", () => {
    const { a, b } = frames();
    const [r, w] = pipe();
    const before = fdsNow();
    // the chunk with the fd starts 20 bytes into B: past B's 16-byte header
    const res = feed([[cat(a, b.subarray(0, 20))], [b.subarray(20), [w]]]);
    expect(res.fds).toEqual([0, 0]);
    expect(fdsNow()).toBe(before - 1);
    // one that reaches into the header (from its 15th byte) still counts
    const [r2, w2] = pipe();
    expect(feed([[cat(a, b.subarray(0, 15))], [b.subarray(15), [w2]]]).fds).toEqual([0, 1]);
    closeAll(r, r2);
  });

  it("fds that arrive with a DEC_STRONG are closed, not given to the next message", () => {
    const { a, dec } = frames();
    const [r, w] = pipe();
    const before = fdsNow();
    const res = feed([[dec, [w]], [a]]);
    expect(res.fds).toEqual([0]);
    expect(fdsNow()).toBe(before - 1);
    closeAll(r);
  });

  it("more than 253 fds pending for one message end the connection", () => {
    const { b } = frames();
    const pipes = Array.from({ length: 130 }, () => pipe());
    const res = feed([[b.subarray(0, 4), pipes.map(([, w]) => w)], [b.subarray(4, 8), pipes.map(([r]) => r)]]);
    expect(res.errors).toHaveLength(1);
    expect(String(res.errors[0])).toMatch(/253/);
    // all of them were closed
    for (const [r] of pipes) expect(() => fstatSync(r)).toThrow();
  });
});
