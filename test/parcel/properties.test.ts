// Property tests of the Parcel (fast-check, fixed seed): every supported value round-trips,
// mixed sequences lay out exactly as libbinder pads them (checked against an independent
// encoder written here), and arbitrary or hostile bytes only ever produce values or ParcelErrors.
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { Parcel, ParcelError, ServiceException } from "tsbinder";
import { readException } from "tsbinder/codegen";
import { core } from "../../src/core/core.js";
import { bufferString16Codec, portableString16Codec, type String16Codec } from "../../src/core/string16.js";
import { derivePlatform, portablePlatform, type Platform } from "../../src/platform/platform.js";

const SEED = 0x7b1d3e;
function run<Ts extends [unknown, ...unknown[]]>(prop: fc.IProperty<Ts>, numRuns = 300): void {
  fc.assert(prop, { seed: SEED, numRuns, endOnFailure: true });
}

/** The platform withParcel's parcels get (eachCodec runs a test under each codec's). */
let platform: Platform = portablePlatform;
function withParcel<T>(fn: (p: Parcel) => T, bytes?: Uint8Array): T {
  const p = bytes ? Parcel.fromBytes(bytes, platform) : new Parcel({ platform });
  try { return fn(p); } finally { p.dispose(); }
}
/** Run `fn` with withParcel's parcels on a platform of each codec in turn. */
function underCodecs(codecs: readonly String16Codec[], fn: () => void): void {
  try {
    for (const string16 of codecs) { platform = derivePlatform(portablePlatform, { string16 }); fn(); }
  } finally { platform = portablePlatform; }
}

// ---- value generators and the codecs of each supported type --------------------------------

const nullable = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: null, freq: 5 });
const INT64 = { min: -(2n ** 63n), max: 2n ** 63n - 1n };
const UINT64 = { min: 0n, max: 2n ** 64n - 1n };
// any code point (astral ones included), always well-formed
const text = fc.string({ unit: "binary", maxLength: 40 }).filter((s) => s.isWellFormed());
const f32 = fc.float(); // binary32 values incl. NaN, -0, ±Infinity, subnormals
const f64 = fc.double(); // incl. NaN, -0, ±Infinity

interface Kind<T> {
  name: string;
  arb: fc.Arbitrary<T>;
  write(p: Parcel, v: T): void;
  read(p: Parcel): unknown;
  /** What read() returns for v (when it is not v itself). */
  expect?(v: T): unknown;
  /** Independent encoding of v, as libbinder lays it out. */
  encode(v: T): number[];
}
const kind = <T>(k: Kind<T>): Kind<unknown> => k as unknown as Kind<unknown>;

// ---- the reference encoder (little-endian, every value padded with zeros to 4) --------------
const le32 = (v: number) => [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff];
const le64 = (v: bigint) => { const u = BigInt.asUintN(64, v); return [...le32(Number(u & 0xffffffffn)), ...le32(Number(u >> 32n))]; };
const pad = (b: number[]) => { while (b.length % 4) b.push(0); return b; };
const f32bytes = (v: number) => { const d = new DataView(new ArrayBuffer(4)); d.setFloat32(0, v, true); return [...new Uint8Array(d.buffer)]; };
const f64bytes = (v: number) => { const d = new DataView(new ArrayBuffer(8)); d.setFloat64(0, v, true); return [...new Uint8Array(d.buffer)]; };
const enc16 = (s: string | null) => {
  if (s === null) return le32(-1);
  const out = le32(s.length); // UTF-16 code units
  for (let i = 0; i < s.length; i++) { const u = s.charCodeAt(i); out.push(u & 0xff, u >> 8); }
  out.push(0, 0);
  return pad(out);
};
const enc8 = (s: string | null) => {
  if (s === null) return le32(-1);
  const b = [...new TextEncoder().encode(s)];
  return pad([...le32(b.length), ...b, 0]);
};
const arr = <T>(a: readonly T[] | ArrayLike<T> | null, el: (v: T) => number[]) =>
  a === null ? le32(-1) : [...le32(a.length), ...Array.from(a as ArrayLike<T>).flatMap(el)];

