// Node servers read accepted sockets through `onread`: the accepted descriptor is duplicated
// into a new net.Socket (runtimes/node/socket.ts, acceptedConnection). Nothing may be lost on
// the way (the client speaks first, right after connect), and nothing may leak. Where node:net
// cannot adopt the duplicate (another runtime's node:net, or a descriptor it refuses), the
// duplicate is closed and the accepted socket serves as it is.
import * as net from "node:net";
import { closeSync, openSync, readdirSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { connectTcp, connectUnix, listenTcp, listenUnix } from "../../runtimes/node/index.js";
import { acceptedConnection, koffiFdOps, type SocketFdOps } from "../../runtimes/node/socket.js";
import { directSender } from "../../runtimes/node/direct-send.js";
import { nodeNative } from "../../runtimes/node/native.js";
import type { RpcServer, RpcSession } from "../../src/index.js";
import { HelloService, echo, socketPath, until } from "../rpc/helpers.js";

const openFds = () => readdirSync("/proc/self/fd").length;

const kinds: [string, () => Promise<{ server: RpcServer; connect: () => Promise<RpcSession> }>][] = [
  ["unix", async () => {
    const path = socketPath();
    const server = await listenUnix(path);
    return { server, connect: () => connectUnix(path) };
  }],
  ["tcp", async () => {
    const server = await listenTcp("127.0.0.1", 0, { allowAnonymous: true });
    return { server, connect: () => connectTcp("127.0.0.1", server.port!) };
  }],
];

describe.runIf(process.platform === "linux")("accepted Node sockets read through onread", () => {
  for (const [kind, make] of kinds) {
    it(`${kind}: 50 sessions come and go with calls of every size, and the server's descriptors come back`, async () => {
      const { server, connect } = await make();
      server.setRoot(new HelloService());
      const warm = await connect();
      await echo((await warm.getRoot())!, "warm");
      warm.shutdown();
      await until(() => server.sessionCount === 0);
      const before = openFds();
      for (let i = 0; i < 50; i++) {
        const session = await connect();
        const root = (await session.getRoot())!;
        const text = "x".repeat((i * 7919) % 200_000);
        expect(await echo(root, text)).toBe(text);
        session.shutdown();
      }
      await until(() => server.sessionCount === 0);
      await until(() => openFds() <= before, 5_000);
      expect(openFds()).toBeLessThanOrEqual(before);
      await server.shutdown();
    }, 30_000);
  }
});

async function accepted(ops?: SocketFdOps) {
  const path = socketPath();
  let conn: ReturnType<typeof acceptedConnection> | null = null;
  const got: Buffer[] = [];
  const server = net.createServer({ pauseOnConnect: true }, (s) => {
    conn = acceptedConnection(s, { kind: "anonymous", reason: "test" }, "test", ops);
    conn.start({ data: (c) => got.push(Buffer.from(c)), end: () => {} });
  });
  await new Promise<void>((r) => server.listen(path, r));
  const client = net.connect({ path });
  const back: Buffer[] = [];
  client.on("data", (d) => back.push(d));
  await until(() => conn !== null);
  return { conn: conn!, client, got, back, close: async () => { client.destroy(); await new Promise<void>((r) => server.close(() => r())); } };
}

/** The accelerated tier's ops, whatever TSBINDER_ACCELERATE says (these tests are about it). */
const accelerated: SocketFdOps = {
  dup: nodeNative.dup,
  close: (fd) => { nodeNative.syscalls()!.close(fd); },
  sender: (socket) => directSender(socket, nodeNative.syscalls()),
};

describe("acceptedConnection", () => {
  it("takes the socket over through a duplicate descriptor, read through onread, written by send(2)", async () => {
    const a = await accepted(accelerated);
    expect(a.conn.reads).toBeTruthy();
    a.client.write("ping");
    await until(() => Buffer.concat(a.got).toString() === "ping");
    a.conn.write(new TextEncoder().encode("pong"));
    await until(() => Buffer.concat(a.back).toString() === "pong");
    await a.close();
  });

  it("a read that fills the onread buffer doubles it (64 KiB up to 256 KiB); every byte arrives, in order", async () => {
    const a = await accepted(accelerated); // a.got: a copy of every chunk, as it was read
    const all = a.got;
    const sent = Buffer.alloc(3 << 20);
    for (let i = 0; i < sent.length; i++) sent[i] = (i * 131 + (i >>> 16)) & 0xff;
    a.client.write(sent);
    await until(() => all.reduce((n, c) => n + c.length, 0) === sent.length, 10_000);
    expect(Buffer.concat(all).equals(sent)).toBe(true);
    const sizes = all.map((c) => c.length);
    expect(Math.max(...sizes)).toBeGreaterThan(64 * 1024); // it grew
    expect(Math.max(...sizes)).toBeLessThanOrEqual(256 * 1024); // and no further
    await a.close();
  });

  it("a duplicate node:net refuses is closed, and the accepted socket serves as it is", async () => {
    const closed: number[] = [];
    let file = -1;
    const ops: SocketFdOps = {
      // a regular file's descriptor: net.Socket throws ERR_INVALID_FD_TYPE for it
      dup: () => (file = openSync(process.execPath, "r")),
      close: (fd) => { closed.push(fd); closeSync(fd); },
      sender: () => null,
    };
    const a = await accepted(ops);
    expect(closed).toEqual([file]);
    expect(a.conn.reads).toBeUndefined();
    a.client.write("ping");
    await until(() => Buffer.concat(a.got).toString() === "ping");
    a.conn.write(new TextEncoder().encode("pong"));
    await until(() => Buffer.concat(a.back).toString() === "pong");
    await a.close();
  });

  it("with the accelerated tier off (TSBINDER_ACCELERATE=0) the accepted socket serves as it is, nothing duplicated", async () => {
    const saved = process.env.TSBINDER_ACCELERATE;
    process.env.TSBINDER_ACCELERATE = "0";
    const before = openFds();
    try {
      expect(koffiFdOps.dup(0)).toBe(-1);
      expect(openFds()).toBe(before);
      const a = await accepted(koffiFdOps);
      a.client.write("ping");
      await until(() => Buffer.concat(a.got).toString() === "ping");
      a.conn.write(new TextEncoder().encode("pong"));
      await until(() => Buffer.concat(a.back).toString() === "pong");
      await a.close();
    } finally {
      if (saved === undefined) delete process.env.TSBINDER_ACCELERATE;
      else process.env.TSBINDER_ACCELERATE = saved;
    }
  });
});
