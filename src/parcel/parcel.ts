// Parcel: the TypeScript face of the wasm core's parcel. Callers never see pointers; values
// cross the boundary as numbers, and strings/arrays are copied with TextEncoder.encodeInto,
// TextDecoder and typed-array set/slice. Every read result is a copy, so growing linear memory
// can never invalidate anything a caller holds.
import { copyOwned, core, mem8, mem32, memView, scratch, SIZES } from "../core/core.js";
import { F, MODE } from "../core/layout.js";
import { ParcelError, ParcelErrorCode } from "./errors.js";
import { localObjectCodec, type ObjectCodec, type RawAddress } from "./objects.js";
import { ParcelFileDescriptor, dupRawFd } from "./file-descriptor.js";
import { portablePlatform, type Platform } from "../platform/platform.js";
import type { IBinder } from "./ibinder.js";
import { BinderError, StatusCode } from "../core/status.js";

const utf8 = new TextEncoder();
const utf8d = new TextDecoder("utf-8", { fatal: true });

/** Largest `out` array a peer may ask us to allocate (its size is not backed by data). */
export const MAX_OUT_VECTOR = 1 << 20;

// Element data is copied as bytes: a caller may have set an unaligned dataPosition (as libbinder
// allows), and a typed-array view of linear memory must start at a multiple of its element size.
function setWords(at: number, a: Int32Array | Float32Array): void {
  mem8().set(new Uint8Array(a.buffer, a.byteOffset, a.byteLength), at);
}

// Parcels not disposed explicitly are freed when collected (a safety net, not the plan).
const finalizer = new FinalizationRegistry<number>((handle) => core.parcel_destroy(handle));

// Registering costs about as much as the rest of a small call's parcel work, and most parcels
// are disposed within the turn they were made in. So a new parcel waits in `young`, held
// strongly (it cannot be collected unregistered); every YOUNG_BATCH parcels, or YOUNG_MS after
// the first, those still undisposed are registered and the rest are forgotten.
const young: Parcel[] = [];
const YOUNG_BATCH = 256;
const YOUNG_MS = 50;
let youngTimer: ReturnType<typeof setTimeout> | null = null;
function enrol(p: Parcel): void {
  young.push(p);
  if (young.length >= YOUNG_BATCH) promoteYoung();
  else if (youngTimer === null) {
    youngTimer = setTimeout(promoteYoung, YOUNG_MS);
    // a pending safety-net pass must not keep the program alive
    const t = youngTimer as unknown as { unref?: () => void };
    if (typeof t === "object" && t.unref) t.unref();
    else (globalThis as { Deno?: { unrefTimer?(id: unknown): void } }).Deno?.unrefTimer?.(youngTimer);
  }
}
function promoteYoung(): void {
  if (youngTimer !== null) { clearTimeout(youngTimer); youngTimer = null; }
  for (const p of young) {
    if (p._h !== 0) { finalizer.register(p, p._h, p); p._registered = true; }
  }
  young.length = 0;
}

// Most parcels carry no fds: they share these (frozen, so nothing can add to them by mistake)
// instead of two new arrays each.
const NO_FDS = Object.freeze([]) as unknown as ParcelFileDescriptor[];
const NO_OWNED = Object.freeze([]) as unknown as boolean[];

// Interface tokens as String16 wire bytes, per descriptor. Descriptors come from code, not from
// peers, so the cache stays small; past the cap (a program minting descriptors) it stops growing.
const tokens = new Map<string, Uint8Array>();
const MAX_CACHED_TOKENS = 1024;
function tokenBytes(descriptor: string): Uint8Array | null {
  let t = tokens.get(descriptor);
  if (t) return t;
  if (typeof descriptor !== "string" || tokens.size >= MAX_CACHED_TOKENS) return null;
  const p = new Parcel({ owned: true });
  try {
    p.writeString16(descriptor);
    t = p.toBytes();
  } catch {
    return null; // not a valid string: the slow path reports it
  } finally { p.dispose(); }
  tokens.set(descriptor, t);
  return t;
}