const float32Array = fc.array(f32, { maxLength: 12 });
const KINDS: Kind<unknown>[] = [
  kind({ name: "int32", arb: fc.integer(), write: (p, v: number) => p.writeInt32(v), read: (p) => p.readInt32(), encode: le32 }),
  kind({ name: "uint32", arb: fc.integer({ min: 0, max: 0xffffffff }), write: (p, v: number) => p.writeUint32(v), read: (p) => p.readUint32(), encode: le32 }),
  kind({ name: "int64", arb: fc.bigInt(INT64), write: (p, v: bigint) => p.writeInt64(v), read: (p) => p.readInt64(), encode: le64 }),
  kind({ name: "uint64", arb: fc.bigInt(UINT64), write: (p, v: bigint) => p.writeUint64(v), read: (p) => p.readUint64(), encode: le64 }),
  kind({ name: "float", arb: f32, write: (p, v: number) => p.writeFloat(v), read: (p) => p.readFloat(), encode: f32bytes }),
  kind({ name: "float (rounded)", arb: f64, write: (p, v: number) => p.writeFloat(v), read: (p) => p.readFloat(),
    expect: (v) => Math.fround(v), encode: (v) => f32bytes(v) }),
  kind({ name: "double", arb: f64, write: (p, v: number) => p.writeDouble(v), read: (p) => p.readDouble(), encode: f64bytes }),
  kind({ name: "bool", arb: fc.boolean(), write: (p, v: boolean) => p.writeBool(v), read: (p) => p.readBool(), encode: (v) => le32(v ? 1 : 0) }),
  kind({ name: "byte", arb: fc.integer({ min: -128, max: 127 }), write: (p, v: number) => p.writeByte(v), read: (p) => p.readByte(), encode: le32 }),
  kind({ name: "char", arb: fc.integer({ min: 0, max: 0xffff }), write: (p, v: number) => p.writeChar(v), read: (p) => p.readChar(), encode: le32 }),
  kind({ name: "String16", arb: nullable(text), write: (p, v: string | null) => p.writeString16(v), read: (p) => p.readString16(), encode: enc16 }),
  kind({ name: "String8", arb: nullable(text), write: (p, v: string | null) => p.writeString8(v), read: (p) => p.readString8(), encode: enc8 }),
  kind({ name: "CString", arb: text.filter((s) => !s.includes("\0")), write: (p, v: string) => p.writeCString(v), read: (p) => p.readCString(),
    encode: (v) => pad([...new TextEncoder().encode(v), 0]) }),
  kind({ name: "byte[]", arb: nullable(fc.uint8Array({ maxLength: 33 })), write: (p, v: Uint8Array | null) => p.writeByteArray(v),
    read: (p) => p.readByteArray(), encode: (v) => (v === null ? le32(-1) : pad([...le32(v.length), ...v])) }),
  kind({ name: "byte[] (int8)", arb: nullable(fc.int8Array({ maxLength: 9 })), write: (p, v: Int8Array | null) => p.writeByteArray(v),
    read: (p) => { const b = p.readByteArray(); return b && new Int8Array(b.buffer, b.byteOffset, b.length); },
    encode: (v) => (v === null ? le32(-1) : pad([...le32(v.length), ...new Uint8Array(v.buffer, v.byteOffset, v.length)])) }),
  kind({ name: "bool[]", arb: nullable(fc.array(fc.boolean(), { maxLength: 12 })), write: (p, v: boolean[] | null) => p.writeBoolArray(v),
    read: (p) => p.readBoolArray(), encode: (v) => arr(v, (b) => le32(b ? 1 : 0)) }),
  kind({ name: "char[]", arb: nullable(fc.array(fc.integer({ min: 0, max: 0xffff }), { maxLength: 12 })), write: (p, v: number[] | null) => p.writeCharArray(v),
    read: (p) => p.readCharArray(), encode: (v) => arr(v, le32) }),
  kind({ name: "int[]", arb: nullable(fc.array(fc.integer(), { maxLength: 12 })), write: (p, v: number[] | null) => p.writeInt32Array(v),
    read: (p) => p.readInt32Array(), encode: (v) => arr(v, le32) }),
  kind({ name: "int[] (Int32Array)", arb: nullable(fc.int32Array({ maxLength: 12 })), write: (p, v: Int32Array | null) => p.writeInt32Array(v),
    read: (p) => p.readInt32Array(), expect: (v) => v && Array.from(v), encode: (v) => arr(v, le32) }),
  kind({ name: "long[]", arb: nullable(fc.array(fc.bigInt(INT64), { maxLength: 8 })), write: (p, v: bigint[] | null) => p.writeInt64Array(v),
    read: (p) => p.readInt64Array(), encode: (v) => arr(v, le64) }),
  kind({ name: "ulong[]", arb: nullable(fc.array(fc.bigInt(UINT64), { maxLength: 8 })), write: (p, v: bigint[] | null) => p.writeUint64Array(v),
    read: (p) => p.readUint64Array(), encode: (v) => arr(v, le64) }),
  kind({ name: "float[]", arb: nullable(float32Array), write: (p, v: number[] | null) => p.writeFloatArray(v),
    read: (p) => p.readFloatArray(), encode: (v) => arr(v, f32bytes) }),
  kind({ name: "double[]", arb: nullable(fc.array(f64, { maxLength: 8 })), write: (p, v: number[] | null) => p.writeDoubleArray(v),
    read: (p) => p.readDoubleArray(), encode: (v) => arr(v, f64bytes) }),
  kind({ name: "String16[]", arb: nullable(fc.array(nullable(text), { maxLength: 6 })), write: (p, v: (string | null)[] | null) => p.writeString16Array(v),
    read: (p) => p.readString16Array(), encode: (v) => arr(v, enc16) }),
  kind({ name: "null binder", arb: fc.constant(null), write: (p) => p.writeStrongBinder(null), read: (p) => p.readStrongBinder(),
    encode: () => [...le32(0), ...le32(0)] }),
];

