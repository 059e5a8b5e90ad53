// Linear memory: growth never invalidates what callers hold (every read result is a copy),
// parcels keep working across growth, handles are freed on dispose, and a disposed parcel is
// a ParcelError on every use.
import { describe, expect, it } from "vitest";
import { Parcel, ParcelError } from "tsbinder";
import { readException } from "tsbinder/codegen";
import { CoreAbortError, core } from "../../src/core/core.js";
import { MODE } from "../../src/core/layout.js";

const wasmBytes = () => core.memory.buffer.byteLength;
const MiB = 1 << 20;

describe("memory growth", () => {
  it("a 32 MiB write into one parcel leaves earlier read results and the other parcel intact", () => {
    const older = new Parcel();
    const big = new Parcel();
    try {
      const bytes = Uint8Array.from({ length: 300 }, (_, i) => (i * 7) & 0xff);
      older.writeString16("held across growth 😀");
      older.writeByteArray(bytes);
      older.writeInt32Array([1, -2, 3]);
      older.writeDoubleArray([0.5, NaN]);
      older.writeInt64(-5n);
      older.dataPosition = 0;
      const s = older.readString16();
      const b = older.readByteArray()!;
      const ints = older.readInt32Array();
      const olderBytes = older.toBytes();
      const posBefore = older.dataPosition;

      const memBefore = wasmBytes();
      const payload = new Uint8Array(32 * MiB);
      for (let i = 0; i < payload.length; i += 4093) payload[i] = (i >>> 12) & 0xff;
      payload[payload.length - 1] = 0x5a;
      big.writeByteArray(payload);
      expect(wasmBytes()).toBeGreaterThan(memBefore + 32 * MiB - 1); // memory really grew
      expect(big.dataSize).toBe(4 + 32 * MiB);

      // values read before the growth are copies: unchanged, not detached
      expect(s).toBe("held across growth 😀");
      expect(b.byteLength).toBe(300);
      expect(b).toEqual(bytes);
      expect(ints).toEqual([1, -2, 3]);
      expect(olderBytes.byteLength).toBeGreaterThan(0);

      // the older parcel keeps reading where it was, and accepts writes
      expect(older.dataPosition).toBe(posBefore);
      const d = older.readDoubleArray()!;
      expect(d[0]).toBe(0.5);
      expect(Number.isNaN(d[1])).toBe(true);
      expect(older.readInt64()).toBe(-5n);
      expect(older.toBytes()).toEqual(olderBytes);
      older.writeString16("after");
      older.writeInt32(77);
      older.dataPosition = 0;
      expect(older.readString16()).toBe("held across growth 😀");
      expect(older.readByteArray()).toEqual(bytes);
      older.dataPosition = olderBytes.length;
      expect(older.readString16()).toBe("after");
      expect(older.readInt32()).toBe(77);

      // and the big parcel reads back exactly
      big.dataPosition = 0;
      const back = big.readByteArray()!;
      expect(back.length).toBe(payload.length);
      expect(Buffer.compare(back, payload)).toBe(0);
    } finally {
      big.dispose();
      older.dispose();
    }
  });

  it("growth of the scratch area (a long string) while other values are held", () => {
    const p = new Parcel();
    try {
      p.writeString16("first");
      p.dataPosition = 0;
      const first = p.readString16();
      const long = "ab😀".repeat(400_000); // 1.6M units; 4.4 MB of UTF-8 in scratch
      p.writeString16(long);
      p.writeString8(long);
      expect(first).toBe("first");
      p.dataPosition = 0;
      expect(p.readString16()).toBe("first");
      expect(p.readString16()).toBe(long);
      expect(p.readString8()).toBe(long);
    } finally {
      p.dispose();
    }
  });
});

