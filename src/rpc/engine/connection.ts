// One socket of a session. A connection carries a strict stack of exchanges, as a libbinder
// thread does: we send a TRANSACT and wait (a "call" frame); the peer may call back into us
// on the same socket while it serves our call (a "serve" frame on top), and so on. A REPLY
// always answers the call frame on top; a reply of ours is sent only when its serve frame is
// on top. Two-way transactions the peer starts while we still owe a reply are served in
// arrival order afterwards, as libbinder's one-thread-per-connection server would.
// With the pipelining extension (pipelining.ts) further top-level calls may be sent behind the
// one at the bottom of the stack; they wait in `pipelined` and become the stack's call, in
// order, as the replies before them arrive.
import type { ByteQueue } from "../byte-queue.js";
import type { FrameReader, Incoming, IncomingTransact } from "./frame-reader.js";
import { ProtocolError } from "./protocol-error.js";
import type { TransportConnection } from "../transport.js";
import type { Parcel } from "../../parcel/parcel.js";
import { MAX_FDS_PER_MESSAGE, closeRawFds } from "../../parcel/file-descriptor.js";
import { ownBytes } from "../../core/core.js";
import type { Platform } from "../../platform/platform.js";

/** RpcWireHeader: the bytes libbinder reads with a control buffer (fds) at a message's start.
 *  (Fds ride on versioned-wire sessions only, which have no length prefix.) */
const WIRE_HEADER_SIZE = 16;

/** How a frame is handed to the transport (bits, so no option object is made per call). */
export const Send = {
  /** More frames follow at once: the transport may hold this one to write them together. */
  more: 1,
  /** The frame is a view of linear memory, valid only now: sent at once or copied. */
  borrowed: 2,
  /** A top-level call that may be pipelined behind another (call-router.ts). */
  topLevel: 4,
} as const;

/** Default for limits.maxOutgoingQueueBytes (docs/limits.md). */
export const DEFAULT_OUTGOING_HIGH_WATER = 1024 * 1024;

export interface CallFrame {
  kind: "call";
  /** Settles the caller's promise: with the reply parcel, or with what `read` made of it. */
  resolve(value: unknown): void;
  reject(e: Error): void;
  /** Reads the reply the moment it arrives (IBinder.transactRead); the session disposes it. */
  read: ((reply: Parcel) => unknown) | undefined;
  /** What the session needs to learn, from this call's reply, whether the peer returns call
   *  targets' references (target-acks.ts); null once it knows. */
  ack: object | null;
}
export interface ServeFrame {
  kind: "serve";
  reply: Uint8Array | null;
  replyFds: readonly number[] | undefined;
}
export type Frame = CallFrame | ServeFrame;

/** Fds received with a chunk that began at stream offset `from` and whose last byte is at `at`. */
export interface FdBatch { from: number; at: number; fds: number[] }

export interface ConnectionOwner {
  /** @internal */
  onCommand(conn: Connection, cmd: Incoming): void;
  onProtocolError(conn: Connection, e: unknown): void;
  onConnectionEnd(conn: Connection, error?: Error): void;
  /** The connection's top frame changed; queued users may take it. */
  onAvailable(conn: Connection): void;
  /** What copies and fds go through (the session's). */
  readonly platform: Platform;
}

/** Sends on a connection once one is free; `drop` runs instead if the session ends first. */
export type Waiter = ((conn: Connection) => void) & { drop?: (e: Error) => void; topLevel?: boolean };