/** Object.is-based equality, so NaN equals NaN and -0 differs from 0. */
function same(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (a === null || b === null || typeof a !== "object" || typeof b !== "object") return false;
  const aa = a as ArrayLike<unknown>, bb = b as ArrayLike<unknown>;
  if (Object.getPrototypeOf(a) !== Object.getPrototypeOf(b) || aa.length !== bb.length) return false;
  for (let i = 0; i < aa.length; i++) if (!same(aa[i], bb[i])) return false;
  return true;
}
const show = (v: unknown) => JSON.stringify(v, (_k, x) => (typeof x === "bigint" ? `${x}n` : Object.is(x, -0) ? "-0" : typeof x === "number" && !Number.isFinite(x) ? String(x) : x));

describe("(a) every supported value round-trips", () => {
  for (const k of KINDS) {
    it(k.name, () => {
      run(fc.property(k.arb, (v) => withParcel((p) => {
        k.write(p, v);
        expect(p.dataSize % 4).toBe(0);
        p.dataPosition = 0;
        const got = k.read(p);
        const want = k.expect ? k.expect(v) : v;
        if (!same(got, want)) throw new Error(`${k.name}: wrote ${show(v)}, read ${show(got)}`);
        expect(p.dataPosition).toBe(p.dataSize);
      })), 200);
    });
  }
  it("edge values: NaN, -0, ±Infinity, astral-plane strings, empty and null", () => {
    withParcel((p) => {
      const doubles = [NaN, -0, 0, Infinity, -Infinity, Number.MIN_VALUE, Number.MAX_VALUE];
      for (const d of doubles) { p.writeDouble(d); p.writeFloat(d); }
      const strs = ["", null, "😀", "a😀b", "\u{10FFFF}", "\0", "é", "\uFFFF"];
      for (const s of strs) { p.writeString16(s); p.writeString8(s); }
      p.writeInt32Array([]); p.writeInt32Array(null); p.writeDoubleArray([NaN, -0]); p.writeString16Array([null, "", "😀"]);
      p.dataPosition = 0;
      for (const d of doubles) {
        expect(Object.is(p.readDouble(), d)).toBe(true);
        expect(Object.is(p.readFloat(), Math.fround(d))).toBe(true);
      }
      for (const s of strs) { expect(p.readString16()).toBe(s); expect(p.readString8()).toBe(s); }
      expect(p.readInt32Array()).toEqual([]);
      expect(p.readInt32Array()).toBeNull();
      expect(same(p.readDoubleArray(), [NaN, -0])).toBe(true);
      expect(p.readString16Array()).toEqual([null, "", "😀"]);
    });
  });
});

describe("(a) values outside a type's range are refused", () => {
  const cases: [string, (p: Parcel) => void][] = [
    ["int32 1.5", (p) => p.writeInt32(1.5)],
    ["int32 2^31", (p) => p.writeInt32(2 ** 31)],
    ["int32 NaN", (p) => p.writeInt32(NaN)],
    ["uint32 -1", (p) => p.writeUint32(-1)],
    ["uint32 2^32", (p) => p.writeUint32(2 ** 32)],
    ["int64 2^63", (p) => p.writeInt64(2n ** 63n)],
    ["int64 number", (p) => p.writeInt64(1 as unknown as bigint)],
    ["uint64 -1", (p) => p.writeUint64(-1n)],
    ["byte 256", (p) => p.writeByte(256)],
    ["byte -129", (p) => p.writeByte(-129)],
    ["char 0x10000", (p) => p.writeChar(0x10000)],
    ["char -1", (p) => p.writeChar(-1)],
    ["int[] with 0.5", (p) => p.writeInt32Array([1, 0.5])],
    ["char[] with 0x10000", (p) => p.writeCharArray([0x10000])],
    ["long[] with 2^64", (p) => p.writeInt64Array([2n ** 64n])],
    ["ulong[] with -1", (p) => p.writeUint64Array([-1n])],
    ["string not a string", (p) => p.writeString16(5 as unknown as string)],
  ];
  for (const [name, write] of cases) {
    it(name, () => withParcel((p) => {
      p.writeInt32(9);
      const e = parcelError(() => write(p));
      expect(e.code).toBe("BAD_VALUE");
      expect(p.dataSize).toBe(4); // nothing written
      p.dataPosition = 0;
      expect(p.readInt32()).toBe(9);
    }));
  }
});

