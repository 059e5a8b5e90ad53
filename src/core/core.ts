// Loads the wasm core (inlined bytes, synchronous: the module is small) and keeps the typed
// views over its linear memory current. Views go stale when memory grows; every accessor
// here re-derives them, so no caller ever holds a view across a call that may allocate.
import { CORE_WASM_BASE64 } from "./core-wasm.gen.js";
import { type CoreExports, unsignedAddresses } from "./exports.js";

/** The core called abort(): an internal invariant broke (never a malformed input, which is
 *  always a ParcelError). The facade treats it as fatal for the operation in progress. */
export class CoreAbortError extends Error {
  override readonly name = "CoreAbortError";
}

function decodeBase64(s: string): Uint8Array {
  const bin = atob(s);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i); // once, at load
  return out;
}


function instantiate(): CoreExports {
  const module = new WebAssembly.Module(decodeBase64(CORE_WASM_BASE64) as BufferSource);
  const instance = new WebAssembly.Instance(module, {
    env: {
      abort(_msg: number, _file: number, line: number, col: number): never {
        throw new CoreAbortError(`tsbinder core aborted at ${line}:${col}`);
      },
    },
  });
  return unsignedAddresses(instance.exports as unknown as CoreExports);
}

export const core: CoreExports = instantiate();
const memory: WebAssembly.Memory = core.memory;

let u8 = new Uint8Array(memory.buffer);
let i32 = new Int32Array(memory.buffer);
let dv = new DataView(memory.buffer);

function refresh(): void {
  u8 = new Uint8Array(memory.buffer);
  i32 = new Int32Array(memory.buffer);
  dv = new DataView(memory.buffer);
}

// Growing linear memory detaches the old ArrayBuffer, and every view of it reads length 0:
// that check alone finds stale views (reading memory.buffer each time costs ~10x more).
/** Current byte view of linear memory. */
export function mem8(): Uint8Array {
  if (u8.length === 0) refresh();
  return u8;
}
export function mem32(): Int32Array {
  if (i32.length === 0) refresh();
  return i32;
}
export function memView(): DataView {
  if (dv.byteLength === 0) refresh();
  return dv;
}

/** Scratch area of at least n bytes; returns its address. */
export function scratch(n: number): number {
  const at = core.scratch(n);
  if (at === 0) throw new RangeError(`${n} bytes of scratch memory is past the core's allocation limit`);
  return at;
}

/** The wire_out area decoded structs are written to (u32 words). */
export const OUT_WORD = core.wire_out.value >>> 2;

/** Sizes of the wire structs, read once from the core (the one place they are defined). */
export const SIZES = (() => {
  const at = core.scratch(64);
  core.sizes(at);
  const w = new Uint32Array(memory.buffer, at, 12);
  return {
    connectionHeader: w[0]!, sessionId: w[1]!, newSessionResponse: w[2]!, connectionInit: w[3]!,
    wireHeader: w[4]!, transaction: w[5]!, decStrong: w[6]!, r34Transaction: w[7]!,
    r34DecStrong: w[8]!, r34Prefix: w[9]!, headroom: w[10]!, handle: w[11]!,
  } as const;
})();

/** Copy bytes into scratch memory; returns the address. */
export function toScratch(bytes: Uint8Array): number {
  const at = scratch(bytes.length || 1);
  mem8().set(bytes, at);
  return at;
}

/** Where copies out of linear memory go: each platform has one (platform/platform.ts), made
 *  once, and passes it to the functions below (no module state: two platforms may differ). */
export interface ByteCopies {
  /** Copies that are sent (frames): a runtime may supply pooled buffers (Node's
   *  Buffer.allocUnsafe) that its sockets take without conversion. */
  readonly allocate: (n: number) => Uint8Array;
  /** Owned copies of `unzeroedFrom` bytes and more: a plain Uint8Array of exactly n bytes over
   *  an ArrayBuffer of its own, whose contents need not be zeroed (every byte is overwritten
   *  at once); null: none (unzeroedFrom is then Infinity). */
  readonly unzeroed: ((n: number) => Uint8Array) | null;
  readonly unzeroedFrom: number;
  /** Owned copies of this many bytes and more (below unzeroedFrom) are made by slice(). */
  readonly sliceFrom: number;
}

/** Plain Uint8Arrays; slice() from 128 KiB (see copyOwned). */
export const portableByteCopies: ByteCopies = Object.freeze({
  allocate: (n: number) => new Uint8Array(n),
  unzeroed: null,
  unzeroedFrom: Infinity,
  sliceFrom: 128 * 1024,
});

/** A copy of `view` (a view of linear memory) in the platform allocator's memory. */
export function ownBytes(b: ByteCopies, view: Uint8Array): Uint8Array {
  const out = b.allocate(view.length);
  out.set(view);
  return out;
}

/** Copy n bytes out of linear memory. */
export function copyOut(b: ByteCopies, at: number, n: number): Uint8Array {
  const out = b.allocate(n);
  out.set(mem8().subarray(at, at + n));
  return out;
}

/** Copy n bytes out of linear memory into a Uint8Array of their own (its `.buffer` is exactly
 *  the copy, at offset 0, and the caller's: never pooled). Three ways, per platform:
 *  - from `unzeroedFrom` bytes up, into an array from the platform's allocator of memory that
 *    is not zero-filled (Node: Buffer.allocUnsafeSlow's). A new zeroed 64 KiB ArrayBuffer
 *    costs V8 3.9 us against 1.3 unzeroed, the copy 1.4 (64 KiB owned copy 6.0 -> 4.6 us,
 *    1 MiB 72 -> 45);
 *  - from `sliceFrom` bytes up, slice();
 *  - below, allocate-and-set. On V8 (Node, Deno) slicing a view of wasm memory ran at half
 *    the speed up to 128 KiB on one machine (64 KiB: 11-15 against 7 us on Node), and no
 *    faster on another. JSC (Bun) slices without the zero-fill at every size (64 KiB: 3.5
 *    against 4.8 us), so its platform sets 0. */
export function copyOwned(b: ByteCopies, at: number, n: number): Uint8Array {
  const big = n >= b.unzeroedFrom;
  if (!big && n >= b.sliceFrom) return mem8().slice(at, at + n);
  const out = big ? b.unzeroed!(n) : new Uint8Array(n);
  out.set(mem8().subarray(at, at + n));
  return out;
}

/** Read word i of the out area. */
export function outWord(i: number): number {
  return mem32()[OUT_WORD + i]!;
}
