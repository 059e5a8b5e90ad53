// What a connection's frame reader reports after each read: how many bytes it holds for
// frames not complete yet (charged to the memory budgets, budget.ts) and whether a frame has
// started. A frame that has started must be complete within the frame timeout, or the session
// ends: a peer that sends a header and then nothing more cannot hold a connection (and its
// share of the budgets) forever. One timer per connection at most, armed when a frame is
// first seen incomplete and left running across frames; a frame that arrives whole in one
// read costs no timer and no clock read.
import type { FrameWatch } from "./frame-reader.js";
import type { ByteMeter } from "../budget.js";
import { ProtocolError } from "./protocol-error.js";
import { startTimer, stopTimer, type Timer } from "../timeouts.js";
import type { Timers } from "../../platform/platform.js";

export interface WatchedConnection {
  readonly closed: boolean;
  readonly readsHeld: boolean;
}

export class IncomingWatch implements FrameWatch {
  /** When the frame in progress was first seen incomplete (0: none in progress). */
  private since = 0;
  private timer: Timer | null = null;
  private readonly fire = () => this.check();

  constructor(
    private readonly conn: WatchedConnection,
    private readonly meter: ByteMeter | null,
    private readonly timeoutMs: number,
    private readonly onTimeout: (e: ProtocolError) => void,
    private readonly timers?: Timers,
  ) {}

  pending(held: number, midFrame: boolean): void {
    if (this.meter !== null) this.meter.set(held);
    if (!midFrame) { this.since = 0; return; }
    if (this.since === 0 && this.timeoutMs > 0) {
      this.since = Date.now();
      this.timer ??= startTimer(this.timeoutMs, this.fire, this.timers);
    }
  }

  close(): void {
    if (this.timer !== null) { stopTimer(this.timer, this.timers); this.timer = null; }
    this.since = 0;
    this.meter?.close();
  }

  private check(): void {
    this.timer = null;
    if (this.conn.closed || this.since === 0) return;
    if (this.conn.readsHeld && !this.meter?.blocked) {
      // this side stopped reading (a oneway waiting its turn, a full outgoing queue): the
      // peer is not late; its clock starts again when reading does
      this.since = Date.now();
      this.timer = startTimer(this.timeoutMs, this.fire, this.timers);
      return;
    }
    const left = this.since + this.timeoutMs - Date.now();
    if (left > 0) { this.timer = startTimer(left, this.fire, this.timers); return; }
    this.onTimeout(new ProtocolError(`a frame was started and not finished within ${this.timeoutMs} ms (frameTimeoutMs)`));
  }
}
