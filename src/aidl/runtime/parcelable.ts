// AIDL value helpers shared by all generated code (protobuf-es style: generated files are
// declarations plus calls into this module; they never carry their own copies).
//
// Wire rules implemented here (docs/aidl.md, rpc-wire.md §3.2–3.3):
// - arrays/List<T>: int32 count (-1 = null), then the elements;
// - every parcelable value is preceded by an int32 presence marker 1/0, also when non-nullable
//   and also inside arrays;
// - Map<String, V> (Java's typed map encoding): int32 count (-1 = null), then key (String16) and
//   value alternately.
import type { Parcel } from "../../parcel/parcel.js";
import { ParcelError, ParcelErrorCode } from "../../parcel/errors.js";

/** Anything with AIDL parcelable framing: generated parcelable classes, unstructured ones. */
export interface AidlParcelable {
  writeToParcel(p: Parcel): void;
  readFromParcel(p: Parcel): void;
}

/** Constructor argument of generated parcelable classes: any subset of the fields (not the methods). */
export type ParcelableInit<T> = Partial<Pick<T, { [K in keyof T]: T[K] extends (...args: never[]) => unknown ? never : K }[keyof T]>>;

/** A generated parcelable class: constructible with defaults, and knows its descriptor. */
export interface ParcelableClass<T extends AidlParcelable> {
  new (): T;
  readonly descriptor: string;
}

/** `out`/`inout` argument holder: the callee (or the reply) replaces `value`. */
export interface Holder<T> {
  value: T;
}

/** Creates a holder; `holder(new Foo())`, `holder<number[]>(new Array(3))`. */
export function holder<T>(value: T): Holder<T> {
  return { value };
}

function unexpectedNull(p: Parcel, what: string): never {
  throw new ParcelError(ParcelErrorCode.BAD_VALUE, p.dataPosition, `a non-null ${what}`, `unexpected null ${what}`);
}

/** Throws (UNEXPECTED_NULL-like ParcelError) when a non-@nullable value read as null. */
export function nonNull<T>(p: Parcel, v: T | null, what: string): T {
  if (v === null || v === undefined) unexpectedNull(p, what);
  return v;
}

/** Rejects null for a non-@nullable value being written (libbinder: UNEXPECTED_NULL). */
export function requireValue<T>(p: Parcel, v: T | null | undefined, what: string): T {
  if (v === null || v === undefined) unexpectedNull(p, what);
  return v;
}

// ---------------------------------------------------------------------------------------------
// parcelables

export function writeParcelable(p: Parcel, v: AidlParcelable | null): void {
  if (v === null || v === undefined) {
    p.writeInt32(0);
    return;
  }
  p.writeInt32(1);
  v.writeToParcel(p);
}

export function readParcelable<T extends AidlParcelable>(p: Parcel, create: () => T): T | null {
  if (p.readInt32() === 0) return null;
  const v = create();
  v.readFromParcel(p);
  return v;
}

// ---------------------------------------------------------------------------------------------
// arrays and lists of anything that has no packed Parcel method

export function writeArray<T>(p: Parcel, a: readonly T[] | null, write: (p: Parcel, v: T) => void): void {
  if (a === null || a === undefined) {
    p.writeInt32(-1);
    return;
  }
  p.writeInt32(a.length);
  for (const v of a) write(p, v);
}

export function readArray<T>(p: Parcel, read: (p: Parcel) => T): T[] | null {
  const n = p.readCount();
  if (n < 0) return null;
  const out = new Array<T>(n);
  for (let i = 0; i < n; i++) out[i] = read(p);
  return out;
}

/** Fixed-size arrays `T[N]` travel like vectors (count N first); the count is validated. */
export function checkFixedSize<T extends { length: number } | null>(p: Parcel, a: T, size: number): T {
  if (a !== null && a !== undefined && a.length !== size) {
    throw new ParcelError(ParcelErrorCode.BAD_LENGTH, p.dataPosition, `a fixed-size array of ${size} elements`, `fixed-size array has ${a.length} elements, expected ${size}`);
  }
  return a;
}

/** `out` array argument on the server side: a fresh array of the size the client sent. */
export function newOutArray<T>(p: Parcel, fill: () => T): T[] | null {
  const n = p.readVectorSize();
  if (n < 0) return null;
  return Array.from({ length: n }, fill);
}

// ---------------------------------------------------------------------------------------------
// enums backed by byte: arrays are packed like byte[] (golden vectors #94–#96)

export function writeByteEnumArray(p: Parcel, a: readonly number[] | null): void {
  p.writeByteArray(a === null || a === undefined ? null : Int8Array.from(a));
}

export function readByteEnumArray<T extends number>(p: Parcel): T[] | null {
  const bytes = p.readByteArray();
  if (bytes === null) return null;
  return Array.from(new Int8Array(bytes.buffer, bytes.byteOffset, bytes.length)) as T[];
}

/** `out byte[]` holder on the server side. */
export function newOutByteArray(p: Parcel): Uint8Array | null {
  const n = p.readVectorSize();
  return n < 0 ? null : new Uint8Array(n);
}

// ---------------------------------------------------------------------------------------------
// Map<String, V>

export function writeMap<V>(p: Parcel, m: ReadonlyMap<string, V> | null, write: (p: Parcel, v: V) => void): void {
  if (m === null || m === undefined) {
    p.writeInt32(-1);
    return;
  }
  p.writeInt32(m.size);
  for (const [k, v] of m) {
    p.writeString16(k);
    write(p, v);
  }
}

export function readMap<V>(p: Parcel, read: (p: Parcel) => V): Map<string, V> | null {
  const n = p.readCount(8);
  if (n < 0) return null;
  const m = new Map<string, V>();
  for (let i = 0; i < n; i++) {
    const k = p.readString16();
    if (k === null) unexpectedNull(p, "map key");
    m.set(k, read(p));
  }
  return m;
}
