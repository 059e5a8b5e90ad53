// AOSP binderRpcWireProtocolTest: 117 parcel encodings, valid for wire v0, v1 and v2. The
// expected bytes are read from ../shared/reference/golden-wire-vectors.md; this file supplies
// only the values each entry writes (AOSP's fill list, restated) and how to read them back.
import { describe, expect, it } from "vitest";
import { Parcel, ParcelError, ServiceSpecificException, ServiceException } from "tsbinder";
import { readException, writeException, writeNoException } from "tsbinder/codegen";
import { parcelVectors, hexToBytes, bytesToHex } from "../fixtures/reference.js";

type Entry = { call: RegExp; write: (p: Parcel) => void; read: (p: Parcel) => unknown; value: unknown };

const i32s = [-1, 0, 17];
const bytesS = new Int8Array([-1, 0, 17]);
const bytesU = new Uint8Array([0, 1, 17]);
const i64s = [-1n, 0n, 17n];
const u64s = [0n, 1n, 17n];
const f32s = [0, Math.fround(0.1), Math.fround(9.1)];
const f64s = [0, 0.1, 9.1];
const chars = ["a", "\0", "?"].map((c) => c.charCodeAt(0));
const strs = [null, "", "a"];

// nullable/non-null pairs share a writer; `opt` makes the "nullopt" variant
const e = (call: RegExp, write: (p: Parcel) => void, read: (p: Parcel) => unknown, value: unknown): Entry =>
  ({ call, write, read, value });
const nullArr = (call: RegExp, read: (p: Parcel) => unknown): Entry =>
  e(call, (p) => p.writeInt32Array(null), read, null);

// An AParcelable (writes int32 37) with the presence marker AIDL puts before every parcelable
const writeAParcelable = (p: Parcel) => { p.writeInt32(1); p.writeInt32(37); };
const readAParcelable = (p: Parcel) => (p.readInt32() === 1 ? p.readInt32() : null);