describe("(a) parcelable framing", () => {
  // a writer with `written` int32 fields; a reader that knows `known` of them
  const fields = fc.array(fc.integer(), { maxLength: 8 });
  it("readers that know fewer or more fields than the writer", () => {
    run(fc.property(fields, fc.nat({ max: 10 }), fc.integer(), (values, known, after) => withParcel((p) => {
      const start = p.beginParcelable();
      for (const v of values) p.writeInt32(v);
      p.endParcelable(start);
      p.writeInt32(after); // whatever follows the parcelable
      expect(p.toBytes().subarray(0, 4)).toEqual(new Uint8Array(le32(4 + 4 * values.length)));
      p.dataPosition = 0;
      const end = p.enterParcelable();
      expect(end).toBe(4 + 4 * values.length);
      const got: number[] = [];
      for (let i = 0; i < known; i++) got.push(p.parcelableHasMore(end) ? p.readInt32() : 0); // 0 = default
      p.exitParcelable(end);
      expect(got).toEqual(Array.from({ length: known }, (_, i) => (i < values.length ? values[i] : 0)));
      expect(p.readInt32()).toBe(after);
    })));
  });
  it("endParcelable with a start that is not a begun parcelable's: BAD_POSITION, nothing patched", () => {
    run(fc.property(fc.oneof(fc.integer({ min: -8, max: -1 }), fc.integer({ min: 0xfffffff0, max: 0xffffffff }), fc.integer({ min: 5, max: 64 })),
      (start) => withParcel((p) => {
        p.writeInt32(7);
        p.writeInt32(8);
        const e = parcelError(() => p.endParcelable(start));
        expect(e.code).toBe("BAD_POSITION");
        expect(Array.from(p.toBytes())).toEqual([...le32(7), ...le32(8)]);
      })), 100);
  });
  it("nested parcelables with mixed fields; reading past the end of a parcelable is caught on exit", () => {
    run(fc.property(nullable(text), fc.array(fc.bigInt(INT64), { maxLength: 4 }), fc.double(), (s, longs, d) => withParcel((p) => {
      const outer = p.beginParcelable();
      p.writeString16(s);
      const inner = p.beginParcelable();
      p.writeInt64Array(longs);
      p.endParcelable(inner);
      p.writeDouble(d);
      p.endParcelable(outer);
      p.writeInt32(-7);
      p.dataPosition = 0;
      const end = p.enterParcelable();
      expect(p.readString16()).toBe(s);
      const iend = p.enterParcelable();
      expect(p.readInt64Array()).toEqual(longs);
      p.exitParcelable(iend);
      expect(Object.is(p.readDouble(), d)).toBe(true);
      expect(p.parcelableHasMore(end)).toBe(false);
      p.exitParcelable(end);
      expect(p.readInt32()).toBe(-7);
      // a reader that reads more than the parcelable holds: exit reports BAD_SIZE
      p.dataPosition = 0;
      const e2 = p.enterParcelable();
      p.dataPosition = e2;
      p.readInt32();
      expect(() => p.exitParcelable(e2)).toThrow(ParcelError);
    })), 150);
  });
});

describe("(b) mixed sequences", () => {
  const item = fc.integer({ min: 0, max: KINDS.length - 1 }).chain((i) => KINDS[i]!.arb.map((v) => ({ k: KINDS[i]!, v })));
  it("read back in order; every value is padded to 4 with zeros exactly as libbinder lays it out", () => {
    run(fc.property(fc.array(item, { maxLength: 24 }), (items) => withParcel((p) => {
      const expected: number[] = [];
      for (const { k, v } of items) {
        const before = p.dataSize;
        k.write(p, v);
        const enc = k.encode(v);
        expected.push(...enc);
        expect(p.dataSize % 4).toBe(0);
        expect(p.dataSize - before).toBe(enc.length);
      }
      expect(Array.from(p.toBytes())).toEqual(expected);
      p.dataPosition = 0;
      for (const { k, v } of items) {
        const got = k.read(p);
        const want = k.expect ? k.expect(v) : v;
        if (!same(got, want)) throw new Error(`${k.name}: wrote ${show(v)}, read ${show(got)}`);
      }
      expect(p.dataPosition).toBe(p.dataSize);
    })), 300);
  });
});

// ---- (c) arbitrary bytes --------------------------------------------------------------------