export interface ParcelOptions {
  /** Initial data capacity in bytes. */
  capacity?: number;
  /** @internal the owner disposes it on every path (session-internal parcels): skip the
   *  garbage-collection safety net, which costs a registration per parcel. */
  owned?: boolean;
  /** What its bytes, text and descriptors go through (default portablePlatform; a session's
   *  parcels carry the session's). */
  platform?: Platform;
}

export class Parcel {
  /** @internal the core handle (0 once disposed). */
  _h: number;
  /** @internal how binders are flattened (set by the session that owns the parcel). */
  _objects: ObjectCodec = localObjectCodec;
  /** @internal a non-null binder was written (its address belongs to `_objects`' owner). */
  _hasBinders = false;
  /** @internal fds carried with this parcel, in object-index order. Rules: file-descriptor.ts. */
  _fds: ParcelFileDescriptor[] = NO_FDS;
  /** @internal per entry of `_fds`: owned here (received, or written with takeOwnership). */
  _fdOwned: boolean[] = NO_OWNED;
  /** @internal every fd written from now on is owned (closed with the parcel), whatever the
   *  writer asked: set on a reply while a generated stub writes its results, so descriptors
   *  nested in parcelables, unions and arrays are closed once the reply is sent, as the Java
   *  and C++ backends close them (ownership of results passes to the reply). */
  _ownWrittenFds = false;
  /** @internal with _ownWrittenFds: an fd could not be written (the session carries none). */
  _fdsRefused = false;
  /** @internal in the FinalizationRegistry (see enrol). */
  _registered = false;
  /** @internal the platform given at construction. */
  readonly _platform: Platform;

  constructor(options?: ParcelOptions) {
    this._platform = options?.platform ?? portablePlatform;
    this._h = core.parcel_create(options?.capacity ?? 256, SIZES.headroom);
    if (!options?.owned) enrol(this);
  }

  /** A parcel holding a copy of `bytes`, positioned at 0. */
  static fromBytes(bytes: Uint8Array, platform?: Platform): Parcel {
    const p = new Parcel({ capacity: bytes.length, platform });
    const at = p.reserveRaw(bytes.length);
    mem8().set(bytes, at);
    p.setField(F.SIZE, bytes.length);
    p.setField(F.POS, 0);
    return p;
  }

  dispose(): void {
    if (this._h === 0) return;
    if (this._registered) finalizer.unregister(this);
    core.parcel_destroy(this.h());
    this._h = 0;
    this.dropFds();
  }
  [Symbol.dispose](): void { this.dispose(); }

  // ---- position and size -------------------------------------------------------------

  get dataSize(): number { return this.field(F.SIZE); }
  get dataPosition(): number { return this.field(F.POS); }
  set dataPosition(pos: number) {
    if (!core.parcel_setPosition(this.h(), pos >>> 0)) this.raise();
  }
  dataAvail(): number { return Math.max(0, this.dataSize - this.dataPosition); }
  /** Limit on the data size (writes past it throw TOO_LARGE). */
  get maxSize(): number { return this.field(F.MAX); }
  set maxSize(n: number) { this.setField(F.MAX, n); }

  /** A copy of the data bytes. */
  toBytes(): Uint8Array {
    const at = core.parcel_dataAddress(this.h());
    return copyOwned(this._platform.bytes, at, this.dataSize);
  }

  /** Drop the contents, keep the allocation. */
  reset(): void {
    core.parcel_reset(this.h());
    this._fdsRefused = false;
    this.dropFds();
  }

  /** Close the fds this parcel owns (received ones); written ones stay their writer's. */
  private dropFds(): void {
    if (this._fds === NO_FDS) return;
    for (let i = 0; i < this._fds.length; i++) if (this._fdOwned[i]) this._fds[i]!.close();
    this._fds = NO_FDS;
    this._fdOwned = NO_OWNED;
  }

  // ---- scalars -------------------------------------------------------------------------

  writeInt32(v: number): void {
    if ((v | 0) !== v) this.badValue("int32", v);
    if (!core.parcel_writeInt32(this.h(), v)) this.raise();
  }
  readInt32(): number {
    const v = core.parcel_readInt32(this.h());
    if (mem32()[(this._h + F.ERR) >>> 2] !== 0) this.raise();
    return v;
  }
  writeUint32(v: number): void {
    if (v >>> 0 !== v) this.badValue("uint32", v);
    if (!core.parcel_writeInt32(this.h(), v | 0)) this.raise();
  }
  readUint32(): number { return this.readInt32() >>> 0; }

