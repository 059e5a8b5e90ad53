// A Deno.Conn (Unix, TCP or TLS) as a TransportConnection. Deno's sockets are pull-based
// (`conn.read(buf)`), so the read loop lives here and pushes every chunk into the session's
// sink; writes are async and may be partial: one is in flight at a time, and what is written
// meanwhile queues up, in order, and leaves in one write when it completes.
import type { ConnectionSink, PeerIdentity, TransportConnection } from "../../src/rpc/transport.js";
import { DrainWaiters, ReadGate } from "../../src/transports/backpressure.js";

/** Bytes asked for per read at first. Deno fills what is available, up to the buffer's size. */
const READ_SIZE = 64 * 1024;
/** A read that fills its buffer doubles it, up to this: a big frame then arrives in one read
 *  (a 64 KiB byte[] makes a frame a little over 64 KiB), not in two. */
const READ_SIZE_MAX = 256 * 1024;
/** Frames up to this size are sent from the connection's staging buffer (writeNow). */
const STAGING_MAX = 256 * 1024;
/** A peer that never reads must not keep a gracefully closing connection half-open forever. */
const CLOSE_GRACE_MS = 1000;

export class DenoConnection implements TransportConnection {
  /** Deno exposes no OS descriptor for a Conn, so SCM_RIGHTS is out of reach. */
  readonly canPassFds = false;
  private sink: ConnectionSink | null = null;
  private readonly pending: Uint8Array[] = [];
  private pendingBytes = 0;
  private writing = false;
  private closing = false;
  private closed = false;
  private ended = false;
  /** Where writeNow copies a frame for the write in flight. One write is in flight at a time
   *  and this buffer is used only when none is, so it is free again once `writing` is false. */
  private staging: Uint8Array | null = null;

  constructor(
    protected readonly conn: Deno.Conn,
    readonly peer: PeerIdentity,
    readonly description: string,
  ) {}

  start(sink: ConnectionSink): void {
    if (this.sink) throw new Error("DenoConnection.start called twice");
    this.sink = sink;
    void this.readLoop(sink);
  }

  private async readLoop(sink: ConnectionSink): Promise<void> {
    // Every read is lent: the session copies each frame's body into its parcel as it arrives
    // (and keeps a copy of only the part of a frame it cannot place yet), and the next read
    // reuses the buffer (it starts after sink.data returns). Handing big reads over instead
    // cost a new buffer per read, and a new 64 KiB Uint8Array costs Deno 5-6 us (its
    // zero-fill) against 1.4 us for copying 64 KiB (bench/README.md, stop 15).
    let buf = new Uint8Array(READ_SIZE);
    let error: Error | undefined;
    try {
      for (;;) {
        // paused (pauseReading): no read is asked for, so the peer's bytes wait in the kernel
        if (this.gate.closed) await this.gate.closed;
        const n = await this.conn.read(buf);
        if (n === null) break;
        // a read in flight when reading paused is handed over once it resumes
        if (this.gate.closed) await this.gate.closed;
        if (n > 0) sink.data(buf.subarray(0, n), undefined, true);
        if (n === buf.length && buf.length < READ_SIZE_MAX) buf = new Uint8Array(buf.length * 2);
      }
    } catch (e) {
      // our own close() interrupts the pending read: that is an ordinary end
      if (!this.closed) error = e instanceof Error ? e : new Error(String(e));
    }
    this.finish(error);
  }

  private readonly gate = new ReadGate();

  pauseReading(): void { this.gate.pause(); }

  resumeReading(): void { this.gate.resume(); }

  /** Bytes written and not yet taken by the socket: the write in flight and those queued. */
  get bufferedAmount(): number { return this.inFlight + this.pendingBytes; }

  private inFlight = 0;
  private readonly drain = new DrainWaiters(() => !this.writing || this.closed);

  onDrain(cb: () => void): void { this.drain.add(cb); }

  private finish(error?: Error): void {
    if (this.ended) return;
    this.ended = true;
    this.resumeReading();
    this.release();
    this.sink?.end(error && this.failed(error));
  }