export class Connection {
  private readonly stack: Frame[] = [];
  /** Top-level calls sent behind the call at the bottom of the stack, in the order sent
   *  (the peer replies in that order). */
  private readonly pipelined: CallFrame[] = [];
  /** Two-way TRANSACTs that arrived while we owed a reply on this connection. */
  private readonly deferred: IncomingTransact[] = [];
  /** Nested users waiting for a particular serve frame to be on top again. */
  private readonly nestedWaiters: { frame: ServeFrame; take: Waiter }[] = [];
  /** Oneway queues started by commands from this connection. A two-way transaction that
   *  arrives later waits for them, as libbinder's connection thread runs a oneway to
   *  completion (with any queued behind it) before it reads the next command. */
  private readonly onewayDrains = new Set<Promise<void>>();
  private reader: FrameReader | null = null;
  /** Received fds not yet given to a parcel, each batch with the stream offset (in `queue`'s
   *  count of pushed bytes) of the last byte of the chunk it came with (see onData). */
  private pendingFds: FdBatch[] = [];
  private pendingFdCount = 0;
  /** Stream offset of the frame being read (its header may have been consumed already). */
  private frameStart = 0;
  private readonly takeFdsFn = () => this.takeFds();
  closed = false;

  /** We may start top-level calls on it (libbinder: an "outgoing" connection). */
  readonly outgoing: boolean;
  /** Bytes the transport may hold unsent before this connection counts as full
   *  (limits.maxOutgoingQueueBytes). */
  private readonly highWater: number;

  constructor(
    readonly transport: TransportConnection,
    readonly queue: ByteQueue,
    private readonly owner: ConnectionOwner,
    options: { outgoing: boolean; highWater?: number },
  ) {
    this.outgoing = options.outgoing;
    this.highWater = options.highWater ?? DEFAULT_OUTGOING_HIGH_WATER;
  }

  /** Fds that arrived during the handshake, before this connection existed (a client may
   *  send its first call, fds and all, right behind the connection header). */
  adoptEarlyFds(batches: FdBatch[]): void {
    for (const b of batches) {
      this.pendingFds.push(b);
      this.pendingFdCount += b.fds.length;
    }
  }

  /** Switch from handshake reads to frame processing. */
  beginFrames(reader: FrameReader): void {
    this.reader = reader;
    this.frameStart = this.consumed();
    this.pump();
  }

  /** Called by the transport sink for every chunk (fds: SCM_RIGHTS received with it, now
   *  owned by this connection).
   *
   *  Which message do fds belong to? libbinder reads a message's 16-byte header with
   *  recvmsg(2) and a control buffer, then its body without one (RpcState getAndExecuteCommand
   *  / waitForReply, RpcTransportRaw interruptableReadFully): fds go to the message whose
   *  header read receives them, and fds that arrive during a body read are dropped. The kernel
   *  hands a sendmsg's fds to the first recvmsg that reads any of its bytes, and ends that
   *  recvmsg after them (unix_stream_read_generic). So a sender must start a message with the
   *  sendmsg that carries its fds (native/fd-send-queue.ts); then the chunk they arrive with ends
   *  inside that message, though it may begin with the tail of the one before. Hence: the fds
   *  belong to the message holding the chunk's LAST byte, provided the chunk reaches into that
   *  message's header; a chunk that starts past the header brought them with body bytes, and
   *  libbinder would have dropped them: so do we (takeFds). */
  onData(chunk: Uint8Array, fds?: number[], lent = false): void {
    if (fds && fds.length) {
      if (this.closed || chunk.length === 0) {
        closeRawFds(this.owner.platform.fds, fds);
      } else {
        this.pendingFds.push({ from: this.queue.pushed, at: this.queue.pushed + chunk.length - 1, fds });
        this.pendingFdCount += fds.length;
      }
    }
    this.queue.push(chunk);
    if (this.reader) this.pump();
    // a lent chunk is reused by the transport: keep a copy of what a partial frame still needs
    if (lent) this.queue.release(chunk);
    this.checkPendingFds();
  }

  /** Once every complete frame has been taken, the fds still pending belong to the one frame
   *  not yet complete. Not while reads are held: whole frames wait in the queue then, each with
   *  its own fds (bounded by what the transport delivered before it paused); checked again
   *  once they have been taken (releaseReads). */
  private checkPendingFds(): void {
    if (this.pendingFdCount > MAX_FDS_PER_MESSAGE && !this.closed && this.readHolds === 0) {
      this.dropFds(Infinity);
      this.owner.onProtocolError(this, new ProtocolError(`peer sent more than ${MAX_FDS_PER_MESSAGE} file descriptors with one message`));
    }
  }

