// dataview-baseline: a minimal pure-JavaScript parcel encoder/decoder (DataView for scalars,
// typed-array copies for strings and byte arrays, no wasm), writing the same bytes as the
// wasm core's Parcel for what the bench cases use: int32, String16 (AIDL String), byte[].
// It exists to answer one question: does the wasm core pay for its JS<->wasm boundary?
// Same rules as Parcel where they cost time: well-formed strings only, 4-byte padding, a
// fresh copy for every byte[] read.
const utf16 = new TextDecoder("utf-16le");
const LE = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

export class Encoder {
  constructor(capacity = 256) { this.grow(capacity); this.pos = 0; }
  grow(n) {
    const buf = new ArrayBuffer(n);
    const u8 = new Uint8Array(buf);
    if (this.u8) u8.set(this.u8.subarray(0, this.pos));
    this.u8 = u8;
    this.dv = new DataView(buf);
  }
  ensure(n) {
    const need = this.pos + n;
    if (need > this.u8.length) this.grow(Math.max(need, this.u8.length * 2));
  }
  writeInt32(v) {
    this.ensure(4);
    this.dv.setInt32(this.pos, v, true);
    this.pos += 4;
  }
  writeString16(s) {
    if (s === null) return this.writeInt32(-1);
    if (!s.isWellFormed()) throw new Error("lone surrogate");
    const n = s.length;
    const padded = (n * 2 + 2 + 3) & ~3;
    this.ensure(4 + padded);
    this.dv.setInt32(this.pos, n, true);
    const at = this.pos + 4;
    if (LE) {
      const u16 = new Uint16Array(this.u8.buffer, at, padded >> 1);
      for (let i = 0; i < n; i++) u16[i] = s.charCodeAt(i);
      for (let i = n; i < padded >> 1; i++) u16[i] = 0; // NUL and padding
    } else {
      for (let i = 0; i < n; i++) this.dv.setUint16(at + 2 * i, s.charCodeAt(i), true);
      this.u8.fill(0, at + 2 * n, at + padded);
    }
    this.pos = at + padded;
  }
  writeByteArray(a) {
    if (a === null) return this.writeInt32(-1);
    const padded = (a.length + 3) & ~3;
    this.ensure(4 + padded);
    this.dv.setInt32(this.pos, a.length, true);
    this.u8.set(a, this.pos + 4);
    this.u8.fill(0, this.pos + 4 + a.length, this.pos + 4 + padded);
    this.pos += 4 + padded;
  }
  /** The encoded bytes (a view: what a transport would write). */
  finish() { return this.u8.subarray(0, this.pos); }
}

export class Decoder {
  constructor(bytes) { this.u8 = bytes; this.dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength); this.pos = 0; }
  need(n) { if (this.pos + n > this.u8.length) throw new Error("read past the end"); }
  readInt32() { this.need(4); const v = this.dv.getInt32(this.pos, true); this.pos += 4; return v; }
  readString16() {
    const n = this.readInt32();
    if (n === -1) return null;
    if (n < 0) throw new Error("bad length");
    const padded = (n * 2 + 2 + 3) & ~3;
    this.need(padded);
    const s = utf16.decode(this.u8.subarray(this.pos, this.pos + n * 2));
    this.pos += padded;
    return s;
  }
  readByteArray() {
    const n = this.readInt32();
    if (n === -1) return null;
    if (n < 0) throw new Error("bad length");
    const padded = (n + 3) & ~3;
    this.need(padded);
    const a = this.u8.slice(this.pos, this.pos + n);
    this.pos += padded;
    return a;
  }
}