type Reader = { name: string; read: (p: Parcel) => unknown };
const READERS: Reader[] = [
  ...KINDS.map((k) => ({ name: k.name, read: k.read })),
  { name: "String16 non-null", read: (p) => p.readString16NonNull() },
  { name: "count", read: (p) => p.readCount(4) },
  { name: "count (8)", read: (p) => p.readCount(8) },
  { name: "vector size", read: (p) => p.readVectorSize() },
  { name: "binder", read: (p) => p.readStrongBinder() },
  { name: "fd", read: (p) => p.readParcelFileDescriptor() },
  { name: "exception", read: (p) => readException(p) },
  { name: "parcelable", read: (p) => {
    const end = p.enterParcelable();
    const got: unknown[] = [];
    while (p.parcelableHasMore(end)) got.push(p.readString16());
    p.exitParcelable(end);
    return got;
  } },
];

/** Bytes biased towards the words that matter to readers (lengths, -1, huge sizes). */
const word = fc.oneof(
  fc.constantFrom(-1, 0, 1, 2, 3, 4, 5, 8, 12, 16, 0x7fffffff, -2, -8, -128, -127, 0xd800, 0xdc00, 0x10000),
  fc.integer(),
).map((v) => le32(v));
const hostileBytes = fc.oneof(
  fc.uint8Array({ maxLength: 48 }),
  fc.array(fc.oneof(word, fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 1, maxLength: 3 })), { maxLength: 12 })
    .map((ws) => Uint8Array.from(ws.flat())),
);

/** Run one read and classify it; anything other than a value or a ParcelError fails. */
function tryRead(p: Parcel, r: Reader): "ok" | "error" {
  const before = p.dataPosition;
  try {
    r.read(p);
    return "ok";
  } catch (e) {
    if (e instanceof ParcelError) return "error";
    // a Status with an exception code decodes to the typed exception: that is a value
    if (r.name === "exception" && e instanceof ServiceException) return "ok";
    throw new Error(`${r.name} at ${before} threw ${(e as Error)?.constructor?.name}: ${(e as Error)?.message}`);
  } finally {
    expect(p.dataPosition).toBeLessThanOrEqual(p.dataSize);
  }
}

/** The parcel still works: append a value and read it back. */
function stillUsable(p: Parcel, n: number): void {
  const size = p.dataSize;
  p.dataPosition = size;
  p.writeInt32(n);
  p.writeString16("ok");
  p.dataPosition = size;
  expect(p.readInt32()).toBe(n);
  expect(p.readString16()).toBe("ok");
}

describe("(c) any bytes fed to any reader: a value or a ParcelError, never past the end", () => {
  it("each read method on arbitrary bytes, at every aligned start", () => {
    run(fc.property(hostileBytes, fc.integer({ min: 0, max: READERS.length - 1 }), (bytes, ri) => withParcel((p) => {
      const r = READERS[ri]!;
      for (let start = 0; start <= bytes.length; start += 4) {
        p.dataPosition = start;
        if (tryRead(p, r) === "error") expect(p.dataPosition).toBeLessThanOrEqual(bytes.length);
      }
      stillUsable(p, ri);
    }, bytes)), 4000);
  });
  it("random sequences of reads; the parcel stays usable after every error", () => {
    run(fc.property(hostileBytes, fc.array(fc.integer({ min: 0, max: READERS.length - 1 }), { minLength: 1, maxLength: 16 }),
      (bytes, seq) => withParcel((p) => {
        for (const ri of seq) tryRead(p, READERS[ri]!);
        stillUsable(p, seq.length);
      }, bytes)), 3000);
  });
  it("reads at unaligned positions and from unaligned data sizes", () => {
    run(fc.property(fc.uint8Array({ minLength: 1, maxLength: 40 }), fc.nat(), fc.integer({ min: 0, max: READERS.length - 1 }),
      (bytes, at, ri) => withParcel((p) => {
        p.dataPosition = at % (bytes.length + 1);
        tryRead(p, READERS[ri]!);
        stillUsable(p, at);
      }, bytes)), 1000);
  });
  it("writes at unaligned positions lay out the same bytes as at aligned ones", () => {
    run(fc.property(fc.integer({ min: 0, max: KINDS.length - 1 }).chain((i) => KINDS[i]!.arb.map((v) => ({ k: KINDS[i]!, v }))),
      fc.integer({ min: 1, max: 3 }), ({ k, v }, shift) => withParcel((p) => {
        p.dataPosition = shift;
        k.write(p, v);
        expect(Array.from(p.toBytes().subarray(shift))).toEqual(k.encode(v));
        p.dataPosition = shift;
        const got = k.read(p);
        const want = k.expect ? k.expect(v) : v;
        if (!same(got, want)) throw new Error(`${k.name} at +${shift}: wrote ${show(v)}, read ${show(got)}`);
      }, new Uint8Array(4))), 400);
  });
});

// ---- (d) hostile size fields --------------------------------------------------------------

