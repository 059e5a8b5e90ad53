// The bytes of the peer's calls a session holds waiting (two-way calls deferred behind a reply
// of ours, oneways parked until their turn), bounded by SessionLimits.maxQueuedBytes: a peer
// that piles up more ends its session.
import { ProtocolError } from "./protocol-error.js";

export class HeldCalls {
  /** Bytes held now, and the most at once. */
  queuedBytes = 0;
  peakQueuedBytes = 0;

  constructor(private readonly max: number) {}

  /** A call of `bytes` is held; past the limit the peer broke the protocol. */
  hold(bytes: number): void {
    this.queuedBytes += bytes;
    if (this.queuedBytes > this.peakQueuedBytes) this.peakQueuedBytes = this.queuedBytes;
    if (this.queuedBytes > this.max) throw new ProtocolError(`peer queued ${this.queuedBytes} bytes of calls (limit ${this.max})`);
  }

  /** A held call of `bytes` is taken to be served. */
  release(bytes: number): void { this.queuedBytes -= bytes; }
}
