// The core above 2 GiB of linear memory (wasm32 allows 4). A wasm i32 result above 2^31 reaches
// JS negative, and `subarray(negative, ...)` counts from the end of memory: replies came back as
// zeroed frames, or as another parcel's bytes (issue 17, failure 3). Here linear memory is grown
// past 2 GiB and held there by big parcels whose pages are never touched (so the process's RSS
// stays small), then parcels, frames, strings and a real session call run at addresses above
// 2 GiB and every byte is checked. This file runs in its own forked process (vitest's forks
// pool), so the memory goes when it ends.
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { Binder, Parcel, RpcServer, type IBinder } from "../../src/index.js";
import { transactCall, writeNoException } from "../../src/codegen.js";
import { connectSession, memoryTransport } from "../../src/transport.js";
import { core, mem8, scratch, SIZES, toScratch } from "../../src/core/core.js";
import { ADDRESS_RESULTS } from "../../src/core/exports.js";
import { bufferString16Codec, portableString16Codec } from "../../src/core/string16.js";
import { derivePlatform, portablePlatform, type Platform } from "../../src/platform/platform.js";
import { openIncoming, replyFrame, transactionFrame } from "../../src/wire/frames.js";
import { Command, decodeWireHeader } from "../../src/wire/structs.js";

const TWO_GIB = 2 ** 31;
const FILLER = 128 * 1024 * 1024;

/** Parcels that hold the memory below 2 GiB (and the handles and small holes there). */
const held: Parcel[] = [];
const dataAddress = (p: Parcel) => core.parcel_dataAddress(p._h);

/** A new parcel whose handle and buffer are both above 2 GiB (lower ones are held). */
function high(capacity = 256, platform: Platform = portablePlatform): Parcel {
  for (let i = 0; i < 100_000; i++) {
    const p = new Parcel({ capacity, owned: true, platform });
    if (p._h >= TWO_GIB && dataAddress(p) >= TWO_GIB) return p;
    held.push(p);
  }
  throw new Error("no parcel above 2 GiB");
}

beforeAll(() => {
  // fill linear memory with big untouched buffers until one starts above 2 GiB; freeing that
  // one leaves a large free block up there for everything the tests make
  for (;;) {
    const p = new Parcel({ capacity: FILLER, owned: true });
    if (dataAddress(p) >= TWO_GIB) { p.dispose(); break; }
    held.push(p);
  }
  // and use up the pooled handles and small holes below 2 GiB
  held.push(high());
  expect(core.memory.buffer.byteLength).toBeGreaterThan(TWO_GIB);
});
afterAll(() => { for (const p of held.splice(0)) p.dispose(); });

/** Byte equality without a deep-equality walk (megabytes of it are slow to compare). */
function same(a: Uint8Array | null, b: Uint8Array): boolean {
  return a !== null && Buffer.compare(Buffer.from(a.buffer, a.byteOffset, a.length), Buffer.from(b.buffer, b.byteOffset, b.length)) === 0;
}

function pattern(n: number, seed: number): Uint8Array {
  const b = new Uint8Array(n);
  let x = seed | 1;
  for (let i = 0; i < n; i++) { x ^= x << 13; x ^= x >>> 17; x ^= x << 5; b[i] = x & 0xff; }
  return b;
}