  writeInt64(v: bigint): void {
    if (typeof v !== "bigint" || BigInt.asIntN(64, v) !== v) this.badValue("int64", v);
    const at = this.reserveRaw(8);
    memView().setBigInt64(at, v, true);
  }
  readInt64(): bigint {
    const at = core.parcel_readInt64Slot(this.h());
    if (at === 0) this.raise();
    return memView().getBigInt64(at, true);
  }
  writeUint64(v: bigint): void {
    if (typeof v !== "bigint" || BigInt.asUintN(64, v) !== v) this.badValue("uint64", v);
    const at = this.reserveRaw(8);
    memView().setBigUint64(at, v, true);
  }
  readUint64(): bigint {
    const at = core.parcel_readInt64Slot(this.h());
    if (at === 0) this.raise();
    return memView().getBigUint64(at, true);
  }

  writeFloat(v: number): void {
    if (typeof v !== "number") this.badValue("float", v);
    if (!core.parcel_writeFloat(this.h(), v)) this.raise();
  }
  readFloat(): number {
    const v = core.parcel_readFloat(this.h());
    if (mem32()[(this._h + F.ERR) >>> 2] !== 0) this.raise();
    return v;
  }
  writeDouble(v: number): void {
    if (typeof v !== "number") this.badValue("double", v);
    if (!core.parcel_writeDouble(this.h(), v)) this.raise();
  }
  readDouble(): number {
    const v = core.parcel_readDouble(this.h());
    if (mem32()[(this._h + F.ERR) >>> 2] !== 0) this.raise();
    return v;
  }

  writeBool(v: boolean): void {
    if (typeof v !== "boolean") this.badValue("boolean", v);
    if (!core.parcel_writeInt32(this.h(), v ? 1 : 0)) this.raise();
  }
  readBool(): boolean { return this.readInt32() !== 0; }

  /** AIDL byte: int8, widened to int32 (sign-extended). 128..255 are taken as their int8 value. */
  writeByte(v: number): void {
    if ((v | 0) !== v || v < -128 || v > 255) this.badValue("byte", v);
    if (!core.parcel_writeInt32(this.h(), (v << 24) >> 24)) this.raise();
  }
  readByte(): number { return (this.readInt32() << 24) >> 24; }

  /** AIDL char: one UTF-16 code unit, widened to int32. */
  writeChar(v: number): void {
    if ((v | 0) !== v || v < 0 || v > 0xffff) this.badValue("char", v);
    if (!core.parcel_writeInt32(this.h(), v)) this.raise();
  }
  readChar(): number { return this.readInt32() & 0xffff; }

  // ---- strings ------------------------------------------------------------------------

  /** String16 (AIDL `String`, and `@utf8InCpp String`: both are UTF-16 on the wire). */
  writeString16(s: string | null): void {
    if (s === null || s === undefined) { this.writeInt32(-1); return; }
    if (typeof s !== "string") this.badValue("string", s);
    const encodeInto = this._platform.string16.encodeInto;
    if (encodeInto) {
      // the runtime's own UTF-16 encoder, straight into the reserved units
      const at = core.parcel_reserveString16(this.h(), s.length);
      if (at === 0) this.raise();
      encodeInto(s, mem8().buffer as ArrayBuffer, at);
      return;
    }
    // a lone surrogate is carried as it is (String16 is code units), but TextEncoder would turn
    // it into U+FFFD: such strings go unit by unit
    if (!s.isWellFormed()) return this.writeCodeUnits(s);
    const cap = s.length * 3;
    const at = scratch(cap + 1);
    const { written } = utf8.encodeInto(s, mem8().subarray(at, at + cap));
    if (!core.parcel_writeString16Utf8(this.h(), at, written)) this.raise();
  }
  readString16(): string | null {
    const codec = this._platform.string16;
    const at = core.parcel_readString16(this.h(), codec.decodeLatin1 ? 1 : 0);
    if (at === 0) {
      if (mem32()[(this._h + F.ERR) >>> 2] !== 0) this.raise();
      return null;
    }
    // all-Latin-1 text was narrowed to one byte per unit in scratch memory (OUT_B)
    const narrow = this.field(F.OUT_B);
    const buffer = mem8().buffer as ArrayBuffer;
    return narrow !== 0 ? codec.decodeLatin1!(buffer, narrow, this.field(F.OUT_A)) : codec.decode(buffer, at, this.field(F.OUT_A));
  }
  /** readString16 for non-nullable fields: null is a ParcelError. */
  readString16NonNull(): string {
    const start = this.dataPosition;
    const s = this.readString16();
    if (s === null) throw new ParcelError(ParcelErrorCode.BAD_VALUE, start, "a non-null string");
    return s;
  }

