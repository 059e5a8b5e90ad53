// Backpressure in the in-process transports, below the session: a reader that pauses gets
// nothing more, the writer's bufferedAmount grows with what it writes, and onDrain fires only
// after the reader resumes and has taken everything, which arrives whole and in order. For the
// memory pair, and for MessagePorts over the SharedArrayBuffer ring and over postMessage (the
// two ends in one thread, on a MessageChannel).
import { describe, expect, it } from "vitest";
import {
  MessagePortConnection, memoryPair, messagePortTransport, type ConnectionSink,
  type TransportConnection,
} from "../../src/transport.js";
import { Counter } from "./flow-helpers.js";

const KiB = 1024;
const FRAME = 64 * KiB;
const FRAMES = 64; // 4 MiB

/** One event-loop turn: whatever was due to be delivered by then has been. */
const turn = () => new Promise<void>((r) => setImmediate(r));

function collector(): ConnectionSink & { bytes: Counter; chunks: Uint8Array[] } {
  const c = {
    bytes: new Counter(), chunks: [] as Uint8Array[],
    data(chunk: Uint8Array, _fds?: number[], lent?: boolean) { c.chunks.push(lent ? chunk.slice() : chunk); c.bytes.add(chunk.length); },
    end() {},
  };
  return c;
}

function frame(i: number): Uint8Array { return new Uint8Array(FRAME).fill(i & 0xff); }

function inOrder(chunks: Uint8Array[]): boolean {
  let at = 0;
  for (const c of chunks) for (let j = 0; j < c.length; j++, at++) if (c[j] !== (Math.floor(at / FRAME) & 0xff)) return false;
  return at === FRAME * FRAMES;
}

async function messagePortPair(sharedMemory: boolean): Promise<[TransportConnection, TransportConnection]> {
  const { port1, port2 } = new MessageChannel();
  const transport = messagePortTransport(port1, { sharedMemory });
  const dialer = messagePortTransport(port2, { sharedMemory });
  let accepted!: (c: TransportConnection) => void;
  const server = new Promise<TransportConnection>((r) => { accepted = r; });
  const listener = await transport.listen("flow", (c) => accepted(c));
  const client = await dialer.connect("flow");
  const s = await server;
  await listener.close();
  if (!(client instanceof MessagePortConnection)) throw new Error("a message-port transport made another kind of connection");
  expect(client.mode).toBe(sharedMemory ? "ring" : "message");
  port1.unref?.();
  port2.unref?.();
  return [client, s];
}

const pairs: { name: string; make: () => Promise<[TransportConnection, TransportConnection]> }[] = [
  { name: "memory pair", make: async () => memoryPair() },
  { name: "message port, SharedArrayBuffer ring", make: () => messagePortPair(true) },
  { name: "message port, postMessage", make: () => messagePortPair(false) },
];

describe("in-process transports: a paused reader pushes back on the writer", () => {
  for (const p of pairs) {
    it(p.name, async () => {
      const [writer, reader] = await p.make();
      const got = collector();
      writer.start(collector());
      reader.start(got);
      reader.pauseReading();
      for (let i = 0; i < FRAMES; i++) writer.write(frame(i));
      await turn();
      await turn();
      // nothing reached the paused reader
      expect(got.bytes.value).toBe(0);
      // the writer holds what the reader has not taken (a ring's own capacity excepted)
      expect(writer.bufferedAmount).toBeGreaterThanOrEqual(FRAME * FRAMES - 256 * KiB);

      let resumed = false;
      const drained = new Promise<boolean>((r) => writer.onDrain(() => r(resumed)));
      await turn();
      resumed = true;
      reader.resumeReading();
      expect(await drained).toBe(true);
      expect(writer.bufferedAmount).toBe(0);
      // everything arrives, in order (a ring may still hold its last part at the drain)
      await got.bytes.reach(FRAME * FRAMES);
      expect(got.bytes.value).toBe(FRAME * FRAMES);
      expect(inOrder(got.chunks)).toBe(true);
      // an idle writer's onDrain runs on a later tick
      let later = false;
      const idle = new Promise<boolean>((r) => writer.onDrain(() => r(later)));
      later = true;
      expect(await idle).toBe(true);
      writer.close();
      reader.close();
    });
  }
});
