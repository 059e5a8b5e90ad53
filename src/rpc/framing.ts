// Frames in and out of a session. Outgoing: the core writes the header and the transaction or
// reply struct into the parcel's headroom and appends the object table, and the finished frame
// is copied out once for the transport. Incoming: the header is decoded by the core, the body
// is copied once, piece by piece, from the transport's chunks into a parcel in linear memory,
// and opened in place.
import { core, copyOut, mem8, outWord, scratch, toScratch, SIZES } from "../core/core.js";
import { F } from "../core/layout.js";
import { Parcel } from "../parcel/parcel.js";
import { ParcelError } from "../parcel/errors.js";
import { Command, encodeDecStrong, encodeWireHeader } from "../wire/structs.js";
import type { ByteQueue } from "./byte-queue.js";
import type { Dialect } from "./dialect.js";
import type { WireAddr } from "./address.js";

/** The peer broke the protocol; the session ends. */
export class ProtocolError extends Error {
  override readonly name = "ProtocolError";
}

function frameOut(parcel: Parcel, at: number): Uint8Array {
  if (at === 0) {
    const h = parcel._h;
    const w = new Int32Array(core.memory.buffer);
    const errno = w[(h + F.ERR) >> 2]!;
    const errAt = w[(h + F.ERR_AT) >> 2]!;
    const need = w[(h + F.ERR_NEED) >> 2]!;
    w[(h + F.ERR) >> 2] = 0;
    throw ParcelError.fromCore(errno, errAt, need);
  }
  return copyOut(at, outWord(0));
}

const lo = (n: number) => n >>> 0;
const hi = (n: number) => Math.floor(n / 0x100000000) >>> 0;

/** TRANSACT frame for `parcel` (address null = special transaction). */
export function transactionFrame(parcel: Parcel, d: Dialect, addr: WireAddr | null, code: number, flags: number, asyncNumber: number): Uint8Array {
  let src = 0;
  if (d.r34 && addr?.r34) {
    src = scratch(32);
    mem8().set(addr.r34, src);
  }
  const at = core.frame_transaction(parcel._h, d.version, d.r34 ? 1 : 0, addr?.options ?? 0, addr?.id ?? 0, src,
    code >>> 0, flags >>> 0, lo(asyncNumber), hi(asyncNumber));
  return frameOut(parcel, at);
}

/** REPLY frame; a non-zero status carries no data. */
export function replyFrame(parcel: Parcel, d: Dialect, status: number): Uint8Array {
  return frameOut(parcel, core.frame_reply(parcel._h, d.version, d.r34 ? 1 : 0, status | 0));
}

export function decStrongFrame(d: Dialect, addr: WireAddr, amount: number): Uint8Array {
  if (d.r34) {
    // r34: the body is the 32-byte address; each message returns one reference
    const head = encodeWireHeader(Command.DEC_STRONG, SIZES.r34DecStrong);
    const out = new Uint8Array(SIZES.r34Prefix + head.length + SIZES.r34DecStrong);
    new DataView(out.buffer).setUint32(0, head.length + SIZES.r34DecStrong, true);
    out.set(head, SIZES.r34Prefix);
    out.set(addr.r34!, SIZES.r34Prefix + head.length);
    return out;
  }
  const head = encodeWireHeader(Command.DEC_STRONG, SIZES.decStrong);
  const body = encodeDecStrong(addr, amount);
  const out = new Uint8Array(head.length + body.length);
  out.set(head);
  out.set(body, head.length);
  return out;
}

export type Incoming =
  | { cmd: 0; parcel: Parcel; addr: WireAddr | null; code: number; flags: number; asyncNumber: number }
  | { cmd: 1; parcel: Parcel; status: number }
  | { cmd: 2; addr: WireAddr; amount: number };

export interface FrameLimits { maxBody: number }

/** Pull complete frames out of a ByteQueue. Returns null until a whole frame is buffered. */
export class FrameReader {
  private header: { command: number; bodySize: number } | null = null;

  constructor(private readonly d: Dialect, private readonly limits: FrameLimits) {}

