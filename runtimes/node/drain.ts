// TransportConnection.onDrain for a node:net / node:tls socket (Node's, and Deno's node:net):
// callbacks waiting for the bytes queued on the socket's stream, and the adapter's own queue
// in front of it, to be written. Node emits 'drain' only after a write() that returned false
// (the stream past its 16 KiB high-water mark); below that, an empty write's callback runs once
// everything queued before it is written, as writes complete in order.
import type { Socket } from "node:net";

const EMPTY = new Uint8Array(0);

export class SocketDrain {
  private waiters: (() => void)[] = [];
  private armed = false;

  /** `queued`: bytes the adapter holds in front of the stream (0 if none); the adapter calls
   *  check() after handing them to the stream. */
  constructor(private readonly socket: Socket, private readonly queued: () => number = () => 0) {
    socket.once("close", this.check);
  }

  /** Unsent bytes: the adapter's and the stream's (the kernel's buffer is not counted). */
  get bufferedAmount(): number { return this.socket.writableLength + this.queued(); }

  add(cb: () => void): void {
    this.waiters.push(cb);
    if (!this.armed) this.check();
  }

  /** Run the waiters if everything is written (or the socket is gone), else wait again. */
  readonly check = (): void => {
    this.armed = false;
    if (this.waiters.length === 0) return;
    const s = this.socket;
    if (s.destroyed || !s.writable || this.bufferedAmount === 0) {
      const w = this.waiters;
      this.waiters = [];
      // "on a later tick", never inside the write that made the caller ask
      queueMicrotask(() => { for (const cb of w) cb(); });
      return;
    }
    // the adapter's own queue goes to the stream first; it calls check() then
    if (this.queued() > 0) return;
    this.armed = true;
    if (s.writableNeedDrain) s.once("drain", this.check);
    else s.write(EMPTY, this.check);
  };
}