  private pumping = false;

  /** Process the frames queued, until the queue runs out or reads are held (frames already
   *  received wait in the queue then, bounded by what the transport delivered before it
   *  paused). */
  private pump(): void {
    if (this.pumping) return; // releaseReads() from inside a command: the loop below goes on
    const reader = this.reader!;
    this.pumping = true;
    try {
      for (;;) {
        if (this.closed) { this.dropFds(Infinity); return; }
        if (this.readHolds > 0) return;
        const cmd = reader.next(this.queue, this.pendingFds.length ? this.takeFdsFn : undefined);
        if (!cmd) return;
        this.frameStart = this.consumed();
        // fds that came with a frame that carries no parcel (DEC_STRONG) are closed
        if (this.pendingFds.length) this.dropFds(this.consumed());
        this.owner.onCommand(this, cmd);
      }
    } catch (e) {
      this.owner.onProtocolError(this, e);
    } finally {
      this.pumping = false;
    }
  }

  /** Reasons reading is paused (a full outgoing queue, an in-order oneway waiting for the one
   *  running, a memory budget): reading resumes when the last one is released. */
  private readHolds = 0;

  /** Stop reading from the peer until a matching releaseReads(). */
  holdReads(): void {
    if (this.readHolds++ === 0 && !this.closed) this.transport.pauseReading();
  }

  releaseReads(): void {
    if (this.readHolds === 0) return;
    if (--this.readHolds === 0 && !this.closed) {
      this.transport.resumeReading();
      // frames that arrived before the transport paused
      if (this.reader && this.queue.length > 0) {
        this.pump();
        this.checkPendingFds();
      }
    }
  }

  get readsHeld(): boolean { return this.readHolds > 0; }

  /** The transport holds more than the high-water mark of unsent bytes; until it has sent
   *  them all, no new call of ours is sent here (the session queues them) and, on a connection
   *  the peer calls us on, nothing more is read: the peer's calls wait in its socket, as they
   *  would behind libbinder's blocking send of a reply. A connection we call on keeps reading:
   *  its queue drains only if the peer reads, and a peer may be waiting for us to read its
   *  replies before it reads again. */
  outgoingFull = false;

  private overHighWater(): void {
    this.outgoingFull = true;
    if (!this.outgoing) this.holdReads();
    this.transport.onDrain(this.drained);
  }

  private readonly drained = (): void => {
    if (!this.outgoingFull) return;
    this.outgoingFull = false;
    if (!this.outgoing) this.releaseReads();
    if (!this.closed) this.owner.onAvailable(this);
  };

  /** A command must wait (an in-order oneway behind the one running on its object): hold
   *  reads, so no further command is taken from what is buffered and the rest waits in the
   *  socket, as behind libbinder's busy connection thread, until unstall(). */
  private stalled = false;

  stall(): void {
    if (this.stalled) return;
    this.stalled = true;
    this.holdReads();
  }

  unstall(): void {
    if (!this.stalled) return;
    this.stalled = false;
    this.releaseReads();
  }

  /** Stream offset of the next unread byte. */
  private consumed(): number { return this.queue.pushed - this.queue.length; }

  /** The fds of the frame just read (the reader has consumed it from the queue). Fds that
   *  came only with its body are closed (see onData). */
  private takeFds(): number[] {
    const end = this.consumed();
    const headerEnd = this.frameStart + WIRE_HEADER_SIZE;
    const out: number[] = [];
    while (this.pendingFds.length && this.pendingFds[0]!.at < end) {
      const b = this.pendingFds.shift()!;
      this.pendingFdCount -= b.fds.length;
      if (b.from < headerEnd) out.push(...b.fds);
      else closeRawFds(this.owner.platform.fds, b.fds);
    }
    return out;
  }

  private dropFds(before: number): void {
    while (this.pendingFds.length && this.pendingFds[0]!.at < before) {
      const b = this.pendingFds.shift()!;
      this.pendingFdCount -= b.fds.length;
      closeRawFds(this.owner.platform.fds, b.fds);
    }
  }