describe("the core above 2 GiB of linear memory", () => {
  it("every address and size the core returns is read unsigned", () => {
    const p = high();
    try {
      expect(p._h).toBeGreaterThanOrEqual(TWO_GIB);
      p.writeInt32(1);
      p.writeString16("x");
      for (const name of ADDRESS_RESULTS) expect(core[name].length, name).toBeGreaterThan(0);
      expect(core.parcel_dataAddress(p._h)).toBeGreaterThanOrEqual(TWO_GIB);
      expect(core.parcel_reserve(p._h, 4)).toBeGreaterThanOrEqual(TWO_GIB);
      expect(core.parcel_writeArrayReserve(p._h, 2, 4)).toBeGreaterThanOrEqual(TWO_GIB);
      p.dataPosition = 0;
      expect(core.parcel_readInt64Slot(p._h)).toBeGreaterThanOrEqual(TWO_GIB);
      // a scratch area past 64 KiB is a new block: above 2 GiB now
      expect(scratch(256 * 1024)).toBeGreaterThanOrEqual(TWO_GIB);
      const at = toScratch(pattern(100_000, 5));
      expect(at).toBeGreaterThanOrEqual(TWO_GIB);
      expect(same(mem8().subarray(at, at + 100_000), pattern(100_000, 5))).toBe(true);
    } finally { p.dispose(); }
  });

  for (const [name, codec] of [["portable", portableString16Codec], ["Buffer", bufferString16Codec((m) => Buffer.from(m))]] as const) {
    it(`every value type round-trips (${name} String16 codec)`, () => {
      const p = high(256, derivePlatform(portablePlatform, { string16: codec }));
      try {
        const bytes = pattern(1 << 20, 7);
        const texts = ["hello", "a".repeat(70_000), "日本語テキスト".repeat(3000), "é😀\uD800A\uDC00", ""];
        p.writeInt32(-5);
        p.writeInt64(-(2n ** 62n) + 3n);
        p.writeDouble(Math.PI);
        for (const s of texts) p.writeString16(s);
        p.writeString16(null);
        p.writeString8("ünïcode");
        p.writeByteArray(bytes);
        p.writeInt32Array([1, -2, 3]);
        p.writeInt64Array([5n, -6n]);
        p.writeString16Array(["x", null, "\uDBFFz"]);
        p.dataPosition = 0;
        expect(p.readInt32()).toBe(-5);
        expect(p.readInt64()).toBe(-(2n ** 62n) + 3n);
        expect(p.readDouble()).toBe(Math.PI);
        for (const s of texts) expect(p.readString16()).toBe(s);
        expect(p.readString16()).toBeNull();
        expect(p.readString8()).toBe("ünïcode");
        expect(same(p.readByteArray(), bytes)).toBe(true);
        expect(p.readInt32Array()).toEqual([1, -2, 3]);
        expect(p.readInt64Array()).toEqual([5n, -6n]);
        expect(p.readString16Array()).toEqual(["x", null, "\uDBFFz"]);
        expect(p.dataAvail()).toBe(0);
      } finally {
        p.dispose();
      }
    });
  }

  it("one parcel's reads and copies never hold another's bytes", () => {
    const a = high(), b = high();
    try {
      a.writeByteArray(new Uint8Array(1 << 20).fill(0xaa));
      b.writeByteArray(new Uint8Array(1 << 20).fill(0xbb));
      expect(Math.min(dataAddress(a), dataAddress(b))).toBeGreaterThanOrEqual(TWO_GIB);
      b.dataPosition = 0;
      const got = b.readByteArray()!;
      expect(got.length).toBe(1 << 20);
      expect(got.every((x) => x === 0xbb)).toBe(true);
      const copy = b.toBytes();
      expect(copy.subarray(4).every((x) => x === 0xbb)).toBe(true);
    } finally { a.dispose(); b.dispose(); }
  });

  it("frames built around a parcel above 2 GiB hold its bytes, and open again into one", () => {
    const data = pattern(40_000, 11);
    for (const version of [0, 1, 2]) {
      const p = high();
      const inp = high();
      try {
        p.writeByteArray(data);
        const frame = transactionFrame(p, version, { options: 1, id: 9 }, 77, 0, 0);
        const header = decodeWireHeader(frame);
        expect(header.command).toBe(Command.TRANSACT);
        expect(frame.length).toBe(SIZES.wireHeader + header.bodySize);
        expect(same(frame.subarray(SIZES.wireHeader + SIZES.transaction), p.toBytes())).toBe(true);
        const opened = openIncoming(inp, version, Command.TRANSACT, frame.subarray(SIZES.wireHeader));
        expect(opened).toMatchObject({ code: 77, address: { options: 1, id: 9 } });
        expect(same(inp.readByteArray(), data)).toBe(true);

        const reply = replyFrame(p, version, 0);
        expect(decodeWireHeader(reply).command).toBe(Command.REPLY);
        expect(same(reply.subarray(reply.length - p.dataSize), p.toBytes())).toBe(true);
      } finally { p.dispose(); inp.dispose(); }
    }
  });

  it("a session call over the memory transport runs above 2 GiB, and each caller gets its own bytes", async () => {
    const D = "test.IHigh";
    class Echo extends Binder {
      constructor() { super(D); }
      protected onTransact(code: number, data: import("../../src/index.js").Parcel, reply: import("../../src/index.js").Parcel): boolean {
        data.enforceInterface(D);
        const bytes = data.readByteArray();
        const s = data.readString16();
        writeNoException(reply);
        reply.writeByteArray(bytes);
        reply.writeString16(s);
        return true;
      }
    }
    const seen: number[] = [];
    const spies = (["parcel_create", "frame_prepareBody", "frame_transaction", "frame_reply"] as const)
      .map((n) => vi.spyOn(core, n).mockName(n));
    const server = new RpcServer({ allowAnonymous: true });
    const name = `high-${Math.random()}`;
    await server.listen(memoryTransport, name);
    server.setRoot(new Echo());
    const sessions = await Promise.all([0, 1, 2].map(() => connectSession(memoryTransport, name)));
    try {
      for (const s of spies) s.mockClear();
      const roots = await Promise.all(sessions.map((s) => s.getRoot())) as IBinder[];
      const call = (root: IBinder, i: number) => {
        const bytes = pattern(64 * 1024 + i, 100 + i);
        const text = `caller ${i} \uD800 ${"ж".repeat(i * 1000)}`;
        return transactCall(root, D, 1, 0, (p) => { p.writeByteArray(bytes); p.writeString16(text); },
          (r) => ({ bytes: r.readByteArray(), text: r.readString16() })).then((got) => ({ got, bytes, text }));
      };
      for (let round = 0; round < 5; round++) {
        const results = await Promise.all(roots.map((r, i) => call(r, i + round * 3)));
        for (const { got, bytes, text } of results) {
          expect(same(got.bytes, bytes)).toBe(true);
          expect(got.text).toBe(text);
        }
      }
      for (const s of spies) for (const r of s.mock.results) if (r.type === "return") seen.push(r.value as number);
      expect(seen.length).toBeGreaterThan(0);
      expect(Math.min(...seen.filter((x) => x !== 0))).toBeGreaterThanOrEqual(TWO_GIB);
    } finally {
      for (const s of spies) s.mockRestore();
      for (const s of sessions) await s.shutdown();
      await server.shutdown();
    }
  });
});
