// FrameReader streams big bodies into their parcel as they arrive. A peer must not make it
// reserve a whole body with a header alone, and a connection that ends mid-body frees it.
import { describe, expect, it } from "vitest";
import { FrameReader } from "../../src/rpc/engine/frame-reader.js";
import { ByteQueue } from "../../src/rpc/byte-queue.js";
import { aosp } from "../../src/rpc/dialect.js";
import { Command, encodeWireHeader } from "../../src/wire/structs.js";
import { transactionFrame } from "../../src/wire/frames.js";
import { core } from "../../src/core/core.js";
import { Parcel } from "../../src/index.js";

const MiB = 1 << 20;
const wasmBytes = () => core.memory.buffer.byteLength;
const limits = { maxBody: 16 * MiB, maxObjects: 1024 };

/** A whole TRANSACT frame carrying `n` bytes of data. */
function bigTransact(n: number): Uint8Array {
  const p = new Parcel();
  try {
    p.writeByteArray(new Uint8Array(n).fill(7));
    return transactionFrame(p, 2, { options: 0, id: 1 }, 1, 0, 0);
  } finally { p.dispose(); }
}

describe("FrameReader and big bodies", () => {
  it("a header for 16 MiB followed by a trickle reserves nothing; a quarter of the body starts the stream", () => {
    const before = wasmBytes();
    const q = new ByteQueue();
    const r = new FrameReader(aosp(2), limits);
    q.push(encodeWireHeader(Command.TRANSACT, 16 * MiB));
    q.push(new Uint8Array(64 * 1024));
    expect(r.next(q)).toBeNull();
    expect(wasmBytes()).toBe(before); // no 16 MiB allocation on a header and 64 KiB
    r.discard();
  });

  it("a frame split in pieces of every size is read whole, the same as in one piece", () => {
    const frame = bigTransact(300_000);
    for (const piece of [1, 4095, 16_384, 65_536, 100_001, frame.length]) {
      const q = new ByteQueue();
      const r = new FrameReader(aosp(2), limits);
      let cmd = null;
      for (let off = 0; off < frame.length; off += piece) {
        q.push(frame.slice(off, off + piece));
        cmd = r.next(q);
        if (cmd) break;
      }
      expect(cmd?.kind).toBe("transact");
      const p = (cmd as { parcel: Parcel }).parcel;
      const got = p.readByteArray()!;
      expect(got.length).toBe(300_000);
      expect(got.every((b) => b === 7)).toBe(true);
      p.dispose();
      expect(q.length).toBe(0);
    }
  });

  it("a connection that ends mid-body frees the parcel being filled (no growth over 30 rounds)", () => {
    const frame = bigTransact(4 * MiB);
    const round = () => {
      const q = new ByteQueue();
      const r = new FrameReader(aosp(2), limits);
      q.push(frame.subarray(0, frame.length / 2)); // past a quarter: the body is being streamed
      expect(r.next(q)).toBeNull();
      r.discard();
    };
    round();
    const before = wasmBytes();
    for (let i = 0; i < 30; i++) round();
    expect(wasmBytes()).toBe(before);
  });
});
