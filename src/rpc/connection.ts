// One socket of a session. A connection carries a strict stack of exchanges, as a libbinder
// thread does: we send a TRANSACT and wait (a "call" frame); the peer may call back into us
// on the same socket while it serves our call (a "serve" frame on top), and so on. A REPLY
// always answers the call frame on top; a reply of ours is sent only when its serve frame is
// on top. Two-way transactions the peer starts while we still owe a reply are served in
// arrival order afterwards, as libbinder's one-thread-per-connection server would.
import { ByteQueue } from "./byte-queue.js";
import { FrameReader, type Incoming } from "./framing.js";
import type { TransportConnection } from "./transport.js";
import type { Parcel } from "../parcel/parcel.js";

export interface CallFrame {
  kind: "call";
  resolve(reply: Parcel): void;
  reject(e: Error): void;
}
export interface ServeFrame {
  kind: "serve";
  reply: Uint8Array | null;
  replyFds: readonly number[] | undefined;
}
export type Frame = CallFrame | ServeFrame;

export interface ConnectionOwner {
  onCommand(conn: Connection, cmd: Incoming): void;
  onProtocolError(conn: Connection, e: unknown): void;
  onConnectionEnd(conn: Connection, error?: Error): void;
  /** The connection's top frame changed; queued users may take it. */
  onAvailable(conn: Connection): void;
}

export class Connection {
  readonly stack: Frame[] = [];
  /** Two-way TRANSACTs that arrived while we owed a reply on this connection. */
  readonly deferred: Incoming[] = [];
  /** Nested users waiting for a particular serve frame to be on top again. */
  readonly nestedWaiters: { frame: ServeFrame; take: (c: Connection) => void }[] = [];
  /** Oneway queues started by commands from this connection. A two-way transaction that
   *  arrives later waits for them, as libbinder's connection thread runs a oneway to
   *  completion (with any queued behind it) before it reads the next command. */
  readonly onewayDrains = new Set<Promise<void>>();
  private reader: FrameReader | null = null;
  private pendingFds: number[] = [];
  closed = false;

  constructor(
    readonly transport: TransportConnection,
    readonly queue: ByteQueue,
    /** We may start top-level calls on it (libbinder: an "outgoing" connection). */
    readonly outgoing: boolean,
    private readonly owner: ConnectionOwner,
  ) {}

  /** Switch from handshake reads to frame processing. */
  beginFrames(reader: FrameReader): void {
    this.reader = reader;
    this.pump();
  }

  /** Called by the transport sink for every chunk. */
  onData(chunk: Uint8Array, fds?: number[]): void {
    if (fds && fds.length) this.pendingFds.push(...fds);
    this.queue.push(chunk);
    if (this.reader) this.pump();
  }

  private pump(): void {
    const reader = this.reader!;
    try {
      for (;;) {
        if (this.closed) return;
        const cmd = reader.next(this.queue, this.pendingFds.length ? () => this.takeFds() : undefined);
        if (!cmd) return;
        this.owner.onCommand(this, cmd);
      }
    } catch (e) {
      this.owner.onProtocolError(this, e);
    }
  }

  private takeFds(): number[] {
    const fds = this.pendingFds;
    this.pendingFds = [];
    return fds;
  }

  top(): Frame | undefined { return this.stack[this.stack.length - 1]; }

  /** Send a TRANSACT and push its call frame (the caller checked the connection is usable). */
  call(bytes: Uint8Array, fds: readonly number[] | undefined, resolve: (p: Parcel) => void, reject: (e: Error) => void): void {
    this.stack.push({ kind: "call", resolve, reject });
    this.transport.write(bytes, fds);
  }

  write(bytes: Uint8Array, fds?: readonly number[]): void {
    if (!this.closed) this.transport.write(bytes, fds);
  }

  /** A REPLY arrived: pop the call frame it answers. */
  popCall(): CallFrame | null {
    const top = this.top();
    if (!top || top.kind !== "call") return null;
    this.stack.pop();
    this.flushReplies();
    this.owner.onAvailable(this);
    return top;
  }

  /** Our reply for `frame` is ready: send it now if the frame is on top, else when it is. */
  finishServe(frame: ServeFrame, reply: Uint8Array, fds?: readonly number[]): void {
    frame.reply = reply;
    frame.replyFds = fds;
    this.flushReplies();
    this.owner.onAvailable(this);
  }

  private flushReplies(): void {
    for (;;) {
      const top = this.top();
      if (!top || top.kind !== "serve" || top.reply === null) return;
      this.stack.pop();
      this.write(top.reply, top.replyFds);
    }
  }

  /** Is the peer blocked waiting for a reply from us on this connection (so it will read a
   *  nested TRANSACT we send)? */
  peerWaiting(): boolean {
    const top = this.top();
    return top !== undefined && top.kind === "serve" && top.reply === null;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.transport.close();
  }
}
