// A Unix socket that carries file descriptors, owned through libc and watched by the reactor
// thread (reactor.ts, which reads: recvmsg with the fds, and reports to the ReactorClient
// methods). The adapter supplies the reactor, the native sendmsg buffer, and how to close a
// descriptor.
// Writes are sendmsg from the main thread through FdSendQueue; when the socket buffer is full
// the reactor is asked for POLLOUT. The same for every runtime: fd-socket.ts makes these.
import type { ConnectionSink, PeerIdentity, TransportConnection } from "../src/rpc/transport.js";
import { closeRawFds, type FdCloser } from "../src/parcel/file-descriptor.js";
import { DrainWaiters } from "../src/transports/backpressure.js";
import { FdSendQueue, type SendmsgBuffer } from "./fd-send-queue.js";

/** What a reactor reports to one socket's owner (on the main thread). */
export interface ReactorClient {
  onData(bytes: Uint8Array, fds: number[] | undefined): void;
  onEnd(error?: Error): void;
  onWritable(): void;
  /** The reactor closed the descriptor (after remove()). */
  onClosed(): void;
}

/** The part of an adapter's reactor a connection uses. */
export interface FdReactorLike {
  /** Watch `fd` for reading (and errors); returns its id. */
  add(fd: number, client: ReactorClient): number;
  /** Report onWritable once the socket takes data again. */
  wantWritable(id: number): void;
  /** Stop (or resume) polling for input: the peer's bytes wait in the kernel meanwhile. */
  pauseReading(id: number): void;
  resumeReading(id: number): void;
  /** Stop watching; the reactor closes the descriptor, then calls onClosed. False when the
   *  reactor is gone (the caller closes the descriptor itself). */
  remove(id: number): boolean;
}

export interface FdConnectionIo {
  reactor(): FdReactorLike;
  sendBuffer(): SendmsgBuffer;
  closeFd(fd: number): void;
  /** The error for a failed sendmsg. */
  sendError(errno: number): Error;
}

/** A peer that never reads must not keep a closing connection half-open forever. */
const CLOSE_GRACE_MS = 1000;

export class ReactorFdConnection implements TransportConnection, ReactorClient {
  readonly canPassFds = true;
  private sink: ConnectionSink | null = null;
  private id = 0;
  /** The reactor this socket is registered with (a dead one is not replaced under us). */
  private reactor: FdReactorLike | null = null;
  private readonly queue: FdSendQueue;
  /** Closes descriptors that will not be delivered or sent (through the runtime's libc). */
  private readonly closer: FdCloser;
  private scheduled = false;
  private waitingWritable = false;
  private closing = false;
  private finalized = false;
  private ended = false;

  /** `fd`: a connected, non-blocking Unix stream socket, owned by this object from now on. */
  constructor(private readonly fd: number, readonly peer: PeerIdentity, readonly description: string,
      private readonly io: FdConnectionIo) {
    this.closer = { close: (n) => io.closeFd(n) };
    this.queue = new FdSendQueue(fd, () => io.sendBuffer(), this.closer);
  }

  start(sink: ConnectionSink): void {
    if (this.sink) throw new Error("start() called twice");
    this.sink = sink;
    if (this.finalized) return;
    try {
      this.reactor = this.io.reactor();
      this.id = this.reactor.add(this.fd, this);
    } catch (e) {
      this.finalized = true;
      this.io.closeFd(this.fd);
      queueMicrotask(() => this.finish(e as Error));
    }
  }

  write(bytes: Uint8Array, fds?: readonly number[]): void {
    if (this.closing || this.finalized) { closeRawFds(this.closer, fds); return; }
    this.queue.push(bytes, fds);
    if (!this.scheduled && !this.waitingWritable) {
      // frames written in the same turn leave together
      this.scheduled = true;
      queueMicrotask(this.flushTask);
    }
  }

  /** Bytes accepted by write() and not yet taken by the socket. */
  get bufferedAmount(): number { return this.queue.bufferedBytes; }

  private readonly drain = new DrainWaiters(() => this.queue.length === 0 || this.finalized);

  onDrain(cb: () => void): void { this.drain.add(cb); }

  /** Reading pauses in the reactor (it stops polling POLLIN for this socket). What it read
   *  before the command reached it still arrives, and waits here for resumeReading(). */
  private paused: { bytes: Uint8Array; fds: number[] | undefined }[] | null = null;

  pauseReading(): void {
    if (this.paused || this.finalized) return;
    this.paused = [];
    if (this.reactor) this.reactor.pauseReading(this.id);
  }

  resumeReading(): void {
    const held = this.paused;
    if (!held) return;
    this.paused = null;
    if (this.reactor && !this.finalized) this.reactor.resumeReading(this.id);
    // onData holds the rest again if the sink pauses reading once more
    for (const h of held) this.onData(h.bytes, h.fds);
  }

  private readonly flushTask = () => {
    this.scheduled = false;
    this.flush();
  };

  private flush(): void {
    if (this.finalized) return;
    const r = this.queue.flush();
    if (r === "blocked") {
      this.waitingWritable = true;
      this.reactor!.wantWritable(this.id);
      return;
    }
    if (r !== "done") { this.fail(this.io.sendError(r.errno)); return; }
    this.drain.check();
    if (this.closing) this.finalize();
  }

  onWritable(): void {
    this.waitingWritable = false;
    this.flush();
  }

  onData(bytes: Uint8Array, fds: number[] | undefined): void {
    if (this.finalized || !this.sink) { closeRawFds(this.closer, fds); return; }
    if (this.paused) { this.paused.push({ bytes, fds }); return; }
    this.sink.data(bytes, fds);
  }

  onEnd(error?: Error): void { this.finish(error); }

  onClosed(): void { this.finish(); }

  private finish(error?: Error): void {
    if (this.ended) return;
    this.ended = true;
    this.sink?.end(error);
  }

  private fail(e: Error): void {
    this.finish(e);
    this.finalize();
  }

  close(): void {
    if (this.closing || this.finalized) return;
    this.closing = true;
    if (this.queue.length === 0) { this.finalize(); return; }
    const t = setTimeout(() => this.finalize(), CLOSE_GRACE_MS);
    (t as { unref?: () => void }).unref?.();
  }

  /** Drop what was not sent and hand the descriptor back to the reactor to close. */
  private finalize(): void {
    if (this.finalized) return;
    this.finalized = true;
    this.queue.drop();
    if (this.paused) { for (const h of this.paused) closeRawFds(this.closer, h.fds); this.paused = null; }
    queueMicrotask(this.drain.check);
    if (this.reactor?.remove(this.id)) return;
    this.io.closeFd(this.fd);
    queueMicrotask(() => this.finish());
  }
}
