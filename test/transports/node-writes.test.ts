// How the Node socket adapter groups frames into writes (runtimes/node/socket.ts): a frame
// alone goes out at once; frames that follow in the same turn leave together; replies to
// pipelined calls (written with `more`, a few microtasks apart) leave in one write. On a plain
// socket, frames go to the descriptor with send(2) while node's stream holds nothing
// (runtimes/node/direct-send.ts); what the kernel does not take goes through the stream, in order.
import * as net from "node:net";
import { once } from "node:events";
import { describe, expect, it } from "vitest";
import { NodeSocketConnection } from "../../runtimes/node/socket.js";
import { directSender, sendOnFd } from "../../runtimes/node/direct-send.js";
import { socketFd } from "../../runtimes/node/peercred.js";
import { nodeNative } from "../../runtimes/node/native.js";
import { socketPath, until } from "../rpc/helpers.js";

async function pair(direct = false) {
  const path = socketPath();
  const received: Buffer[] = [];
  let peer: net.Socket | null = null;
  const server = net.createServer((s) => { peer = s; s.on("data", (d) => received.push(d)); });
  await new Promise<void>((r) => server.listen(path, r));
  const socket = net.connect({ path });
  await new Promise((r) => socket.once("connect", r));
  let writes = 0;
  const real = socket.write.bind(socket);
  socket.write = ((...a: Parameters<typeof real>) => { writes++; return real(...a); }) as typeof socket.write;
  const conn = new NodeSocketConnection(socket, { kind: "unix", uid: 0, gid: 0, pid: 0 } as never, "test", undefined, direct ? directSender(socket, nodeNative.syscalls()) : null);
  const ended: (Error | undefined)[] = [];
  let onData = () => {};
  conn.start({ data: () => onData(), end: (e?: Error) => { ended.push(e); } });
  const bytes = () => Buffer.concat(received);
  const close = async () => { socket.destroy(); await new Promise<void>((r) => server.close(() => r())); };
  await until(() => peer !== null);
  return { conn, socket, peer: peer! as net.Socket, ended, writes: () => writes, bytes, close, onData: (f: () => void) => { onData = f; } };
}

const frame = (i: number) => { const b = new Uint8Array(8); new DataView(b.buffer).setUint32(0, i, true); return b; };
const ids = (b: Buffer) => Array.from({ length: b.length / 8 }, (_, i) => b.readUInt32LE(i * 8));