describe("(d) hostile sizes are refused before anything is allocated", () => {
  const sized: Reader[] = READERS.filter((r) => /String16|String8|\[\]|count|vector size|parcelable/.test(r.name) && !/CString/.test(r.name));
  const HOSTILE = [0x7fffffff, -2, -0x80000000, 0x40000000, 0x3fffffff];

  it("every length/count/size reader: ParcelError, position unchanged", () => {
    expect(sized.length).toBeGreaterThanOrEqual(16);
    for (const r of sized) {
      for (const n of HOSTILE) {
        withParcel((p) => {
          let err: unknown;
          try { r.read(p); } catch (e) { err = e; }
          if (!(err instanceof ParcelError)) throw new Error(`${r.name} with size ${n}: ${err === undefined ? "no error" : String(err)}`);
          expect(["TRUNCATED", "BAD_LENGTH", "BAD_SIZE"]).toContain(err.code);
          expect(p.dataPosition).toBe(0);
          stillUsable(p, n);
        }, Uint8Array.from([...le32(n), 0x61, 0, 0, 0, 0x62, 0, 0, 0]));
      }
    }
  });

  it("10,000 hostile reads do not grow process or wasm memory", () => {
    const wasmBefore = core.memory.buffer.byteLength;
    const p = Parcel.fromBytes(Uint8Array.from([...le32(0x7fffffff), 1, 2, 3, 4]));
    const q = Parcel.fromBytes(Uint8Array.from([...le32(-2), 1, 2, 3, 4]));
    const once = () => {
      for (const parcel of [p, q]) for (const r of sized) {
        parcel.dataPosition = 0;
        try { r.read(parcel); } catch (e) { if (!(e instanceof ParcelError)) throw e; }
      }
    };
    once(); // warm up
    (globalThis as { gc?: () => void }).gc?.();
    const before = process.memoryUsage();
    const loops = Math.ceil(10_000 / (2 * sized.length));
    for (let i = 0; i < loops; i++) once();
    const after = process.memoryUsage();
    p.dispose();
    q.dispose();
    expect(loops * 2 * sized.length).toBeGreaterThanOrEqual(10_000);
    expect(core.memory.buffer.byteLength).toBe(wasmBefore);
    expect(after.arrayBuffers - before.arrayBuffers).toBeLessThan(4 << 20);
    expect(after.rss - before.rss).toBeLessThan(64 << 20); // a single 0x7fffffff-unit allocation would be 4 GiB
  });

  it("readVectorSize bounds the out-array size; readCount checks the count against the bytes left", () => {
    withParcel((p) => {
      p.writeInt32(0x7fffffff);
      p.writeInt32(3);
      p.dataPosition = 0;
      expect(() => p.readVectorSize()).toThrow(ParcelError);
      expect(p.dataPosition).toBe(0);
      p.dataPosition = 4;
      expect(() => p.readCount(4)).toThrow(ParcelError); // 3 elements of >= 4 bytes in 0 bytes
      expect(p.readInt32()).toBe(3);
    });
  });
});

// ---- (e) bad UTF-16 / UTF-8 -----------------------------------------------------------------

function parcelError(fn: () => unknown): ParcelError {
  try { fn(); } catch (e) {
    if (e instanceof ParcelError) return e;
    throw e;
  }
  throw new Error("expected a ParcelError");
}