describe("create/dispose cycles", () => {
  function cycles(n: number, fill: (p: Parcel, i: number) => void): void {
    for (let i = 0; i < n; i++) {
      const p = new Parcel();
      fill(p, i);
      p.dispose();
    }
  }
  const fill = (p: Parcel, i: number) => {
    p.writeInt32(i);
    p.writeString16("cycle");
    p.writeInt32Array([i, i + 1]);
    if (i % 10 === 0) {
      // grow past the initial capacity, and allocate an object table
      p.writeByteArray(new Uint8Array(600));
      p._setMode(MODE.BINDER_POSITIONS);
      p._writeBinderAddress(1, i, 0x0c);
    }
  };

  it("100,000 create/dispose cycles do not grow wasm memory", () => {
    cycles(2_000, fill); // warm up the allocator
    const before = wasmBytes();
    cycles(100_000, fill);
    expect(wasmBytes()).toBe(before);
  });

  it("parcels opened from bytes and reset are freed too", () => {
    cycles(1_000, () => {});
    const before = wasmBytes();
    const payload = new Uint8Array(2048);
    for (let i = 0; i < 20_000; i++) {
      const p = Parcel.fromBytes(payload);
      p.readByteArray();
      p.reset();
      p.writeInt32(i);
      p.dispose();
    }
    expect(wasmBytes()).toBe(before);
  });
});

describe("recycled handles (assembly/parcel/handle.ts keeps small ones for reuse)", () => {
  const pooled = () => core.parcel_pooledHandles();

  it("a disposed small parcel's handle is reused, and comes back as a new parcel: empty, no error, default mode and max", () => {
    const a = new Parcel();
    a.writeInt32(7);
    a.writeString16("left behind");
    a._setMode(MODE.BINDER_POSITIONS);
    a._writeBinderAddress(1, 9, 0x0c); // an object table entry
    a.maxSize = 100;
    expect(() => a.writeByteArray(new Uint8Array(200))).toThrow(ParcelError); // error state set
    const h = a._h;
    const before = pooled();
    a.dispose();
    expect(pooled()).toBe(before + 1);
    const b = new Parcel();
    try {
      expect(b._h).toBe(h); // the same handle, taken from the pool
      expect(pooled()).toBe(before);
      expect(b.dataSize).toBe(0);
      expect(b.dataPosition).toBe(0);
      expect(b._mode()).toBe(0);
      expect(b.maxSize).toBe(64 * 1024 * 1024);
      expect(core.parcel_objectCount(b._h)).toBe(0);
      expect(() => b.readInt32()).toThrow(ParcelError); // nothing of a's is readable
      b.writeByteArray(new Uint8Array(200).fill(3)); // no error carried over, room grows
      b.writeInt32(-1);
      b.dataPosition = 0;
      expect(b.readByteArray()).toEqual(new Uint8Array(200).fill(3));
      expect(b.readInt32()).toBe(-1);
    } finally {
      b.dispose();
    }
  });

  it("a handle whose buffer grew past 4 KiB, or whose object table is big, is freed, not kept", () => {
    const big = new Parcel();
    big.writeByteArray(new Uint8Array(64 * 1024));
    const before = pooled();
    big.dispose();
    expect(pooled()).toBe(before);
    const many = new Parcel();
    many._setMode(MODE.BINDER_POSITIONS);
    for (let i = 0; i < 100; i++) many._writeBinderAddress(1, i, 0x0c);
    const beforeMany = pooled(); // its handle may have come from the pool
    many.dispose();
    expect(pooled()).toBe(beforeMany);
  });

  it("a pooled handle too small for the capacity asked gets a bigger buffer", () => {
    new Parcel().dispose();
    const p = new Parcel({ capacity: 3000 });
    try {
      const bytes = Uint8Array.from({ length: 2900 }, (_, i) => i & 0xff);
      p.writeByteArray(bytes);
      p.dataPosition = 0;
      expect(p.readByteArray()).toEqual(bytes);
    } finally {
      p.dispose();
    }
  });

  it("a handle destroyed twice is a CoreAbortError, and is not pooled twice", () => {
    const p = new Parcel();
    const h = p._h;
    p.dispose();
    const before = pooled();
    expect(() => core.parcel_destroy(h)).toThrow(CoreAbortError);
    expect(pooled()).toBe(before);
    const a = new Parcel(), b = new Parcel();
    try {
      expect(a._h).not.toBe(b._h);
    } finally {
      a.dispose();
      b.dispose();
    }
  });

  it("the pool holds at most 32 handles; the rest are freed", () => {
    const ps = Array.from({ length: 100 }, () => new Parcel());
    for (const p of ps) p.dispose();
    expect(pooled()).toBe(32);
  });
});

