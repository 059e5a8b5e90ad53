// Frames coming in on a connection: cut out of the byte stream. The header is decoded by the
// core, then the body is copied once, piece by piece, from the transport's chunks into a
// parcel in linear memory and opened in place (wire/frames.ts, which also builds the frames
// that go out).
import { core, mem8, memView, outWord, scratch, SIZES } from "../../core/core.js";
import { Parcel, type ParcelOptions } from "../../parcel/parcel.js";
import { portablePlatform, type Platform } from "../../platform/platform.js";
import { Command } from "../../wire/structs.js";
import { prepareIncoming, openPrepared, type Opened } from "../../wire/frames.js";
import { type ByteQueue, copyBytes } from "../byte-queue.js";
import { type Dialect, frameDialect, parcelMode } from "../dialect.js";
import type { WireAddr } from "../address.js";
import { ProtocolError } from "./protocol-error.js";

/** An incoming TRANSACT (address null: a special transaction). */
export interface IncomingTransact { kind: "transact"; parcel: Parcel; addr: WireAddr | null; code: number; flags: number; asyncNumber: number }
/** An incoming REPLY to the call on top of its connection's stack. */
export interface IncomingReply { kind: "reply"; parcel: Parcel; status: number }
/** An incoming DEC_STRONG: the peer returns `amount` references to `addr`. */
export interface IncomingDecStrong { kind: "decStrong"; addr: WireAddr; amount: number }
/** A frame read from the peer, by its command. */
export type Incoming = IncomingTransact | IncomingReply | IncomingDecStrong;

/** Told after each read what the reader holds for frames not complete yet (incoming-watch.ts). */
export interface FrameWatch {
  /** `held`: bytes buffered or reserved for them; `midFrame`: a frame has started. */
  pending(held: number, midFrame: boolean): void;
  close(): void;
}

export interface FrameLimits {
  maxBody: number;
  maxObjects: number;
  watch?: FrameWatch;
  /** The incoming parcels' platform (the session's; default portablePlatform). */
  platform?: Platform;
}

/** Bodies at least this big are streamed into their parcel (smaller ones arrive in one read). */
const STREAM_MIN = 16 * 1024;
/** A streamed body's parcel is reserved for at most max(this, 2x the bytes arrived): bodies up
 *  to this size get their whole buffer once a quarter is here, bigger ones a buffer that grows
 *  (by copying) as the body arrives, so a peer that announces 16 MiB and sends 1 makes this side
 *  reserve 2, not 16. */
const STREAM_RESERVE = 256 * 1024;

/** Pull complete frames out of a ByteQueue. Returns null until a whole frame is buffered. */
export class FrameReader {
  /** The header of the frame being assembled (command -1: none read yet). */
  private command = -1;
  private bodySize = 0;
  /** A big body being copied into its parcel as it arrives: the parcel, the address of its
   *  buffer in linear memory (heap blocks never move) and the bytes already there. */
  private partial: Parcel | null = null;
  private base = 0;
  private filled = 0;
  /** Size of the partial parcel's buffer (bodySize once the whole body fits). */
  private reserved = 0;
  /** How incoming parcels are made (made once: none per frame). A TRANSACT's parcel is
   *  disposed by the session after the call; a REPLY's goes to the caller. */
  private readonly transactParcel: ParcelOptions;
  private readonly replyParcel: ParcelOptions;

  /** The connection is gone: free a body still being assembled. */
  discard(): void {
    this.partial?.dispose();
    this.partial = null;
    this.filled = 0;
    this.reserved = 0;
    this.limits.watch?.close();
  }

  /** Nothing more to take from `q` now: tell the watch what is held (and return null). */
  private wait(q: ByteQueue): null {
    const w = this.limits.watch;
    if (w !== undefined) w.pending(q.length + this.reserved, this.command >= 0 || q.length > 0);
    return null;
  }

  /** A frame is complete: what was held for it is not any more (the connection may stop
   *  taking frames before the next wait(), a full outgoing queue say, and must not keep it
   *  charged meanwhile). The next frame's clock starts when it is first seen incomplete. */
  private done(q: ByteQueue, frame: Incoming): Incoming {
    const w = this.limits.watch;
    if (w !== undefined) w.pending(q.length, false);
    return frame;
  }

  /** A parcel for a streamed body with room for `arrived` bytes now (the whole body when that
   *  is within STREAM_RESERVE or twice what arrived): the bytes already copied move with it. */
  private reserve(arrived: number, bodySize: number, command: number): void {
    const size = Math.min(bodySize, Math.max(STREAM_RESERVE, 2 * arrived));
    const parcel = new Parcel(command === Command.TRANSACT ? this.transactParcel : this.replyParcel);
    let base: number;
    try {
      base = prepareIncoming(parcel, size) >>> 0;
    } catch (e) {
      parcel.dispose();
      throw e;
    }
    const old = this.partial;
    if (old) {
      mem8().copyWithin(base, this.base, this.base + this.filled);
      old.dispose();
    }
    this.partial = parcel;
    this.base = base;
    this.reserved = size;
  }