  next(q: ByteQueue, fds?: () => number[]): Incoming | null {
    if (!this.header) {
      const prefix = this.d.r34 ? SIZES.r34Prefix : 0;
      const raw = q.peek(prefix + SIZES.wireHeader);
      if (!raw) return null;
      const at = toScratch(raw);
      const known = core.wire_decodeWireHeader(at + prefix) === 1;
      const command = outWord(0) >>> 0;
      const bodySize = outWord(1) >>> 0;
      if (!known) throw new ProtocolError(`unknown command ${command}`);
      if (this.d.r34) {
        const len = new DataView(raw.buffer, raw.byteOffset, 4).getUint32(0, true);
        if (len !== SIZES.wireHeader + bodySize) throw new ProtocolError(`r34 length prefix ${len} disagrees with header body size ${bodySize}`);
      }
      if (bodySize > this.limits.maxBody) throw new ProtocolError(`frame body of ${bodySize} bytes exceeds the limit of ${this.limits.maxBody}`);
      if (command === Command.DEC_STRONG) {
        const want = this.d.r34 ? SIZES.r34DecStrong : SIZES.decStrong;
        if (bodySize !== want) throw new ProtocolError(`DEC_STRONG body of ${bodySize} bytes (expected ${want})`);
      }
      q.read(prefix + SIZES.wireHeader);
      this.header = { command, bodySize };
    }
    const { command, bodySize } = this.header;
    if (q.length < bodySize) return null;
    this.header = null;

    if (command === Command.DEC_STRONG) {
      const body = q.read(bodySize)!;
      if (this.d.r34) return { cmd: 2, addr: { options: 0, id: 0, r34: body.slice() }, amount: 1 };
      const v = new DataView(body.buffer, body.byteOffset, body.length);
      return { cmd: 2, addr: { options: v.getUint32(0, true), id: v.getUint32(4, true) }, amount: v.getUint32(8, true) };
    }

    const parcel = new Parcel({ capacity: 0 });
    try {
      const base = core.frame_prepareBody(parcel._h, bodySize);
      if (base === 0) throw new ProtocolError(`cannot take a body of ${bodySize} bytes`);
      const m = mem8();
      q.readInto(bodySize, (piece, off) => m.set(piece, base + off));
      if (fds) parcel._adoptFds(fds());
      const d = this.d;
      if (command === Command.TRANSACT) {
        if (!core.frame_openTransaction(parcel._h, d.version, d.r34 ? 1 : 0)) throw badBody(parcel, "TRANSACT");
        let addr: WireAddr | null;
        if (d.r34) {
          const a = copyOut(outWord(0) >>> 0, 32);
          addr = a.every((x) => x === 0) ? null : { options: 0, id: 0, r34: a };
        } else {
          const options = outWord(0) >>> 0, id = outWord(1) >>> 0;
          addr = options === 0 && id === 0 ? null : { options, id };
        }
        const code = outWord(2) >>> 0, flags = outWord(3) >>> 0;
        const asyncNumber = (outWord(5) >>> 0) * 0x100000000 + (outWord(4) >>> 0);
        parcel._setMode(parcel._mode() | modeBits(d));
        return { cmd: 0, parcel, addr, code, flags, asyncNumber };
      }
      if (!core.frame_openReply(parcel._h, d.version, d.r34 ? 1 : 0)) throw badBody(parcel, "REPLY");
      const status = outWord(0) | 0;
      parcel._setMode(parcel._mode() | modeBits(d));
      return { cmd: 1, parcel, status };
    } catch (e) {
      parcel.dispose();
      throw e;
    }
  }
}

import { parcelMode } from "./dialect.js";
function modeBits(d: Dialect): number { return parcelMode(d); }

function badBody(parcel: Parcel, what: string): ProtocolError {
  const w = new Int32Array(core.memory.buffer);
  const h = parcel._h;
  const errno = w[(h + F.ERR) >> 2]!;
  const need = w[(h + F.ERR_NEED) >> 2]!;
  w[(h + F.ERR) >> 2] = 0;
  const e = ParcelError.fromCore(errno, w[(h + F.ERR_AT) >> 2]!, need);
  return new ProtocolError(`malformed ${what} body: ${e.message}`);
}
