// How large a frame this side may send the peer (frame-size.ts): the session's configured
// maxSentFrameBody until a tsbinder peer has said it accepts more. A client asks once
// (SPECIAL_MAX_FRAME_BODY); a server learns it when the client asks.
import type { Parcel } from "../../parcel/parcel.js";
import { BinderError } from "../../binder/errors.js";
import { StatusCode } from "../../binder/status.js";
import { SIZES } from "../../core/core.js";
import { SPECIAL_MAX_FRAME_BODY } from "../frame-size.js";
import type { Dialect } from "../dialect.js";
import type { SessionLimits } from "./limits.js";

/** Sends a special transaction (address zero) and resolves with its reply. */
export type SpecialCall = (code: number, writeArgs?: (data: Parcel) => void) => Promise<Parcel>;

export class SendLimit {
  /** Largest frame body the peer said it accepts; a promise while asking. */
  private peerMaxBody: number | Promise<number> | null = null;
  /** Bytes in front of a frame's body (RpcWireHeader, and the r34 length prefix). */
  readonly headerSize: number;

  constructor(dialect: Dialect, private readonly limits: SessionLimits) {
    this.headerSize = SIZES.wireHeader + (dialect.r34 ? SIZES.r34Prefix : 0);
  }

  /** Largest frame body we may send the peer now. */
  get limit(): number {
    return typeof this.peerMaxBody === "number" ? this.peerMaxBody : this.limits.maxSentFrameBody;
  }

  /** Has the peer said what it accepts (so asking again would change nothing)? */
  get known(): boolean { return typeof this.peerMaxBody === "number"; }

  tooLarge(what: "request" | "reply", body: number): BinderError {
    return new BinderError(StatusCode.FAILED_TRANSACTION,
      `${what} of ${body} bytes is larger than the ${this.limit} bytes the peer accepts (libbinder: 100,000 up to Android 15, 600 KiB from 16; SessionLimits.maxSentFrameBody)`);
  }

  /** A client on the versioned wire asks the peer, once, how large a frame it accepts (a
   *  tsbinder extension: libbinder and rsbinder answer UNKNOWN_TRANSACTION). */
  ask(special: SpecialCall): Promise<number> {
    if (typeof this.peerMaxBody === "number") return Promise.resolve(this.peerMaxBody);
    if (this.peerMaxBody) return this.peerMaxBody;
    const fallback = this.limits.maxSentFrameBody;
    const asked = special(SPECIAL_MAX_FRAME_BODY, (d) => d.writeInt32(this.ownMax())).then((reply) => {
      let agreed = fallback;
      try { agreed = reply.readInt32(); } catch { /* a short answer agrees to nothing */ } finally { reply.dispose(); }
      return agreed > 0 ? agreed : fallback;
    }, () => fallback).then((limit) => (this.peerMaxBody = limit));
    this.peerMaxBody = asked;
    return asked;
  }

  /** The server side of the ask: the client accepts `theirs` (if positive); returns what we
   *  accept. */
  answer(theirs: number): number {
    if (theirs > 0) this.peerMaxBody = theirs;
    return this.ownMax();
  }

  /** Largest frame body this side accepts, as the extension's int32 carries it. */
  private ownMax(): number { return Math.min(this.limits.maxFrameBody, 0x7fffffff); }

}
