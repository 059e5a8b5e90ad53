// How the Node socket adapter groups frames into writes (runtimes/node/socket.ts): a frame
// alone goes out at once; frames that follow in the same turn leave together; replies to
// pipelined calls (written with `more`, a few microtasks apart) leave in one write.
import * as net from "node:net";
import { describe, expect, it } from "vitest";
import { NodeSocketConnection } from "../../runtimes/node/socket.js";
import { socketPath, until } from "../rpc/helpers.js";

async function pair() {
  const path = socketPath();
  const received: Buffer[] = [];
  const server = net.createServer((s) => s.on("data", (d) => received.push(d)));
  await new Promise<void>((r) => server.listen(path, r));
  const socket = net.connect({ path });
  await new Promise((r) => socket.once("connect", r));
  let writes = 0;
  const real = socket.write.bind(socket);
  socket.write = ((...a: Parameters<typeof real>) => { writes++; return real(...a); }) as typeof socket.write;
  const conn = new NodeSocketConnection(socket, { kind: "unix", uid: 0, gid: 0, pid: 0 } as never, "test");
  conn.start({ data: () => {}, end: () => {} });
  const bytes = () => Buffer.concat(received);
  const close = async () => { socket.destroy(); await new Promise<void>((r) => server.close(() => r())); };
  return { conn, writes: () => writes, bytes, close };
}

const frame = (i: number) => { const b = new Uint8Array(8); new DataView(b.buffer).setUint32(0, i, true); return b; };
const ids = (b: Buffer) => Array.from({ length: b.length / 8 }, (_, i) => b.readUInt32LE(i * 8));

describe("Node socket writes", () => {
  it("a frame alone leaves at once; a burst in one turn leaves in two writes", async () => {
    const p = await pair();
    p.conn.write(frame(0));
    expect(p.writes()).toBe(1);
    await Promise.resolve();
    for (let i = 1; i <= 50; i++) p.conn.write(frame(i));
    await until(() => p.bytes().length === 51 * 8);
    expect(p.writes()).toBe(3);
    expect(ids(p.bytes())).toEqual(Array.from({ length: 51 }, (_, i) => i));
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
});