  /** The connection broke with `error`; returns the error the sink gets (TLS rewords it). */
  protected failed(error: Error): Error {
    return error;
  }

  write(bytes: Uint8Array, fds?: readonly number[]): void {
    if (fds && fds.length) throw new Error("this transport cannot carry file descriptors");
    if (this.closed || this.closing || bytes.length === 0) return;
    if (!this.writing) {
      // nothing in flight: the frame goes to the socket now (a call, or the reply to one, is
      // usually a turn's only frame). Frames written while it is in flight queue up and leave
      // together, in one write, when it completes.
      this.writing = true;
      this.send(bytes);
      return;
    }
    this.pending.push(bytes);
    this.pendingBytes += bytes.length;
  }

  /** The first frame of a turn (`bytes`: a view of the core's memory, valid during this call),
   *  copied into the staging buffer and sent. Deno's writes are async, so the frame must be
   *  copied either way; this copy needs no new buffer, where write() gets a frame the session
   *  copied into a new one (a new 64 KiB buffer costs Deno 5-6 us: its zero-fill). False when
   *  a write is in flight (the session then copies the frame and calls write()). */
  writeNow(bytes: Uint8Array): boolean {
    if (this.writing || this.closed || this.closing || bytes.length === 0 || bytes.length > STAGING_MAX) return false;
    let staging = this.staging;
    if (!staging || staging.length < bytes.length) {
      let size = 4096;
      while (size < bytes.length) size *= 2;
      staging = this.staging = new Uint8Array(size);
    }
    staging.set(bytes);
    this.writing = true;
    this.send(staging.subarray(0, bytes.length));
    return true;
  }

  /** A write completed, `n` bytes of `bytes` taken: write the rest, then what queued up. */
  private written(bytes: Uint8Array, n: number): void {
    if (this.closed) return;
    let next: Uint8Array | null = null;
    if (n < bytes.length) {
      // the rest of a partial write goes first, with whatever queued behind it
      next = bytes.subarray(n);
      if (this.pending.length) { this.pending.unshift(next); this.pendingBytes += next.length; next = null; }
    }
    if (!next && this.pending.length) {
      if (this.pending.length === 1) {
        next = this.pending[0]!;
      } else {
        next = new Uint8Array(this.pendingBytes);
        let off = 0;
        for (const p of this.pending) { next.set(p, off); off += p.length; }
      }
      this.pending.length = 0;
      this.pendingBytes = 0;
    }
    if (next) { this.send(next); return; }
    this.writing = false;
    this.inFlight = 0;
    this.drain.check();
    if (this.closing) this.shutdown();
  }

  private send(bytes: Uint8Array): void {
    this.inFlight = bytes.length;
    try {
      this.conn.write(bytes).then((n) => this.written(bytes, n), (e) => this.writeFailed(e));
    } catch (e) {
      this.writeFailed(e); // a closed resource can throw before any promise exists
    }
  }

  /** The peer is gone; the read side reports the end (with this error if it has none). */
  private writeFailed(e: unknown): void {
    this.writing = false;
    this.pending.length = 0;
    this.pendingBytes = 0;
    this.inFlight = 0;
    this.release();
    this.drain.check();
    if (!this.ended) this.finish(e instanceof Error ? e : new Error(String(e)));
  }

  close(): void {
    if (this.closing || this.closed) return;
    this.closing = true;
    if (!this.writing) this.shutdown();
  }

  /** Queued writes are out: send FIN, and drop the socket if the peer does not end soon. */
  private shutdown(): void {
    if (this.closed) return;
    if (!this.sink) { this.release(); return; } // never started: nobody reads the rest
    this.conn.closeWrite().catch(() => this.release());
    const timer = setTimeout(() => this.release(), CLOSE_GRACE_MS);
    Deno.unrefTimer(timer);
  }

  /** Close the resource (idempotent); a pending read then ends the loop. */
  private release(): void {
    if (this.closed) return;
    this.closed = true;
    queueMicrotask(this.drain.check);
    try { this.conn.close(); } catch { /* already closed */ }
    // a paused read loop goes on, to meet the closed resource and end
    this.resumeReading();
  }
}
