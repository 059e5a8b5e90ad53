// AIDL unions as TypeScript discriminated unions `{ tag, value }`. The generated companion
// object of each union is its codec. Wire (rpc-wire.md §3.3): presence int32 1/0 (like every
// parcelable value), then int32 tag = field index, then the active field's value; no size prefix.
import type { Parcel } from "../../parcel/parcel.js";
import { ParcelError, ParcelErrorCode } from "../../parcel/errors.js";

export interface UnionCodec<T> {
  writeToParcel(p: Parcel, v: T): void;
  readFromParcel(p: Parcel): T;
}

export function writeUnion<T>(p: Parcel, codec: UnionCodec<T>, v: T | null): void {
  if (v === null || v === undefined) {
    p.writeInt32(0);
    return;
  }
  p.writeInt32(1);
  codec.writeToParcel(p, v);
}

export function readUnion<T>(p: Parcel, codec: UnionCodec<T>): T | null {
  if (p.readInt32() === 0) return null;
  return codec.readFromParcel(p);
}

export function badUnionTag(p: Parcel, union: string, tag: number): never {
  throw new ParcelError(ParcelErrorCode.BAD_VALUE, p.dataPosition - 4, `a field index of union ${union}`, `union ${union}: unknown tag ${tag}`);
}