describe("(e) malformed strings", () => {
  const units = (...u: number[]) => { const b: number[] = [...le32(u.length)]; for (const x of u) b.push(x & 0xff, x >> 8); return b; };
  const codecs = [portableString16Codec, bufferString16Codec((m) => Buffer.from(m))];
  const eachCodec = (fn: () => void) => underCodecs(codecs, fn);
  const codeUnits = (s: string) => Array.from({ length: s.length }, (_, i) => s.charCodeAt(i));
  it("String16 carries code units as they are: lone surrogates read back exactly (no U+FFFD); no terminator is BAD_UTF16", () => eachCodec(() => {
    const cases: number[][] = [
      [0xd800], // lone high surrogate
      [0xdc00], // lone low surrogate
      [0x61, 0xd83d], // high surrogate at the end
      [0xd83d, 0x61], // high surrogate followed by a non-surrogate
      [0xde00, 0xd83d], // reversed pair
      [0xd800, 0x41, 0xdc00], // the example: D800 0041 DC00
      [0xfffd, 0xd800], // a real U+FFFD next to a lone surrogate
    ];
    for (const c of cases) {
      const bytes = Uint8Array.from(pad([...units(...c), 0, 0]));
      withParcel((p) => {
        const s = p.readString16()!;
        expect(codeUnits(s)).toEqual(c);
        // and written back, the same bytes
        withParcel((q) => { q.writeString16(s); expect([...q.toBytes()]).toEqual([...bytes]); });
      }, bytes);
    }
    withParcel((p) => {
      expect(parcelError(() => p.readString16()).code).toBe("BAD_UTF16");
      expect(p.dataPosition).toBe(0);
      stillUsable(p, 1);
    }, Uint8Array.from(pad([...units(0x61, 0x62), 0x63, 0]))); // terminator is not zero
    // the valid pair decodes
    withParcel((p) => expect(p.readString16()).toBe("😀"), Uint8Array.from(pad([...units(0xd83d, 0xde00), 0, 0])));
  }));
  it("any UTF-16 units (lone surrogates included) read back unit for unit and write back byte for byte", () => eachCodec(() => {
    const unit = fc.oneof(fc.integer({ min: 0, max: 0xffff }), fc.integer({ min: 0xd800, max: 0xdfff }));
    run(fc.property(fc.array(unit, { maxLength: 40 }), (list) => {
      const bytes = Uint8Array.from(pad([...units(...list), 0, 0]));
      withParcel((p) => {
        const s = p.readString16()!;
        expect(codeUnits(s)).toEqual(list);
        withParcel((q) => { q.writeString16(s); expect([...q.toBytes()]).toEqual([...bytes]); });
      }, bytes);
    }), 150);
  }));
  it("String8 and CString with malformed UTF-8 or no NUL: BAD_UTF8", () => {
    const s8 = (...b: number[]) => Uint8Array.from(pad([...le32(b.length), ...b, 0]));
    const cases = [
      s8(0xff), s8(0xc0, 0x80) /* overlong NUL */, s8(0xe0, 0x80, 0x80) /* overlong */, s8(0xed, 0xa0, 0x80) /* surrogate */,
      s8(0xf4, 0x90, 0x80, 0x80) /* > U+10FFFF */, s8(0xe2, 0x82) /* truncated */, s8(0x80) /* stray continuation */,
      Uint8Array.from([...le32(2), 0x61, 0x62, 0x63, 0]) /* terminator is not NUL */,
    ];
    for (const c of cases) {
      withParcel((p) => {
        expect(parcelError(() => p.readString8()).code).toBe("BAD_UTF8");
        expect(p.dataPosition).toBe(0);
        stillUsable(p, 2);
      }, c);
    }
    // the same malformed bytes as C strings (no length word)
    for (const c of cases.slice(0, -1)) {
      withParcel((p) => {
        expect(parcelError(() => p.readCString()).code).toBe("BAD_UTF8");
        expect(p.dataPosition).toBe(0);
        stillUsable(p, 3);
      }, c.subarray(4));
    }
    withParcel((p) => {
      expect(parcelError(() => p.readCString()).code).toBe("TRUNCATED"); // no NUL at all
      stillUsable(p, 4);
    }, Uint8Array.from([0x61, 0x62, 0x63, 0x64]));
  });
  it("a string with a lone surrogate: String16 writes it exactly (every codec); String8 (UTF-8) refuses it, BAD_UTF8, and writes nothing", () => eachCodec(() => {
    run(fc.property(text, fc.integer({ min: 0xd800, max: 0xdfff }), fc.nat(), (s, sur, at) => {
      const i = at % (s.length + 1);
      let bad = s.slice(0, i) + String.fromCharCode(sur) + s.slice(i);
      if (bad.isWellFormed()) bad = String.fromCharCode(sur) + "x" + bad; // the insertion completed a pair
      withParcel((p) => {
        p.writeInt32(5);
        expect(parcelError(() => p.writeString8(bad)).code).toBe("BAD_UTF8");
        expect(parcelError(() => p.writeCString(bad)).code).toBe("BAD_UTF8");
        expect(p.dataSize).toBe(4);
        p.writeString16(bad);
        p.writeString16Array(["ok", bad]);
        expect([...p.toBytes()]).toEqual([...le32(5), ...enc16(bad), ...le32(2), ...enc16("ok"), ...enc16(bad)]);
        p.dataPosition = 0;
        expect(p.readInt32()).toBe(5);
        expect(p.readString16()).toBe(bad);
        expect(p.readString16Array()).toEqual(["ok", bad]);
      });
    }), 100);
  }));
});