describe("Node socket writes", () => {
  it("a frame alone leaves at once; a burst in one turn leaves in two writes", async () => {
    const p = await pair();
    p.conn.write(frame(0));
    expect(p.writes()).toBe(1);
    for (let i = 1; i <= 50; i++) p.conn.write(frame(i));
    expect(p.writes()).toBe(1);
    await until(() => p.bytes().length === 51 * 8);
    expect(p.writes()).toBe(2);
    expect(ids(p.bytes())).toEqual(Array.from({ length: 51 }, (_, i) => i));
    await p.close();
  });

  it("a read begins a turn: the frame written in answer leaves at once, with no flush scheduled", async () => {
    const p = await pair();
    p.conn.write(frame(0));
    expect(p.writes()).toBe(1);
    // no read since: a later frame waits for the turn's flush (a microtask)
    await new Promise((r) => setImmediate(r)); // a turn of its own
    p.conn.write(frame(1));
    expect(p.writes()).toBe(1);
    await Promise.resolve();
    expect(p.writes()).toBe(2);
    // the peer writes; in the read's turn, the answer goes out inside write()
    const answered = new Promise<number>((resolve) => {
      p.onData(() => { p.conn.write(frame(2)); resolve(p.writes()); });
    });
    p.peer.write("x");
    expect(await answered).toBe(3);
    await until(() => p.bytes().length === 3 * 8);
    expect(ids(p.bytes())).toEqual([0, 1, 2]);
    await p.close();
  });

  it("replies written with `more`, microtasks apart, leave together once the microtasks have run", async () => {
    const p = await pair();
    await Promise.resolve().then(async () => {
      for (let i = 0; i < 16; i++) {
        p.conn.write(frame(i), undefined, true);
        await Promise.resolve(); await Promise.resolve();
      }
      p.conn.write(frame(16), undefined, false);
    });
    await until(() => p.bytes().length === 17 * 8);
    expect(p.writes()).toBe(1);
    expect(ids(p.bytes())).toEqual(Array.from({ length: 17 }, (_, i) => i));
    await p.close();
  });

  it("direct: frames go to the descriptor, not through the stream, and arrive in order", async () => {
    const p = await pair(true);
    for (let i = 0; i < 100; i++) {
      p.conn.write(frame(i));
      if (i % 10 === 0) await Promise.resolve();
    }
    await until(() => p.bytes().length === 100 * 8);
    expect(p.writes()).toBe(0);
    expect(ids(p.bytes())).toEqual(Array.from({ length: 100 }, (_, i) => i));
    await p.close();
  });

  it("direct: a frame the kernel takes only in part continues through the stream, and later frames follow it there", async () => {
    const p = await pair(true);
    p.peer.pause(); // nothing is read: the socket buffers fill
    const big = new Uint8Array(16 << 20);
    for (let i = 0; i < big.length; i += 4096) big[i] = (i >> 12) & 0xff;
    new DataView(big.buffer).setUint32(0, 0xb16, true);
    p.conn.write(big);
    expect(p.writes()).toBe(1); // the rest, through the stream
    expect(p.socket.writableLength).toBeGreaterThan(0);
    expect(p.socket.writableLength).toBeLessThan(big.length); // send(2) took the first part
    await Promise.resolve();
    for (let i = 1; i <= 5; i++) { p.conn.write(frame(i)); await Promise.resolve(); }
    expect(p.writes()).toBe(6); // queued behind the big frame, never around it
    p.peer.resume();
    await until(() => p.bytes().length === big.length + 5 * 8, 20000);
    const got = p.bytes();
    expect(got.subarray(0, big.length).equals(Buffer.from(big))).toBe(true);
    expect(ids(got.subarray(big.length))).toEqual([1, 2, 3, 4, 5]);
    // drained: direct again
    p.conn.write(frame(6));
    expect(p.writes()).toBe(6);
    await until(() => p.bytes().length === big.length + 6 * 8);
    await p.close();
  }, 30000);

  it("direct: writing to a peer that has gone reports the end through the stream (no crash, no SIGPIPE)", async () => {
    const p = await pair(true);
    const gone = once(p.peer, "close");
    p.peer.destroy();
    await gone;
    for (let i = 0; i < 3; i++) { p.conn.write(frame(i)); await Promise.resolve(); }
    await until(() => p.ended.length === 1);
    expect(p.ended.length).toBe(1);
    await p.close();
  });

  it("direct: while the stream holds bytes, a frame goes behind them (the rule that keeps order)", async () => {
    const p = await pair(false);
    const through: Uint8Array[] = [];
    // the real descriptor, behind a stream that reports bytes queued
    const stream = { writable: true, writableLength: 1, write: (b: Uint8Array) => { through.push(b); return true; } };
    const send = sendOnFd(socketFd(p.socket), stream, nodeNative.syscalls())!;
    expect(send).not.toBeNull();
    const write = (b: Uint8Array) => { const n = send(b); if (n !== b.length) stream.write(n > 0 ? b.subarray(n) : b); };
    write(frame(1));
    expect(through.length).toBe(1);
    // nothing went to the descriptor: a marker written through node's stream arrives first
    p.socket.write(frame(0));
    await until(() => p.bytes().length >= 8);
    expect(ids(p.bytes())).toEqual([0]);
    stream.writableLength = 0;
    write(frame(2));
    expect(through.length).toBe(1);
    await until(() => p.bytes().length === 16);
    expect(ids(p.bytes())).toEqual([0, 2]);
    await p.close();
  });

  it("writeNow: sends the caller's bytes on the spot, copies what the kernel did not take, and declines a second frame in a turn", async () => {
    const p = await pair(true);
    p.peer.pause();
    const big = new Uint8Array(16 << 20);
    for (let i = 0; i < big.length; i += 4096) big[i] = (i >> 12) & 0xff;
    const original = Buffer.from(big);
    expect(p.conn.writeNow(big)).toBe(true);
    big.fill(0xee); // the caller reuses its memory at once
    expect(p.conn.writeNow(frame(1))).toBe(false); // not the first frame of this turn
    p.conn.write(frame(1));
    p.peer.resume();
    await until(() => p.bytes().length === big.length + 8, 20000);
    expect(p.bytes().subarray(0, big.length).equals(original)).toBe(true);
    expect(ids(p.bytes().subarray(big.length))).toEqual([1]);
    await p.close();
  }, 30000);

  it("writeNow: the rest of frames up to 1 MiB waits in one spill buffer, reused frame after frame; every byte arrives, in order", async () => {
    const p = await pair(true);
    const size = 900 * 1024; // more than the socket's send buffer takes at once
    const originals: Buffer[] = [];
    const spills = new Set<unknown>();
    for (let k = 0; k < 5; k++) {
      // the last frame's rest written by the stream (and its callback run): a new turn, from a read
      await until(() => p.socket.writableLength === 0 && !p.conn.spillBusy);
      const sent = new Promise<void>((resolve) => {
        p.onData(() => {
          const big = new Uint8Array(size);
          for (let i = 0; i < size; i += 512) big[i] = (i / 512 + k * 7) & 0xff;
          originals.push(Buffer.from(big));
          expect(p.conn.writeNow(big)).toBe(true);
          big.fill(0xee); // linear memory is reused at once
          spills.add(p.conn.spill);
          resolve();
        });
      });
      p.peer.write("x");
      await sent;
    }
    const all = Buffer.concat(originals);
    await until(() => p.bytes().length === all.length, 20000);
    expect(p.bytes().equals(all)).toBe(true);
    expect(spills.size).toBe(1); // one buffer, kept and reused
    expect([...spills][0]).toBeInstanceOf(Buffer);
    await p.close();
  }, 30000);

  it("writeNow: declines on a socket it may not send on directly (TLS, or no descriptor)", async () => {
    const p = await pair(false);
    expect(p.conn.writeNow(frame(0))).toBe(false);
    await p.close();
  });
});