  /** String8: int32 byte length, UTF-8 bytes, NUL, padding. Not used by AIDL. */
  writeString8(s: string | null): void {
    if (s === null || s === undefined) { this.writeInt32(-1); return; }
    const { at, n } = this.encodeUtf8(s);
    if (!core.parcel_writeString8(this.h(), at, n)) this.raise();
  }
  readString8(): string | null {
    const at = core.parcel_readString8(this.h());
    if (at === 0) {
      if (mem32()[(this._h + F.ERR) >>> 2] !== 0) this.raise();
      return null;
    }
    return utf8d.decode(mem8().subarray(at, at + this.field(F.OUT_A)));
  }
  /** C string: UTF-8 bytes, NUL, padding (no length). Not used by AIDL. */
  writeCString(s: string): void {
    const { at, n } = this.encodeUtf8(s);
    if (!core.parcel_writeCString(this.h(), at, n)) this.raise();
  }
  readCString(): string {
    const at = core.parcel_readCString(this.h());
    if (at === 0) this.raise();
    return utf8d.decode(mem8().subarray(at, at + this.field(F.OUT_A)));
  }

  /** Interface token over RPC: only the String16 descriptor (no strict-mode/work-source words). */
  /** The interface token: on the RPC wire, the descriptor as a String16 (libbinder writes no
   *  strict-mode or work-source header for RPC parcels). Every call writes it, so its bytes are
   *  encoded once per descriptor and copied in. */
  writeInterfaceToken(descriptor: string): void {
    const token = tokenBytes(descriptor);
    if (!token) return this.writeString16(descriptor);
    mem8().set(token, this.reserveRaw(token.length));
  }
  /** Check the interface token; a mismatch is BAD_TYPE, as libbinder's generated stubs answer. */
  enforceInterface(descriptor: string): void {
    // fast path: the bytes at the position are the token's (compared in place, nothing decoded);
    // not in a parcel with objects, where the core's reader checks no object is read as text
    const token = tokenBytes(descriptor);
    if (token && this.field(F.NOBJ) === 0 && this.dataAvail() >= token.length) {
      const m = mem8();
      const at = core.parcel_dataAddress(this.h()) + this.dataPosition;
      let i = 0;
      while (i < token.length && m[at + i] === token[i]) i++;
      if (i === token.length) { this.setField(F.POS, this.dataPosition + token.length); return; }
    }
    const got = this.readString16();
    if (got !== descriptor) {
      throw new BinderError(StatusCode.BAD_TYPE, `interface token mismatch: expected ${descriptor}, got ${got === null ? "null" : JSON.stringify(got)}`);
    }
  }

  // ---- arrays -------------------------------------------------------------------------

  writeByteArray(a: Uint8Array | Int8Array | null): void {
    if (a === null || a === undefined) { this.writeInt32(-1); return; }
    const at = this.reserveArray(a.length, 1);
    mem8().set(a instanceof Uint8Array ? a : new Uint8Array(a.buffer, a.byteOffset, a.length), at);
  }
  readByteArray(): Uint8Array | null {
    const at = this.readArrayAt(1);
    if (at < 0) return null;
    return copyOwned(this._platform.bytes, at, this.field(F.OUT_A));
  }