  // (no read past the end of an empty stack: V8 takes a slow path for that)
  top(): Frame | undefined { const s = this.stack; return s.length > 0 ? s[s.length - 1] : undefined; }

  /** Send a TRANSACT and push its call frame (the caller checked the connection is usable).
   *  On a connection whose only frame is our call, the new call is pipelined behind it.
   *  `how`: Send.borrowed or 0. */
  call(bytes: Uint8Array, fds: readonly number[] | undefined, resolve: (value: unknown) => void, reject: (e: Error) => void,
      how: number, read: ((reply: Parcel) => unknown) | undefined, ack: object | null): void {
    const frame: CallFrame = { kind: "call", resolve, reject, read, ack };
    if (this.stack.length === 1 && this.stack[0]!.kind === "call") this.pipelined.push(frame);
    else this.stack.push(frame);
    this.send(bytes, fds, how);
  }

  /** Hand a frame to the transport. A Send.borrowed frame is a view of linear memory (valid
   *  only now): the transport sends it at once if it can (writeNow), else it gets a copy. */
  private send(bytes: Uint8Array, fds: readonly number[] | undefined, how: number): void {
    const more = (how & Send.more) !== 0;
    if (how & Send.borrowed) {
      if (!more && (!fds || fds.length === 0) && this.transport.writeNow?.(bytes)) {
        if (this.transport.bufferedAmount > this.highWater && !this.outgoingFull) this.overHighWater();
        return;
      }
      bytes = ownBytes(this.owner.platform.bytes, bytes);
    }
    this.transport.write(bytes, fds, more);
    if (this.transport.bufferedAmount > this.highWater && !this.outgoingFull) this.overHighWater();
  }

  /** Top-level calls of ours on this connection (the one on the stack and those behind it). */
  callsInFlight(): number {
    return this.stack.length === 0 ? 0 : this.pipelined.length + 1;
  }

  /** May another top-level call be pipelined here, `depth` calls in flight at most? Not while
   *  the peer is calling us back (a nested exchange is on the stack). */
  hasPipelineRoom(depth: number): boolean {
    return this.outgoing && !this.closed && !this.outgoingFull && this.stack.length === 1 && this.stack[0]!.kind === "call" &&
      this.pipelined.length + 1 < depth;
  }

  /** Send a frame. `fds` (duplicates) now belong to the transport, which closes them once
   *  sent; if the connection is closed they are closed here. `how`: Send flags. */
  write(bytes: Uint8Array, fds?: readonly number[], how = 0): void {
    if (!this.closed) this.send(bytes, fds, how);
    else closeRawFds(this.owner.platform.fds, fds);
  }

  /** A REPLY arrived: pop the call frame it answers. */
  popCall(): CallFrame | null {
    const top = this.top();
    if (!top || top.kind !== "call") return null;
    this.stack.pop();
    // the next pipelined call is now the one the peer serves
    if (this.stack.length === 0 && this.pipelined.length) this.stack.push(this.pipelined.shift()!);
    this.flushReplies();
    this.owner.onAvailable(this);
    return top;
  }

  /** Our reply for `frame` is ready: send it now if the frame is on top, else when it is. */
  finishServe(frame: ServeFrame, reply: Uint8Array, fds: readonly number[] | undefined, how: number): void {
    const borrowed = (how & Send.borrowed) !== 0;
    frame.reply = reply;
    frame.replyFds = fds;
    this.flushReplies(borrowed ? frame : null);
    // a lent reply that cannot leave yet (a nested call of ours is on top) waits in a copy
    if (borrowed && this.stack.includes(frame)) frame.reply = ownBytes(this.owner.platform.bytes, reply);
    this.owner.onAvailable(this);
  }