  constructor(private readonly d: Dialect, private readonly limits: FrameLimits) {
    const platform = limits.platform ?? portablePlatform;
    this.transactParcel = { capacity: 0, owned: true, platform };
    this.replyParcel = { capacity: 0, owned: false, platform };
  }

  next(q: ByteQueue, fds?: () => number[]): Incoming | null {
    if (this.command < 0) {
      const prefix = this.d.r34 ? SIZES.r34Prefix : 0;
      const headSize = prefix + SIZES.wireHeader;
      if (q.length < headSize) return this.wait(q);
      // the header goes straight from the transport's chunks to scratch memory, where the core
      // decodes it (left in the queue until it is known to be valid)
      const at = scratch(headSize);
      q.copyTo(headSize, mem8(), at, true);
      const known = core.wire_decodeWireHeader(at + prefix) === 1;
      const command = outWord(0) >>> 0;
      const bodySize = outWord(1) >>> 0;
      if (!known) throw new ProtocolError(`unknown command ${command}`);
      if (this.d.r34) {
        const len = memView().getUint32(at, true);
        if (len !== SIZES.wireHeader + bodySize) throw new ProtocolError(`r34 length prefix ${len} disagrees with header body size ${bodySize}`);
      }
      if (bodySize > this.limits.maxBody) throw new ProtocolError(`frame body of ${bodySize} bytes exceeds the limit of ${this.limits.maxBody}`);
      if (command === Command.DEC_STRONG) {
        const want = this.d.r34 ? SIZES.r34DecStrong : SIZES.decStrong;
        if (bodySize !== want) throw new ProtocolError(`DEC_STRONG body of ${bodySize} bytes (expected ${want})`);
      }
      q.skip(headSize);
      this.command = command;
      this.bodySize = bodySize;
    }
    const command = this.command, bodySize = this.bodySize;
    if (this.partial) {
      // a big body goes straight into its parcel as it arrives (no copy held in the queue)
      const take = Math.min(q.length, bodySize - this.filled);
      if (this.filled + take > this.reserved) this.reserve(this.filled + take, bodySize, command);
      q.copyTo(take, mem8(), this.base + this.filled);
      this.filled += take;
      if (this.filled < bodySize) return this.wait(q);
    } else if (q.length < bodySize) {
      // Start streaming once a quarter of a big body is here: not a whole body's buffer for a
      // 16-byte header, and never more than what arrived justifies (reserve()).
      if (command !== Command.DEC_STRONG && bodySize >= STREAM_MIN && q.length * 4 >= bodySize) {
        const arrived = q.length;
        this.reserve(arrived, bodySize, command);
        this.filled = arrived;
        q.copyTo(arrived, mem8(), this.base);
      }
      return this.wait(q);
    }
    this.command = -1;

    if (command === Command.DEC_STRONG) {
      const body = q.read(bodySize)!;
      if (this.d.r34) return this.done(q, { kind: "decStrong", addr: { options: 0, id: 0, r34: copyBytes(body) }, amount: 1 });
      const v = new DataView(body.buffer, body.byteOffset, body.length);
      return this.done(q, { kind: "decStrong", addr: { options: v.getUint32(0, true), id: v.getUint32(4, true) }, amount: v.getUint32(8, true) });
    }

    // a TRANSACT's parcel is disposed by the session after the call; a REPLY's goes to the caller
    const streamed = this.partial;
    const parcel = streamed ?? new Parcel(command === Command.TRANSACT ? this.transactParcel : this.replyParcel);
    this.partial = null;
    this.filled = 0;
    this.reserved = 0;
    try {
      if (!streamed) {
        const base = prepareIncoming(parcel, bodySize); // may grow memory: take the view after
        q.copyTo(bodySize, mem8(), base);
      }
      if (fds) parcel._adoptFds(fds());
      let opened: Opened;
      try {
        opened = openPrepared(parcel, frameDialect(this.d), command);
      } catch (e) {
        throw new ProtocolError(`malformed ${command === Command.TRANSACT ? "TRANSACT" : "REPLY"} body: ${(e as Error).message}`);
      }
      const objects = core.parcel_objectCount(parcel._h);
      if (objects > this.limits.maxObjects) throw new ProtocolError(`${objects} objects in one parcel (limit ${this.limits.maxObjects})`);
      parcel._setMode(parcel._mode() | parcelMode(this.d));
      if (opened.command === Command.REPLY) return this.done(q, { kind: "reply", parcel, status: opened.status });
      const a = opened.address;
      const addr: WireAddr | null = a instanceof Uint8Array
        ? (a.every((x) => x === 0) ? null : { options: 0, id: 0, r34: a })
        : (a.options === 0 && a.id === 0 ? null : a);
      return this.done(q, { kind: "transact", parcel, addr, code: opened.code, flags: opened.flags, asyncNumber: opened.asyncNumber });
    } catch (e) {
      parcel.dispose();
      throw e;
    }
  }
}