  writeBoolArray(a: readonly boolean[] | null): void {
    if (a === null || a === undefined) { this.writeInt32(-1); return; }
    const view = new Int32Array(a.length);
    for (let i = 0; i < a.length; i++) view[i] = a[i] ? 1 : 0; // bool -> int32 needs a mapping pass
    const at = this.reserveArray(a.length, 4);
    mem8().set(new Uint8Array(view.buffer), at);
  }
  readBoolArray(): boolean[] | null {
    const ints = this.readInt32Array();
    return ints === null ? null : ints.map((v) => v !== 0);
  }

  writeCharArray(a: ArrayLike<number> | null): void {
    if (a === null || a === undefined) { this.writeInt32(-1); return; }
    for (let i = 0; i < a.length; i++) {
      const c = a[i]!;
      if ((c | 0) !== c || c < 0 || c > 0xffff) this.badValue("char", c);
    }
    const at = this.reserveArray(a.length, 4);
    setWords(at, Int32Array.from(a));
  }
  readCharArray(): number[] | null {
    const ints = this.readInt32Array();
    return ints === null ? null : ints.map((v) => v & 0xffff);
  }

  writeInt32Array(a: ArrayLike<number> | null): void {
    if (a === null || a === undefined) { this.writeInt32(-1); return; }
    if (!(a instanceof Int32Array)) {
      for (let i = 0; i < a.length; i++) if ((a[i]! | 0) !== a[i]) this.badValue("int32", a[i]);
    }
    const at = this.reserveArray(a.length, 4);
    setWords(at, Int32Array.from(a));
  }
  readInt32Array(): number[] | null {
    const at = this.readArrayAt(4);
    if (at < 0) return null;
    return Array.from(new Int32Array(copyOwned(this._platform.bytes, at, this.field(F.OUT_A) * 4).buffer));
  }

  writeInt64Array(a: ArrayLike<bigint> | null): void {
    if (a === null || a === undefined) { this.writeInt32(-1); return; }
    // 64-bit elements may sit at 4 mod 8, so stage them in an aligned array and copy bytes
    const tmp = new BigInt64Array(a.length);
    for (let i = 0; i < a.length; i++) {
      const v = a[i]!;
      if (typeof v !== "bigint" || BigInt.asIntN(64, v) !== v) this.badValue("int64", v);
      tmp[i] = v;
    }
    const at = this.reserveArray(a.length, 8);
    mem8().set(new Uint8Array(tmp.buffer), at);
  }
  readInt64Array(): bigint[] | null {
    const at = this.readArrayAt(8);
    if (at < 0) return null;
    const n = this.field(F.OUT_A);
    return Array.from(new BigInt64Array(copyOwned(this._platform.bytes, at, n * 8).buffer));
  }
  writeUint64Array(a: ArrayLike<bigint> | null): void {
    if (a === null || a === undefined) { this.writeInt32(-1); return; }
    const tmp = new BigUint64Array(a.length);
    for (let i = 0; i < a.length; i++) {
      const v = a[i]!;
      if (typeof v !== "bigint" || BigInt.asUintN(64, v) !== v) this.badValue("uint64", v);
      tmp[i] = v;
    }
    const at = this.reserveArray(a.length, 8);
    mem8().set(new Uint8Array(tmp.buffer), at);
  }
  readUint64Array(): bigint[] | null {
    const at = this.readArrayAt(8);
    if (at < 0) return null;
    const n = this.field(F.OUT_A);
    return Array.from(new BigUint64Array(copyOwned(this._platform.bytes, at, n * 8).buffer));
  }

  writeFloatArray(a: ArrayLike<number> | null): void {
    if (a === null || a === undefined) { this.writeInt32(-1); return; }
    const at = this.reserveArray(a.length, 4);
    setWords(at, Float32Array.from(a));
  }
  readFloatArray(): number[] | null {
    const at = this.readArrayAt(4);
    if (at < 0) return null;
    return Array.from(new Float32Array(copyOwned(this._platform.bytes, at, this.field(F.OUT_A) * 4).buffer));
  }

  writeDoubleArray(a: ArrayLike<number> | null): void {
    if (a === null || a === undefined) { this.writeInt32(-1); return; }
    const tmp = Float64Array.from(a as ArrayLike<number>);
    const at = this.reserveArray(a.length, 8);
    mem8().set(new Uint8Array(tmp.buffer), at);
  }
  readDoubleArray(): number[] | null {
    const at = this.readArrayAt(8);
    if (at < 0) return null;
    const n = this.field(F.OUT_A);
    return Array.from(new Float64Array(copyOwned(this._platform.bytes, at, n * 8).buffer));
  }