describe("(f) Latin-1 text is narrowed to one byte per unit before decoding (with a codec that takes it)", () => {
  const withCodecs = (fn: () => void) => underCodecs([portableString16Codec, bufferString16Codec((m) => Buffer.from(m))], fn);
  it("every length (the 4-unit fast path and its tail), the C1 range 0x80-0x9f (ISO-8859-1, not windows-1252), 0xff", () => withCodecs(() => {
    const all = Array.from({ length: 256 }, (_, i) => String.fromCharCode(i)).join("");
    for (let n = 0; n <= 40; n++) {
      const s = all.slice(0x7c, 0x7c + n) + all.slice(0xf8, 0xf8 + (n % 9));
      withParcel((p) => { p.writeString16(s); p.writeString16(all); p.dataPosition = 0; expect(p.readString16()).toBe(s); expect(p.readString16()).toBe(all); });
    }
  }));
  it("a unit above 0xff anywhere falls back to UTF-16 decoding (a lone surrogate after Latin-1 text comes back exactly)", () => withCodecs(() => {
    for (let at = 0; at < 12; at++) {
      for (const odd of [0x100, 0x20ac, 0xfffe]) {
        const list = Array.from({ length: 12 }, (_, i) => (i === at ? odd : 0x41 + i + (i & 1 ? 0x80 : 0)));
        const s = String.fromCharCode(...list);
        withParcel((p) => { p.writeString16(s); p.dataPosition = 0; expect(p.readString16()).toBe(s); });
      }
      const list = Array.from({ length: 12 }, (_, i) => (i === at ? 0xd800 : 0xe9));
      const units: number[] = [...le32(list.length)];
      for (const x of list) units.push(x & 0xff, x >> 8);
      withParcel((p) => { expect(p.readString16()).toBe(String.fromCharCode(...list)); expect(p.dataPosition).toBe(p.dataSize); }, Uint8Array.from(pad([...units, 0, 0])));
    }
  }));
  it("random well-formed text round-trips with either codec", () => withCodecs(() => {
    run(fc.property(fc.array(fc.oneof(fc.string({ unit: "binary-ascii", maxLength: 20 }), fc.string({ unit: fc.integer({ min: 0, max: 0x1ff }).map((c) => String.fromCharCode(c)), maxLength: 20 }).filter((x) => x.isWellFormed()), text), { maxLength: 5 }), (strs) => {
      withParcel((p) => {
        for (const x of strs) p.writeString16(x);
        p.dataPosition = 0;
        for (const x of strs) expect(p.readString16()).toBe(x);
      });
    }), 200);
  }));
});


describe("(g) the SIMD text loops: one odd unit at every position of longer text", () => {
  // The core runs its text loops 16 bytes (8 or 16 units) at a time and falls back to scalar
  // code at the first block that is not plain ASCII / Latin-1. Texts of 0-75 units put the odd
  // unit inside the first block, on a block edge, in a later block and in the scalar tail.
  const lengths = [...Array.from({ length: 41 }, (_, i) => i), 47, 48, 49, 63, 64, 65, 75];
  const base = (n: number) => "ab0123456789xyz!".repeat(5).slice(0, n);
  // the portable codec: UTF-8 in, through the core's transcoder; UTF-16 out, validated
  // in the core. The Buffer codec: UTF-16 in; Latin-1 narrowed out by the core.
  const withCodecs = (fn: () => void) => underCodecs([portableString16Codec, bufferString16Codec((m) => Buffer.from(m))], fn);
  it("String16 and String8 round-trip and lay out as the reference encoder does", () => withCodecs(() => {
    const odd = ["", "\x80", "\xe9", "\xff", "\u0100", "\u07ff", "\u0800", "\u20ac", "\ufffd", "😀"];
    for (const n of lengths) for (let at = 0; at <= n; at++) for (const o of odd) {
      const s = base(n).slice(0, at) + o + base(n).slice(at);
      withParcel((p) => {
        p.writeString16(s);
        p.writeString8(s);
        expect([...p.toBytes()]).toEqual([...enc16(s), ...enc8(s)]);
        p.dataPosition = 0;
        expect(p.readString16()).toBe(s);
        expect(p.readString8()).toBe(s);
      });
    }
  }));
  it("a lone surrogate anywhere comes back exactly, and malformed UTF-8 anywhere is BAD_UTF8", () => withCodecs(() => {
    for (const n of lengths) for (let at = 0; at <= n; at++) {
      const ascii = [...base(n)].map((c) => c.charCodeAt(0));
      for (const sur of [0xd800, 0xdbff, 0xdc00, 0xdfff]) {
        const list = [...ascii.slice(0, at), sur, ...ascii.slice(at)];
        const bytes: number[] = [...le32(list.length)];
        for (const x of list) bytes.push(x & 0xff, x >> 8);
        withParcel((p) => {
          expect(p.readString16()).toBe(String.fromCharCode(...list));
          expect(p.dataPosition).toBe(p.dataSize);
        }, Uint8Array.from(pad([...bytes, 0, 0])));
      }
      for (const bad of [[0xff], [0x80], [0xc0, 0x80], [0xed, 0xa0, 0x80], [0xe2, 0x82]]) {
        const b = [...ascii.slice(0, at), ...bad, ...ascii.slice(at)];
        withParcel((p) => {
          expect(parcelError(() => p.readString8()).code).toBe("BAD_UTF8");
          expect(p.dataPosition).toBe(0);
        }, Uint8Array.from(pad([...le32(b.length), ...b, 0])));
      }
    }
  }));
});
