// String16 text in and out of linear memory. The wire holds UTF-16LE; the portable way in is
// TextEncoder.encodeInto (UTF-8) plus the core's transcoder, and out TextDecoder("utf-16le").
// Both are slow for this on some runtimes (Node's UTF-16 TextDecoder goes through ICU: ~0.7 µs
// for 512 characters, Deno's ~1.7 µs, Bun's ~1.2 µs, against ~0.15-0.25 µs for Buffer's "ucs2"
// on all three), so an adapter's platform carries its runtime's faster codec (a parcel reads
// and writes text through its platform's).
//
// A String16 is code units, like a JS string, and every string must come back exactly, lone
// surrogates included (Java and libbinder carry them). So a codec must move units as they are:
// Buffer's "ucs2" does, both ways, on Node, Deno and Bun; TextDecoder("utf-16le") does not (it
// turns a lone surrogate into U+FFFD), so the portable decoder checks its result and, if it
// holds a U+FFFD, builds the string from the units instead (only then: real text rarely has one).

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

const utf16le = new TextDecoder("utf-16le");
/** The codec every runtime has: TextDecoder out (exact units kept, see above), and no encoder
 *  (the parcel's writer goes through TextEncoder.encodeInto and the core's transcoder). */
export const portableString16Codec: String16Codec = Object.freeze({
  decode: (memory: ArrayBuffer, at: number, units: number) => {
    const s = utf16le.decode(new Uint8Array(memory, at, units * 2));
    return s.indexOf("\uFFFD") < 0 ? s : fromCodeUnits(memory, at, units);
  },
});

/** Arguments per String.fromCharCode call: well under every engine's argument limit. */
const CHUNK = 8192;

/** The string of `units` UTF-16LE code units at byte offset `at`, unit for unit (a lone
 *  surrogate stays one). The units are copied first: `at` need not be even. */
export function fromCodeUnits(memory: ArrayBuffer, at: number, units: number): string {
  const u16 = new Uint16Array(memory.slice(at, at + units * 2));
  let s = "";
  for (let i = 0; i < units; i += CHUNK) {
    s += String.fromCharCode.apply(null, u16.subarray(i, i + CHUNK) as unknown as number[]);
  }
  return s;
}

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