  writeString16Array(a: readonly (string | null)[] | null): void {
    if (a === null || a === undefined) { this.writeInt32(-1); return; }
    this.writeInt32(a.length);
    for (const s of a) this.writeString16(s);
  }
  readString16Array(): (string | null)[] | null {
    const n = this.readCount(4);
    if (n < 0) return null;
    const out = new Array<string | null>(n);
    for (let i = 0; i < n; i++) out[i] = this.readString16();
    return out;
  }

  /** Element count for arrays the caller reads element by element (parcelables, binders,
   *  nested arrays). -1 for null. The count is checked against the bytes left, at
   *  `minElementSize` bytes per element, before anything is allocated. */
  readCount(minElementSize = 4): number {
    const n = core.parcel_readCount(this.h(), minElementSize);
    if (n === -2) this.raise();
    return n;
  }

  /** `out` array arguments: the client sends only the size. */
  writeVectorSize(a: { length: number } | null): void {
    this.writeInt32(a === null || a === undefined ? -1 : a.length);
  }
  /** Size of an `out` array to allocate (-1 = null), bounded by MAX_OUT_VECTOR. */
  readVectorSize(): number {
    const start = this.dataPosition;
    const n = this.readInt32();
    if (n < -1 || n > MAX_OUT_VECTOR) {
      this.dataPosition = start;
      throw new ParcelError(ParcelErrorCode.BAD_LENGTH, start, `an out-array size from -1 to ${MAX_OUT_VECTOR}, got ${n}`);
    }
    return n;
  }

  // ---- binders and file descriptors ------------------------------------------------

  writeStrongBinder(b: IBinder | null): void {
    if (b === null || b === undefined) {
      if (!core.parcel_writeNullBinder(this.h())) this.raise();
      return;
    }
    this._objects.writeBinder(this, b);
    this._hasBinders = true;
  }
  readStrongBinder(): IBinder | null {
    const start = this.dataPosition;
    const kind = core.parcel_readBinder(this.h());
    if (kind < 0) this.raise();
    if (kind === 0) return null;
    let raw: RawAddress;
    if (this.field(F.MODE) & MODE.R34) {
      const at = this.field(F.OUT_A);
      raw = { options: 0, id: 0, r34: copyOwned(this._platform.bytes, at, 32) };
    } else {
      raw = { options: this.field(F.OUT_A), id: this.field(F.OUT_B) };
    }
    try {
      return this._objects.readBinder(this, raw);
    } catch (e) {
      this.setField(F.POS, start);
      if (e instanceof ParcelError || e instanceof BinderError) throw e;
      throw new ParcelError(ParcelErrorCode.BAD_OBJECT, start, "a binder address known to this session", (e as Error).message);
    }
  }
  /** A non-null binder that must not be null (AIDL non-@nullable IBinder/interface). */
  readStrongBinderNonNull(): IBinder {
    const start = this.dataPosition;
    const b = this.readStrongBinder();
    if (b === null) throw new ParcelError(ParcelErrorCode.BAD_VALUE, start, "a non-null binder");
    return b;
  }

