// An independent little-endian writer for expected bytes, built only from the layout rules of
// rpc-wire.md §3 (no code shared with the Parcel implementation under test).
export class ExpectedBytes {
  private readonly bytes: number[] = [];

  i32(v: number): this {
    const b = new DataView(new ArrayBuffer(4));
    b.setInt32(0, v, true);
    this.bytes.push(...new Uint8Array(b.buffer));
    return this;
  }
  i64(v: bigint): this {
    const b = new DataView(new ArrayBuffer(8));
    b.setBigInt64(0, v, true);
    this.bytes.push(...new Uint8Array(b.buffer));
    return this;
  }
  f32(v: number): this {
    const b = new DataView(new ArrayBuffer(4));
    b.setFloat32(0, v, true);
    this.bytes.push(...new Uint8Array(b.buffer));
    return this;
  }
  f64(v: number): this {
    const b = new DataView(new ArrayBuffer(8));
    b.setFloat64(0, v, true);
    this.bytes.push(...new Uint8Array(b.buffer));
    return this;
  }
  /** String16: int32 UTF-16 length, units, 2-byte NUL, pad to 4; null = -1. */
  str16(s: string | null): this {
    if (s === null) return this.i32(-1);
    this.i32(s.length);
    for (let i = 0; i < s.length; i++) {
      const u = s.charCodeAt(i);
      this.bytes.push(u & 0xff, u >> 8);
    }
    this.bytes.push(0, 0);
    return this.pad();
  }
  /** Packed bytes (byte[] / byte-backed enum arrays): count, bytes, pad. */
  byteArray(a: number[] | null): this {
    if (a === null) return this.i32(-1);
    this.i32(a.length);
    for (const v of a) this.bytes.push(v & 0xff);
    return this.pad();
  }
  /** Any size-prefixed block: `body` is written, then the int32 size (itself included) is patched in front. */
  sized(body: (w: ExpectedBytes) => void): this {
    const inner = new ExpectedBytes();
    body(inner);
    this.i32(inner.bytes.length + 4);
    this.bytes.push(...inner.bytes);
    return this;
  }
  private pad(): this {
    while (this.bytes.length % 4) this.bytes.push(0);
    return this;
  }
  hex(): string {
    return this.bytes.map((b) => b.toString(16).padStart(2, "0")).join("");
  }
}

export function hex(bytes: Uint8Array): string {
  return [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
}
