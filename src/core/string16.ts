// String16 text in and out of linear memory. The wire holds UTF-16LE; the portable way in is
// TextEncoder.encodeInto (UTF-8) plus the core's transcoder, and out TextDecoder("utf-16le").
// Both are slow for this on some runtimes (Node's UTF-16 TextDecoder goes through ICU: ~0.7 µs
// for 512 characters, Deno's ~1.7 µs, Bun's ~1.2 µs, against ~0.15-0.25 µs for Buffer's "ucs2"
// on all three), so an adapter may install its runtime's faster codec here. The core has
// already checked what is read (no unpaired surrogate) and the parcel checks what is written
// (String.isWellFormed), so a codec only moves code units.

export interface String16Codec {
  /** The string of `units` UTF-16LE code units at byte offset `at` of `memory`. */
  decode(memory: ArrayBuffer, at: number, units: number): string;
  /** Write the code units of `s` at byte offset `at` of `memory` (room for s.length units is
   *  reserved), or leave undefined to keep the portable UTF-8 path for writes. */
  encodeInto?: (s: string, memory: ArrayBuffer, at: number) => void;
  /** The string of `n` Latin-1 bytes (ISO-8859-1: byte = code point, not windows-1252) at
   *  byte offset `at`. With it, the core narrows all-Latin-1 text (and so all ASCII) to one
   *  byte per unit before decoding: a one-byte string, half the size of a two-byte one. */
  decodeLatin1?: (memory: ArrayBuffer, at: number, n: number) => string;
}

const portable = new TextDecoder("utf-16le");
let codec: String16Codec = {
  decode: (memory, at, units) => portable.decode(new Uint8Array(memory, at, units * 2)),
};

export function setString16Codec(c: String16Codec): void { codec = c; }
export function string16Codec(): String16Codec { return codec; }

/** The shape of Node's Buffer that a codec needs (Node, Bun and Deno's node:buffer have it). */
export interface BufferLike {
  toString(encoding: "ucs2" | "latin1", start: number, end: number): string;
  write(s: string, offset: number, encoding: "ucs2"): number;
}

/** A codec over the runtime's Buffer ("ucs2" is UTF-16LE, unit for unit). The Buffer view of
 *  linear memory is made again only when memory grows (a new ArrayBuffer). `writes: false`
 *  keeps the portable write path where Buffer.write is slow (Deno). */
export function bufferString16Codec(from: (memory: ArrayBuffer) => BufferLike, writes = true): String16Codec {
  let mem: ArrayBuffer | null = null;
  let view: BufferLike | null = null;
  const over = (memory: ArrayBuffer): BufferLike => {
    if (memory !== mem) { mem = memory; view = from(memory); }
    return view!;
  };
  return {
    decode: (memory, at, units) => over(memory).toString("ucs2", at, at + units * 2),
    decodeLatin1: (memory, at, n) => over(memory).toString("latin1", at, at + n),
    encodeInto: writes ? (s, memory, at) => { over(memory).write(s, at, "ucs2"); } : undefined,
  };
}