const fill: Entry[] = [
  e(/writeInterfaceToken\(String16\(u"tok"\)\)/, (p) => p.writeInterfaceToken("tok"), (p) => p.readString16(), "tok"),
  ...i32s.map((v) => e(/writeInt32\(/, (p) => p.writeInt32(v), (p) => p.readInt32(), v)),
  ...[0, 1, 10003].map((v) => e(/writeUint32\(/, (p) => p.writeUint32(v), (p) => p.readUint32(), v)),
  ...i64s.map((v) => e(/writeInt64\(/, (p) => p.writeInt64(v), (p) => p.readInt64(), v)),
  ...[0n, 1n, 10003n].map((v) => e(/writeUint64\(/, (p) => p.writeUint64(v), (p) => p.readUint64(), v)),
  ...f32s.map((v) => e(/writeFloat\(/, (p) => p.writeFloat(v), (p) => p.readFloat(), v)),
  ...f64s.map((v) => e(/writeDouble\(/, (p) => p.writeDouble(v), (p) => p.readDouble(), v)),
  ...["", "a", "baba"].map((v) => e(/writeCString\(/, (p) => p.writeCString(v), (p) => p.readCString(), v)),
  ...["", "a", "baba"].map((v) => e(/writeString8\(/, (p) => p.writeString8(v), (p) => p.readString8(), v)),
  ...["", "a", "baba"].map((v) => e(/writeString16\(String16/, (p) => p.writeString16(v), (p) => p.readString16(), v)),
  e(/writeStrongBinder\(nullptr\)/, (p) => p.writeStrongBinder(null), (p) => p.readStrongBinder(), null),
  e(/writeInt32Array\(/, (p) => p.writeInt32Array(i32s), (p) => p.readInt32Array(), i32s),
  e(/writeByteArray\(/, (p) => p.writeByteArray(new Uint8Array([0, 17, 255])), (p) => p.readByteArray(), new Uint8Array([0, 17, 255])),
  e(/writeBool\(true\)/, (p) => p.writeBool(true), (p) => p.readBool(), true),
  e(/writeBool\(false\)/, (p) => p.writeBool(false), (p) => p.readBool(), false),
  ...["a", "?", "\0"].map((c) => e(/writeChar\(/, (p) => p.writeChar(c.charCodeAt(0)), (p) => p.readChar(), c.charCodeAt(0))),
  ...[-128, 0, 127].map((v) => e(/writeByte\(/, (p) => p.writeByte(v), (p) => p.readByte(), v)),
  // writeUtf8AsUtf16: @utf8InCpp strings are String16 on the wire
  ...["", "a", "abab"].map((v) => e(/writeUtf8AsUtf16\(string/, (p) => p.writeString16(v), (p) => p.readString16(), v)),
  e(/writeUtf8AsUtf16\(nullopt\)/, (p) => p.writeString16(null), (p) => p.readString16(), null),
  ...["", "a", "abab"].map((v) => e(/writeUtf8AsUtf16\(optional/, (p) => p.writeString16(v), (p) => p.readString16(), v)),
  // byte vectors (int8 then uint8): nullopt, value, empty, value
  e(/writeByteVector\(optional<vector<int8_t>>\(nullopt/, (p) => p.writeByteArray(null), (p) => p.readByteArray(), null),
  e(/writeByteVector\(optional<vector<int8_t>>\(\{/, (p) => p.writeByteArray(bytesS), (p) => p.readByteArray(), new Uint8Array(bytesS.buffer)),
  e(/writeByteVector\(vector<int8_t>\(\{\}/, (p) => p.writeByteArray(new Int8Array(0)), (p) => p.readByteArray(), new Uint8Array(0)),
  e(/writeByteVector\(vector<int8_t>\(\{-1/, (p) => p.writeByteArray(bytesS), (p) => p.readByteArray(), new Uint8Array(bytesS.buffer)),
  e(/writeByteVector\(optional<vector<uint8_t>>\(nullopt/, (p) => p.writeByteArray(null), (p) => p.readByteArray(), null),
  e(/writeByteVector\(optional<vector<uint8_t>>\(\{/, (p) => p.writeByteArray(bytesU), (p) => p.readByteArray(), bytesU),
  e(/writeByteVector\(vector<uint8_t>\(\{\}/, (p) => p.writeByteArray(new Uint8Array(0)), (p) => p.readByteArray(), new Uint8Array(0)),
  e(/writeByteVector\(vector<uint8_t>\(\{0/, (p) => p.writeByteArray(bytesU), (p) => p.readByteArray(), bytesU),
  ...vectorQuad(/writeInt32Vector/, (p, v) => p.writeInt32Array(v as number[] | null), (p) => p.readInt32Array(), i32s),
  ...vectorQuad(/writeInt64Vector/, (p, v) => p.writeInt64Array(v as bigint[] | null), (p) => p.readInt64Array(), i64s),
  ...vectorQuad(/writeUint64Vector/, (p, v) => p.writeUint64Array(v as bigint[] | null), (p) => p.readUint64Array(), u64s),
  ...vectorQuad(/writeFloatVector/, (p, v) => p.writeFloatArray(v as number[] | null), (p) => p.readFloatArray(), f32s),
  ...vectorQuad(/writeDoubleVector/, (p, v) => p.writeDoubleArray(v as number[] | null), (p) => p.readDoubleArray(), f64s),
  ...vectorQuad(/writeBoolVector/, (p, v) => p.writeBoolArray(v as boolean[] | null), (p) => p.readBoolArray(), [true, false]),
  ...vectorQuad(/writeCharVector/, (p, v) => p.writeCharArray(v as number[] | null), (p) => p.readCharArray(), chars),
  ...vectorQuad(/writeString16Vector/, (p, v) => p.writeString16Array(v as string[] | null), (p) => p.readString16Array(), strs),
  ...vectorQuad(/writeUtf8VectorAsUtf16Vector/, (p, v) => p.writeString16Array(v as string[] | null), (p) => p.readString16Array(), strs),
  // binder vectors: count, then each element a flattened binder
  ...vectorQuad(/writeStrongBinderVector/, (p, v) => {
    const a = v as null[] | null;
    if (a === null) return p.writeInt32(-1);
    p.writeInt32(a.length);
    for (const b of a) p.writeStrongBinder(b);
  }, (p) => {
    const n = p.readCount(8);
    return n < 0 ? null : Array.from({ length: n }, () => p.readStrongBinder());
  }, [null]),
  // enum vectors: int8-backed packed like bytes; int32/int64 like their vectors
  e(/writeEnumVector\(optional<vector<EnumInt8>>\(nullopt/, (p) => p.writeByteArray(null), (p) => p.readByteArray(), null),
  e(/writeEnumVector\(optional<vector<EnumInt8>>\(\{/, (p) => p.writeByteArray(new Uint8Array([0, 1])), (p) => p.readByteArray(), new Uint8Array([0, 1])),
  e(/writeEnumVector\(vector<EnumInt8>/, (p) => p.writeByteArray(new Uint8Array([0, 1])), (p) => p.readByteArray(), new Uint8Array([0, 1])),
  e(/writeEnumVector\(optional<vector<EnumInt32>>\(nullopt/, (p) => p.writeInt32Array(null), (p) => p.readInt32Array(), null),
  e(/writeEnumVector\(optional<vector<EnumInt32>>\(\{/, (p) => p.writeInt32Array([0, 1]), (p) => p.readInt32Array(), [0, 1]),
  e(/writeEnumVector\(vector<EnumInt32>/, (p) => p.writeInt32Array([0, 1]), (p) => p.readInt32Array(), [0, 1]),
  e(/writeEnumVector\(optional<vector<EnumInt64>>\(nullopt/, (p) => p.writeInt64Array(null), (p) => p.readInt64Array(), null),
  e(/writeEnumVector\(optional<vector<EnumInt64>>\(\{/, (p) => p.writeInt64Array([0n, 1n]), (p) => p.readInt64Array(), [0n, 1n]),
  e(/writeEnumVector\(vector<EnumInt64>/, (p) => p.writeInt64Array([0n, 1n]), (p) => p.readInt64Array(), [0n, 1n]),
  // parcelable vectors and single parcelables: every element carries the presence marker
  e(/writeParcelableVector\(optional<vector<optional<AParcelable>>>\(nullopt/, (p) => p.writeInt32(-1), (p) => p.readCount(4), -1),
  e(/writeParcelableVector\(optional<vector<optional<AParcelable>>>\(\{/, (p) => { p.writeInt32(1); writeAParcelable(p); },
    (p) => Array.from({ length: p.readCount(4) }, () => readAParcelable(p)), [37]),
  e(/writeParcelableVector\(vector<AParcelable>/, (p) => { p.writeInt32(1); writeAParcelable(p); },
    (p) => Array.from({ length: p.readCount(4) }, () => readAParcelable(p)), [37]),
  e(/writeNullableParcelable\(optional<AParcelable>\(nullopt/, (p) => p.writeInt32(0), readAParcelable, null),
  e(/writeNullableParcelable\(optional<AParcelable>\(AParcelable/, writeAParcelable, readAParcelable, 37),
  e(/writeParcelable\(AParcelable/, writeAParcelable, readAParcelable, 37),
  // out-array sizes
  e(/writeVectorSize\(vector<int32_t>\(\{0/, (p) => p.writeVectorSize([0, 1, 17]), (p) => p.readVectorSize(), 3),
  e(/writeVectorSize\(vector<AParcelable>\(\{\}/, (p) => p.writeVectorSize([]), (p) => p.readVectorSize(), 0),
  e(/writeVectorSize\(optional<vector<int32_t>>\(nullopt/, (p) => p.writeVectorSize(null), (p) => p.readVectorSize(), -1),
  e(/writeVectorSize\(optional<vector<int32_t>>\(\{/, (p) => p.writeVectorSize([0, 1, 17]), (p) => p.readVectorSize(), 3),
  // Status
  e(/writeNoException/, (p) => writeNoException(p), (p) => readException(p), undefined),
  e(/Status::ok/, (p) => writeNoException(p), (p) => readException(p), undefined),
  e(/fromExceptionCode\(7, ":D"\)/, (p) => writeException(p, new ServiceException(7, ":D")), readStatus, { code: 7, message: ":D" }),
  e(/fromServiceSpecificError\(8, ":\/"\)/, (p) => writeException(p, new ServiceSpecificException(8, ":/")), readStatus,
    { code: -8, message: ":/", errorCode: 8 }),
];

function readStatus(p: Parcel): unknown {
  try { readException(p); return "ok"; } catch (err) {
    if (err instanceof ServiceSpecificException) return { code: err.exceptionCode, message: err.message, errorCode: err.errorCode };
    if (err instanceof ServiceException) return { code: err.exceptionCode, message: err.message };
    throw err;
  }
}

/** AOSP's vector entries come as: nullopt, optional(value), empty, value. */
function vectorQuad(name: RegExp, write: (p: Parcel, v: unknown) => void, read: (p: Parcel) => unknown, value: unknown[]): Entry[] {
  return [
    e(new RegExp(name.source + String.raw`\(optional<.*\(nullopt`), (p) => write(p, null), read, null),
    e(new RegExp(name.source + String.raw`\(optional<.*\(\{`), (p) => write(p, value), read, value),
    e(new RegExp(name.source + String.raw`\(vector<.*\(\{\}`), (p) => write(p, []), read, []),
    e(new RegExp(name.source + String.raw`\(vector<.*\(\{[^}]`), (p) => write(p, value), read, value),
  ];
}

const { constant, table } = parcelVectors();

describe("AOSP binderRpcWireProtocolTest vectors", () => {
  it("the reference file has 117 vectors and its table agrees with kCurrentRepr", () => {
    expect(constant).toHaveLength(117);
    expect(table).toHaveLength(117);
    for (const row of table) {
      expect(row.hex, `table row ${row.index}`).toBe(constant[row.index]);
      expect(row.hex.length / 2).toBe(row.bytes);
    }
  });

  it("this file's fill list covers every vector in order", () => {
    expect(fill).toHaveLength(117);
    for (let i = 0; i < table.length; i++) {
      expect(table[i]!.call, `entry ${i}`).toMatch(fill[i]!.call);
    }
  });

  for (let i = 0; i < 117; i++) {
    it(`#${i} ${table[i]?.call ?? ""}`, () => {
      const entry = fill[i]!;
      using p = new Parcel();
      entry.write(p);
      expect(bytesToHex(p.toBytes())).toBe(constant[i]);
      using r = Parcel.fromBytes(hexToBytes(constant[i]!));
      expect(entry.read(r)).toEqual(entry.value);
      expect(r.dataAvail()).toBe(0);
    });
  }

  it("reading any vector truncated by 4 bytes throws ParcelError, never another error", () => {
    let checked = 0;
    for (let i = 0; i < 117; i++) {
      const bytes = hexToBytes(constant[i]!);
      if (bytes.length < 8) continue;
      using r = Parcel.fromBytes(bytes.subarray(0, bytes.length - 4));
      let threw: unknown = null;
      try { fill[i]!.read(r); } catch (err) { threw = err; }
      // a shorter read may still succeed for element-wise vectors whose count is within bounds;
      // when it fails, it must be a ParcelError
      if (threw !== null && !(threw instanceof ServiceException)) expect(threw).toBeInstanceOf(ParcelError);
      checked++;
    }
    expect(checked).toBeGreaterThan(50);
  });
});