  /** The fd object alone (libbinder writeFileDescriptor). By default the parcel refers to
   *  `fd` without owning it: the session sends a duplicate, and `fd` stays the caller's to
   *  close (once transact() has returned, or onTransact for a reply). With `takeOwnership` the
   *  parcel closes it when disposed (handy for a reply: hand the descriptor over and forget
   *  it). Needs a session that carries fds (else FDS_NOT_ALLOWED). */
  writeFileDescriptor(fd: ParcelFileDescriptor, takeOwnership = false): void {
    if (!(fd instanceof ParcelFileDescriptor) || fd.fd < 0) this.badValue("open ParcelFileDescriptor", fd);
    if (this._ownWrittenFds) takeOwnership = true;
    fd._bind(this._platform.fds);
    const index = core.parcel_writeFd(this.h());
    if (index < 0) {
      // A descriptor handed over is the parcel's even when it cannot carry it: closed here, as
      // libbinder's unique_fd is on the way out of its writeFileDescriptor (else it leaks).
      if (takeOwnership) fd.close();
      if (this.field(F.ERR) === ParcelErrorCode.FDS_NOT_ALLOWED) {
        this.setField(F.ERR, 0);
        if (this._ownWrittenFds) {
          // a stub writing results: carry on, so every descriptor still to come is handed over
          // (and closed) too; the session answers FDS_NOT_ALLOWED instead of this reply
          this._fdsRefused = true;
          return;
        }
        // libbinder's status, so a stub's failure reaches the caller as FDS_NOT_ALLOWED
        throw new BinderError(StatusCode.FDS_NOT_ALLOWED, "this parcel's session does not carry file descriptors (connect with fileDescriptors: true, wire v1+, over a transport that can pass them)");
      }
      this.raise();
    }
    this.addFd(fd, takeOwnership);
  }
  /** Read an fd object: a NEW ParcelFileDescriptor owning a duplicate of the descriptor
   *  (libbinder readUniqueFileDescriptor); the caller closes it. The parcel keeps (and closes
   *  on dispose) the descriptor that arrived with the message. */
  readFileDescriptor(): ParcelFileDescriptor {
    const start = this.dataPosition;
    const index = core.parcel_readFd(this.h(), this._fds.length);
    if (index < 0) this.raise();
    const held = this._fds[index]!;
    const fd = held.fd;
    if (fd < 0) throw new ParcelError(ParcelErrorCode.BAD_VALUE, start, "an open file descriptor (it was closed)");
    const ops = this._platform.fds ?? held._ops;
    const dup = dupRawFd(ops, fd); // throws, with the reason, for a platform without fd ops
    return ParcelFileDescriptor._owned(ops!, dup);
  }
  /** ParcelFileDescriptor as AIDL writes it: presence, comm-channel flag 0, fd object. */
  writeParcelFileDescriptor(p: ParcelFileDescriptor | null, takeOwnership = false): void {
    if (p === null || p === undefined) { this.writeInt32(0); return; }
    const start = this.dataPosition;
    this.writeInt32(1);
    this.writeInt32(0);
    try {
      this.writeFileDescriptor(p, takeOwnership);
    } catch (e) {
      this.setField(F.POS, start);
      this.setField(F.SIZE, start);
      throw e;
    }
  }
  readParcelFileDescriptor(): ParcelFileDescriptor | null {
    if (this.readInt32() === 0) return null;
    this.readInt32(); // comm-channel flag: never set over RPC
    return this.readFileDescriptor();
  }

  // ---- AIDL parcelable framing ------------------------------------------------------

  /** Write the size placeholder of a structured parcelable; pass the result to endParcelable. */
  beginParcelable(): number {
    const start = core.parcel_beginParcelable(this.h());
    if (start < 0) this.raise();
    return start;
  }
  endParcelable(start: number): void {
    if (!core.parcel_endParcelable(this.h(), start)) this.raise();
  }
  /** Read the size of a structured parcelable; returns its end position. */
  enterParcelable(): number {
    const end = core.parcel_enterParcelable(this.h());
    if (end < 0) this.raise();
    return end;
  }
  /** True while fields of the parcelable ending at `end` remain (older writers send fewer). */
  parcelableHasMore(end: number): boolean { return this.field(F.POS) < end; }
  /** Skip to the end of the parcelable (unknown trailing fields from newer writers). */
  exitParcelable(end: number): void {
    if (!core.parcel_exitParcelable(this.h(), end)) this.raise();
  }

  // ---- internals ------------------------------------------------------------------------