describe("parcels never disposed", () => {
  // the safety net: a forgotten parcel is registered with the FinalizationRegistry (within a
  // batch of new parcels or a few ms) and its memory comes back once it is collected
  const gc = (globalThis as { gc?: () => void }).gc;
  it("are freed after collection, so forgetting them does not grow memory without bound", async () => {
    if (!gc) throw new Error("run with --expose-gc (vitest.config.ts passes it to the test workers)");
    const forget = (n: number) => {
      for (let i = 0; i < n; i++) new Parcel({ capacity: 64 * 1024 }).writeInt32(i);
    };
    const settle = async () => {
      // a full batch of new parcels registers every forgotten one still waiting (YOUNG_BATCH in
      // parcel.ts), so nothing waits for the registration timer
      for (let i = 0; i < 256; i++) new Parcel().dispose();
      for (let i = 0; i < 2; i++) {
        gc();
        await new Promise((r) => setTimeout(r, 0)); // finalizers run in a later task
      }
    };
    forget(500);
    await settle();
    const before = wasmBytes();
    // 10 rounds of 500 x 64 KiB = 312 MiB if none came back
    for (let round = 0; round < 10; round++) {
      forget(500);
      await settle();
    }
    expect(wasmBytes() - before).toBeLessThan(64 * MiB);
  }, 30_000);
});

describe("disposed parcels", () => {
  function disposed(): Parcel {
    const p = new Parcel();
    p.writeInt32(1);
    p.dispose();
    return p;
  }
  const uses: [string, (p: Parcel) => unknown][] = [
    ["writeInt32", (p) => p.writeInt32(1)],
    ["readInt32", (p) => p.readInt32()],
    ["writeInt64", (p) => p.writeInt64(1n)],
    ["readInt64", (p) => p.readInt64()],
    ["writeDouble", (p) => p.writeDouble(1)],
    ["readFloat", (p) => p.readFloat()],
    ["writeString16", (p) => p.writeString16("x")],
    ["readString16", (p) => p.readString16()],
    ["writeString8", (p) => p.writeString8("x")],
    ["readString8", (p) => p.readString8()],
    ["writeByteArray", (p) => p.writeByteArray(new Uint8Array(3))],
    ["readByteArray", (p) => p.readByteArray()],
    ["writeInt32Array", (p) => p.writeInt32Array([1])],
    ["readInt32Array", (p) => p.readInt32Array()],
    ["writeString16Array", (p) => p.writeString16Array(["a"])],
    ["readCount", (p) => p.readCount()],
    ["writeStrongBinder", (p) => p.writeStrongBinder(null)],
    ["readStrongBinder", (p) => p.readStrongBinder()],
    ["beginParcelable", (p) => p.beginParcelable()],
    ["enterParcelable", (p) => p.enterParcelable()],
    ["readException", (p) => readException(p)],
    ["dataSize", (p) => p.dataSize],
    ["dataPosition", (p) => p.dataPosition],
    ["set dataPosition", (p) => { p.dataPosition = 0; }],
    ["dataAvail", (p) => p.dataAvail()],
    ["toBytes", (p) => p.toBytes()],
    ["reset", (p) => p.reset()],
  ];
  for (const [name, use] of uses) {
    it(`${name} -> ParcelError DISPOSED`, () => {
      const p = disposed();
      let err: unknown;
      try { use(p); } catch (e) { err = e; }
      expect(err).toBeInstanceOf(ParcelError);
      expect((err as ParcelError).code).toBe("DISPOSED");
    });
  }
  it("dispose is idempotent (also via Symbol.dispose) and does not disturb other parcels", () => {
    const keep = new Parcel();
    keep.writeString16("kept");
    const p = new Parcel();
    p.dispose();
    p.dispose();
    p[Symbol.dispose]();
    {
      using q = new Parcel();
      q.writeInt32(3);
    }
    keep.dataPosition = 0;
    expect(keep.readString16()).toBe("kept");
    keep.dispose();
  });
});
