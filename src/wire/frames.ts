// Whole RPC frames around a Parcel: the one place frames are built and opened (the session's
// frame reader, rpc/engine/frame-reader.ts, cuts them out of the byte stream). The core writes the RpcWireHeader and the transaction or
// reply struct into the headroom in front of the parcel's data and appends the object table
// (v1+) after it, so a frame is one contiguous range; these helpers copy it out. Incoming
// bodies (the bytes after a header) are copied once into a parcel and opened in place.
//
// A dialect is a wire version (0, 1, 2) or "r34" (Android 12 layout with rsbinder's u32
// length prefix in front of every message). Mode bits that depend on the session (binder
// positions at v2, fds) are the caller's to set on the parcel. A parcel filled by openIncoming
// has no headroom left for a frame: reply with a new parcel (framing it is a BAD_FRAME error).
import { type ByteCopies, core, copyOut, mem8, outWord, scratch, SIZES } from "../core/core.js";
import { F, MODE } from "../core/layout.js";
import { ParcelError, ParcelErrorCode } from "../parcel/errors.js";
import type { Parcel } from "../parcel/parcel.js";
import { Command, encodeWireHeader, type WireAddress } from "./structs.js";

export type FrameDialect = number | "r34";

function handle(parcel: Parcel): number {
  if (parcel._h === 0) throw new ParcelError(ParcelErrorCode.DISPOSED, 0, "a parcel that has not been disposed");
  return parcel._h;
}

/** The error the core recorded on the parcel, cleared (the parcel stays usable). */
function coreError(h: number): ParcelError {
  const w = new Int32Array(core.memory.buffer);
  const errno = w[(h + F.ERR) >>> 2]!;
  const at = w[(h + F.ERR_AT) >>> 2]!;
  const need = w[(h + F.ERR_NEED) >>> 2]!;
  w[(h + F.ERR) >>> 2] = 0;
  return ParcelError.fromCore(errno || ParcelErrorCode.BAD_FRAME, at, need);
}

/** The frame the core just built: a copy, or with `borrow` a view of linear memory (valid
 *  until the next core call or the parcel's next change; for a transport's writeNow()). */
function frameOut(parcel: Parcel, h: number, at: number, borrow = false): Uint8Array {
  if (at === 0) throw coreError(h);
  const n = outWord(0) >>> 0;
  return borrow ? mem8().subarray(at, at + n) : copyOut(parcel._platform.bytes, at, n);
}

// asyncNumber is a plain number (exact to 2^53, far past any session's oneway count), which
// keeps BigInt arithmetic off the per-call path
const lo = (v: number) => v >>> 0;
const hi = (v: number) => Math.floor(v / 0x100000000) >>> 0;

const SPECIAL: WireAddress = { options: 0, id: 0 };

/** TRANSACT frame: header, RpcWireTransaction (`address` null or all zero = special), data,
 *  and at v1+ the object table. A parcel with objects cannot be framed at v0 (BAD_FRAME). An
 *  r34 address is its 32 bytes (r34TransactionFrame). */
export function transactionFrame(parcel: Parcel, dialect: FrameDialect, address: WireAddress | Uint8Array | null, code: number,
    flags: number, asyncNumber: number, borrow = false): Uint8Array {
  if (dialect === "r34") return r34TransactionFrame(parcel, address instanceof Uint8Array ? address : null, code, flags, asyncNumber, borrow);
  if (address instanceof Uint8Array) throw new RangeError("a 32-byte address belongs to the r34 dialect");
  const a = address ?? SPECIAL;
  const h = handle(parcel);
  return frameOut(parcel, h, core.frame_transaction(h, dialect >>> 0, 0, a.options >>> 0, a.id >>> 0, 0,
    code >>> 0, flags >>> 0, lo(asyncNumber), hi(asyncNumber)), borrow);
}

/** r34 TRANSACT frame, including the u32 length prefix: `address` is the 32 raw address bytes
 *  (null = the special all-zero address). */
export function r34TransactionFrame(parcel: Parcel, address: Uint8Array | null, code: number, flags: number,
    asyncNumber: number, borrow = false): Uint8Array {
  const h = handle(parcel);
  let src = 0;
  if (address) {
    if (address.length !== 32) throw new RangeError("an r34 address is 32 bytes");
    src = scratch(32);
    mem8().set(address, src);
  }
  return frameOut(parcel, h, core.frame_transaction(h, 0, 1, 0, 0, src, code >>> 0, flags >>> 0, lo(asyncNumber), hi(asyncNumber)), borrow);
}

/** REPLY frame (r34: with the length prefix). A non-zero status carries no data. With
 *  `decStrong` (wire v0-v2), the DEC_STRONG frame that returns those references comes first in
 *  the same buffer. */