  /** Send the replies on top of the stack. `lent`: the frame whose reply is a view of linear
   *  memory (send() copies it if the transport cannot take it at once). */
  private flushReplies(lent: ServeFrame | null = null): void {
    for (;;) {
      const top = this.top();
      if (!top || top.kind !== "serve" || top.reply === null) return;
      this.stack.pop();
      // pipelined calls wait behind this reply: they are served next, and their replies can
      // leave with this one
      this.write(top.reply, top.replyFds, (this.deferred.length > 0 ? Send.more : 0) | (top === lent ? Send.borrowed : 0));
    }
  }

  /** Is the peer blocked waiting for a reply from us on this connection (so it will read a
   *  nested TRANSACT we send)? */
  peerWaiting(): boolean {
    const top = this.top();
    return top !== undefined && top.kind === "serve" && top.reply === null;
  }

  /** Frames on the stack (our calls and the peer's we serve, nested). */
  get depth(): number { return this.stack.length; }

  /** Nothing on the stack: no call of ours waits here and we owe the peer no reply. */
  get idle(): boolean { return this.stack.length === 0; }

  /** A call of ours in flight, one of the peer's being served, or oneways still running. */
  get busy(): boolean { return this.stack.length > 0 || this.onewayDrains.size > 0; }

  /** May a new top-level call of ours go out here now, alone on the stack? */
  get freeForCall(): boolean { return this.outgoing && !this.closed && this.stack.length === 0 && !this.outgoingFull; }

  /** Top-level calls of ours waiting behind the one on the stack. */
  get pipelinedCount(): number { return this.pipelined.length; }

  /** Two-way calls of the peer's waiting to be served here. */
  get deferredCount(): number { return this.deferred.length; }

  /** Push a serve frame for a two-way call of the peer's we start serving now. */
  beginServe(): ServeFrame {
    const frame: ServeFrame = { kind: "serve", reply: null, replyFds: undefined };
    this.stack.push(frame);
    return frame;
  }

  /** The peer started a two-way call while we owe it a reply: it is served after. */
  defer(tx: IncomingTransact): void { this.deferred.push(tx); }

  /** The next deferred call to serve, once the stack is empty. */
  nextDeferred(): IncomingTransact | undefined { return this.deferred.shift(); }

  /** `take` waits until `frame` (a serve frame of ours) is on top again, to nest a call. */
  waitForFrame(frame: ServeFrame, take: Waiter): void { this.nestedWaiters.push({ frame, take }); }

  /** The nested user waiting for the serve frame now on top, taken off the list; or null. */
  takeNestedWaiter(): Waiter | null {
    const top = this.top();
    if (!top || top.kind !== "serve" || top.reply !== null || this.nestedWaiters.length === 0) return null;
    const i = this.nestedWaiters.findIndex((w) => w.frame === top);
    if (i < 0) return null;
    return this.nestedWaiters.splice(i, 1)[0]!.take;
  }

  /** A oneway queue started by a command from this connection; two-way calls that arrive
   *  later wait for it (see onewayDrains). */
  trackOneways(chain: Promise<void>): void {
    this.onewayDrains.add(chain);
    void chain.finally(() => this.onewayDrains.delete(chain));
  }

  /** Resolves once the oneway queues started from this connection are done; null when none is
   *  running (the common case: no promise made). */
  onewaysDone(): Promise<unknown> | null {
    return this.onewayDrains.size ? Promise.all(this.onewayDrains) : null;
  }

  /** The session ended: close, fail our calls and those waiting for this connection with
   *  `dead`, close the fds of replies that never left and free the calls that never ran.
 */
  fail(dead: Error): void {
    this.close();
    for (const f of this.stack) {
      if (f.kind === "call") f.reject(dead);
      else if (f.replyFds) closeRawFds(this.owner.platform.fds, f.replyFds); // a reply that never left
    }
    this.stack.length = 0;
    for (const f of this.pipelined.splice(0)) f.reject(dead);
    for (const d of this.deferred) d.parcel.dispose();
    this.deferred.length = 0;
    for (const w of this.nestedWaiters) w.take.drop?.(dead);
    this.nestedWaiters.length = 0;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.reader?.discard();
    this.dropFds(Infinity);
    this.transport.close();
  }
}