  /** @internal */
  _writeBinderAddress(options: number, id: number, stability: number): void {
    if (!core.parcel_writeBinder(this.h(), options >>> 0, id >>> 0, stability >>> 0)) this.raise();
  }
  /** @internal r34 dialect: 32 raw address bytes. */
  _writeBinderR34(address: Uint8Array): void {
    const at = scratch(32);
    mem8().set(address, at);
    if (!core.parcel_writeBinderR34(this.h(), at)) this.raise();
  }
  /** @internal fds that arrived with the message this parcel was read from (now owned here). */
  _adoptFds(fds: readonly number[]): void {
    const ops = this._platform.fds;
    if (!ops) throw new Error(`descriptors arrived for a parcel of platform "${this._platform.name}", which has no fd ops`);
    for (const fd of fds) this.addFd(ParcelFileDescriptor._owned(ops, fd), true);
  }
  private addFd(fd: ParcelFileDescriptor, owned: boolean): void {
    if (this._fds === NO_FDS) { this._fds = []; this._fdOwned = []; }
    this._fds.push(fd);
    this._fdOwned.push(owned);
  }
  /** @internal set MODE bits (session dialect/version). */
  _setMode(mode: number): void { this.setField(F.MODE, mode); }
  /** @internal */
  _mode(): number { return this.field(F.MODE); }

  private h(): number {
    if (this._h === 0) throw new ParcelError(ParcelErrorCode.DISPOSED, 0, "a parcel that has not been disposed");
    return this._h;
  }
  /** @internal */
  field(f: number): number { return mem32()[(this.h() + f) >>> 2]! >>> 0; }
  /** @internal */
  setField(f: number, v: number): void { mem32()[(this.h() + f) >>> 2] = v; }

  /** Turn the core's recorded error into a ParcelError (and clear it: the parcel stays usable). */
  /** @internal the core's handle of a live parcel (DISPOSED otherwise), for the layers that
   *  read their own structures with the core (binder/status-header.ts) */
  _handle(): number { return this.h(); }
  /** @internal throw the error the core recorded for the last operation */
  _raise(): never { return this.raise(); }
  private raise(): never {
    const h = this.h();
    const w = mem32();
    const base = h >>> 2;
    const errno = w[base + (F.ERR >> 2)]!;
    const at = w[base + (F.ERR_AT >> 2)]!;
    const need = w[base + (F.ERR_NEED >> 2)]!;
    w[base + (F.ERR >> 2)] = 0;
    if (errno === 0) throw new ParcelError(ParcelErrorCode.BAD_VALUE, this.dataPosition, "a core error code (none recorded)");
    throw ParcelError.fromCore(errno, at, need);
  }

  private badValue(type: string, v: unknown): never {
    throw new ParcelError(ParcelErrorCode.BAD_VALUE, this._h ? this.dataPosition : 0, `a valid ${type}`, `not a valid ${type}: ${String(v)}`);
  }

  private reserveRaw(n: number): number {
    const at = core.parcel_reserve(this.h(), n);
    if (at === 0) this.raise();
    return at;
  }

  private reserveArray(count: number, elemSize: number): number {
    const at = core.parcel_writeArrayReserve(this.h(), count, elemSize);
    if (at === 0) this.raise();
    return at;
  }

  /** Address of the elements, or -1 for a null array (throws on error). */
  private readArrayAt(elemSize: number): number {
    const at = core.parcel_readArray(this.h(), elemSize);
    if (at === 0) {
      if (mem32()[(this._h + F.ERR) >>> 2] !== 0) this.raise();
      return -1;
    }
    return at;
  }

  /** A String16 written unit by unit (the portable path for strings with lone surrogates). */
  private writeCodeUnits(s: string): void {
    const at = core.parcel_reserveString16(this.h(), s.length);
    if (at === 0) this.raise();
    const m = mem8();
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      m[at + 2 * i] = c & 0xff;
      m[at + 2 * i + 1] = c >>> 8;
    }
  }

  /** UTF-8 for String8 and C strings. UTF-8 cannot encode a lone surrogate (TextEncoder would
   *  write U+FFFD in its place): such a string is refused, BAD_UTF8 (docs/protocol.md §4.1). */
  private encodeUtf8(s: string): { at: number; n: number } {
    if (typeof s !== "string") this.badValue("string", s);
    if (!s.isWellFormed()) throw new ParcelError(ParcelErrorCode.BAD_UTF8, this.dataPosition, "a well-formed string (no lone surrogates)");
    const cap = s.length * 3;
    const at = scratch(cap + 1);
    const { written } = utf8.encodeInto(s, mem8().subarray(at, at + cap));
    return { at, n: written };
  }
}