export function replyFrame(parcel: Parcel, dialect: FrameDialect, status: number,
    decStrong?: { address: WireAddress; amount: number } | null, borrow = false): Uint8Array {
  const h = handle(parcel);
  const r34 = dialect === "r34";
  if (r34 && decStrong) throw new RangeError("an r34 DEC_STRONG carries a 32-byte address: send it on its own");
  const a = decStrong?.address;
  return frameOut(parcel, h, core.frame_reply(h, r34 ? 0 : dialect >>> 0, r34 ? 1 : 0, status | 0,
    a ? a.options >>> 0 : 0, a ? a.id >>> 0 : 0, decStrong ? decStrong.amount >>> 0 : 0), borrow);
}

/** DEC_STRONG frame returning `amount` references to `address` (r34: the 32 address bytes,
 *  one reference per message; with the length prefix), in a buffer from `bytes`. */
export function decStrongFrame(dialect: FrameDialect, address: WireAddress | Uint8Array, amount: number, bytes: ByteCopies): Uint8Array {
  if (dialect === "r34") {
    if (!(address instanceof Uint8Array) || address.length !== 32) throw new RangeError("an r34 address is 32 bytes");
    const head = encodeWireHeader(Command.DEC_STRONG, SIZES.r34DecStrong);
    const out = new Uint8Array(SIZES.r34Prefix + head.length + SIZES.r34DecStrong);
    new DataView(out.buffer).setUint32(0, head.length + SIZES.r34DecStrong, true);
    out.set(head, SIZES.r34Prefix);
    out.set(address, SIZES.r34Prefix + head.length);
    return out;
  }
  if (address instanceof Uint8Array) throw new RangeError("a 32-byte address belongs to the r34 dialect");
  // header and body encoded next to each other in scratch memory and copied out once, into
  // a buffer from the platform's allocator (which its sockets take without conversion)
  const at = scratch(SIZES.wireHeader + SIZES.decStrong);
  core.wire_encodeWireHeader(at, Command.DEC_STRONG, SIZES.decStrong);
  core.wire_encodeDecStrong(at + SIZES.wireHeader, address.options, address.id, amount >>> 0);
  return copyOut(bytes, at, SIZES.wireHeader + SIZES.decStrong);
}

export type Opened =
  | { command: typeof Command.TRANSACT; address: WireAddress | Uint8Array; code: number; flags: number; asyncNumber: number }
  | { command: typeof Command.REPLY; status: number };

/** Copy an incoming TRANSACT or REPLY body (the bytes after the RpcWireHeader) into `parcel`
 *  (its previous contents are dropped; its maxSize bounds the body) and open it: the parcel is then positioned at the start
 *  of the data, with the received object table (v1+). Returns the struct's fields; an r34
 *  address is a copy of its 32 bytes. A malformed body is a ParcelError (BAD_FRAME, ...); a
 *  refused object table is not: the body opens with no data and every read of the parcel is
 *  BAD_TABLE, so only that call fails (assembly/parcel/table.ts). `parcel`'s fds (adopted
 *  before this) are the ones the table's fd entries must match. */
export function openIncoming(parcel: Parcel, dialect: FrameDialect, command: number, body: Uint8Array): Opened {
  const base = prepareIncoming(parcel, body.length);
  mem8().set(body, base);
  return openPrepared(parcel, dialect, command);
}

/** First half of openIncoming: size the parcel for a body of `size` bytes and return the
 *  linear-memory address the caller copies the body to (before any other core call). */
export function prepareIncoming(parcel: Parcel, size: number): number {
  const h = handle(parcel);
  // the core adds the received-layout bits on open; drop any left from a previous use
  parcel._setMode(parcel._mode() & ~(MODE.R34 | MODE.CHECK_TABLE));
  const base = core.frame_prepareBody(h, size);
  if (base === 0) throw coreError(h);
  return base;
}

/** Second half of openIncoming: open the body now in the parcel's buffer. */
export function openPrepared(parcel: Parcel, dialect: FrameDialect, command: number): Opened {
  const h = handle(parcel);
  if (command !== Command.TRANSACT && command !== Command.REPLY) {
    throw new ParcelError(ParcelErrorCode.BAD_FRAME, 0, "a TRANSACT or REPLY body", `cannot open a body of command ${command}`);
  }
  const r34 = dialect === "r34";
  const version = r34 ? 0 : dialect >>> 0;
  if (command === Command.REPLY) {
    if (!core.frame_openReply(h, version, r34 ? 1 : 0, parcel._fds.length)) throw coreError(h);
    return { command, status: outWord(0) | 0 };
  }
  if (!core.frame_openTransaction(h, version, r34 ? 1 : 0, parcel._fds.length)) throw coreError(h);
  // read the out words before anything can call into the core again
  const address = r34 ? copyOut(parcel._platform.bytes, outWord(0) >>> 0, 32) : { options: outWord(0) >>> 0, id: outWord(1) >>> 0 };
  const asyncNumber = (outWord(5) >>> 0) * 0x100000000 + (outWord(4) >>> 0);
  return { command, address, code: outWord(2) >>> 0, flags: outWord(3) >>> 0, asyncNumber };
}
