// ParcelableHolder: an extension slot inside a parcelable (AIDL `ParcelableHolder ext;`).
// Wire (libbinder ParcelableHolder.cpp, rpc-wire.md §3.3): int32 stability, int32 size of what
// follows (0 = empty), then String16 descriptor of the held parcelable and its body.
import { Parcel } from "../../parcel/parcel.js";
import { ParcelError, ParcelErrorCode } from "../../parcel/errors.js";
import type { AidlParcelable, ParcelableClass } from "./parcelable.js";

/** Parcelable stability as ParcelableHolder writes it. */
export const ParcelableStability = { LOCAL: 0, VINTF: 1 } as const;

export class ParcelableHolder {
  private value: AidlParcelable | null = null;
  private descriptor: string | null = null;
  /** Body received from the peer and not decoded yet (descriptor + parcelable bytes). */
  private raw: Uint8Array | null = null;

  constructor(readonly stability: number = ParcelableStability.LOCAL) {}

  /** Puts `value` (an instance of a generated parcelable class) into the holder. */
  setParcelable<T extends AidlParcelable>(value: T | null, type?: ParcelableClass<T>): void {
    const d = type?.descriptor ?? (value ? (value.constructor as { descriptor?: string }).descriptor : undefined);
    if (value && !d) throw new TypeError("ParcelableHolder.setParcelable: the value's class has no static descriptor");
    this.value = value;
    this.descriptor = value ? d! : null;
    this.raw = null;
  }

  /** The held parcelable if it is a `type` (decoding received bytes on first access), else null. */
  getParcelable<T extends AidlParcelable>(type: ParcelableClass<T>): T | null {
    if (this.raw) {
      const p = Parcel.fromBytes(this.raw);
      try {
        const name = p.readString16();
        if (name !== type.descriptor) return null;
        const v = new type();
        v.readFromParcel(p);
        this.value = v;
        this.descriptor = name;
        this.raw = null;
        return v;
      } finally {
        p.dispose();
      }
    }
    return this.descriptor === type.descriptor ? (this.value as T) : null;
  }

  get isEmpty(): boolean {
    return this.value === null && this.raw === null;
  }

  writeToParcel(p: Parcel): void {
    p.writeInt32(this.stability);
    if (this.raw) {
      p.writeInt32(this.raw.length);
      // Parcel data is always 4-byte padded, so the raw body is a sequence of int32 words.
      const view = new DataView(this.raw.buffer, this.raw.byteOffset, this.raw.byteLength);
      for (let i = 0; i < this.raw.length; i += 4) p.writeInt32(view.getInt32(i, true));
      return;
    }
    if (!this.value) {
      p.writeInt32(0);
      return;
    }
    const sizeAt = p.dataPosition;
    p.writeInt32(0);
    const start = p.dataPosition;
    p.writeString16(this.descriptor);
    this.value.writeToParcel(p);
    const end = p.dataPosition;
    p.dataPosition = sizeAt;
    p.writeInt32(end - start);
    p.dataPosition = end;
  }

  readFromParcel(p: Parcel): void {
    const stability = p.readInt32();
    if (stability !== this.stability) {
      throw new ParcelError(ParcelErrorCode.BAD_VALUE, p.dataPosition - 4, `ParcelableHolder stability ${this.stability}`, `ParcelableHolder stability mismatch: got ${stability}`);
    }
    const size = p.readInt32();
    this.value = null;
    this.descriptor = null;
    this.raw = null;
    if (size === 0) return;
    if (size < 0 || size > p.dataAvail() || size % 4 !== 0) {
      throw new ParcelError(ParcelErrorCode.BAD_SIZE, p.dataPosition - 4, "a ParcelableHolder size within the parcel");
    }
    const start = p.dataPosition;
    // Keep the bytes: which class to decode them as is only known when the user asks.
    this.raw = p.toBytes().slice(start, start + size);
    p.dataPosition = start + size;
  }
}
