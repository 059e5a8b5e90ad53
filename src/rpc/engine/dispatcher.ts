// Incoming commands of one session: replies to our calls, references the peer returns, and
// the peer's transactions — two-way ones served in order on their connection (nested inside a
// call of ours, deferred while we owe a reply, or pipelined), oneway ones in asyncNumber order
// per object as libbinder runs them, special transactions, and the status a failure becomes.
import type { Parcel } from "../../parcel/parcel.js";
import { ParcelError, ParcelErrorCode } from "../../parcel/errors.js";
import { closeRawFds } from "../../parcel/file-descriptor.js";
import { BinderError, DeadObjectError, UnknownTransactionError } from "../../binder/errors.js";
import { StatusCode } from "../../binder/status.js";
import { FLAG_ONEWAY, type IBinder } from "../../binder/ibinder.js";
import { SpecialTransaction } from "../../wire/structs.js";
import { SIZES } from "../../core/core.js";
import { FLAG_TOP_LEVEL, SPECIAL_PIPELINE_DEPTH } from "../pipelining.js";
import { SPECIAL_MAX_FRAME_BODY, frameBody } from "../frame-size.js";
import type { CallContext } from "./call-context.js";
import { Send, type CallFrame, type Connection, type ServeFrame } from "./connection.js";
import { decStrongFrame, replyFrame } from "../../wire/frames.js";
import type { WireAddress } from "../../wire/structs.js";
import { ProtocolError } from "./protocol-error.js";
import type { Incoming, IncomingReply, IncomingTransact } from "./frame-reader.js";
import type { Node, OnewayIn } from "./rpc-state.js";
import type { AckTicket } from "./target-acks.js";
import type { ObjectTable } from "./object-table.js";
import type { CallRouter } from "./call-router.js";
import type { SessionCore } from "./session-core.js";
import type { QueueStats } from "./limits.js";
import { outgoingFds } from "./outgoing-fds.js";

export class Dispatcher {
  private queuedBytes = 0;
  private peakQueuedBytes = 0;
  private peakParked = 0;

  constructor(
    private readonly core: SessionCore,
    private readonly objects: ObjectTable,
    private readonly router: CallRouter,
    /** What GET_ROOT answers (servers). */
    private readonly root: (() => IBinder | null) | undefined,
    /** The peer broke the protocol: the session ends. */
    private readonly protocolError: (conn: Connection, e: unknown) => void,
  ) {}

  get queueStats(): QueueStats {
    return { queuedBytes: this.queuedBytes, peakQueuedBytes: this.peakQueuedBytes, peakParked: this.peakParked };
  }

  onCommand(conn: Connection, cmd: Incoming): void {
    // the end of the session may release a connection's reads before it closes that
    // connection (another one gives its bytes back to a shared budget): nothing more is served
    if (this.core.ended !== undefined) {
      if (cmd.kind !== "decStrong") cmd.parcel.dispose();
      return;
    }
    this.core.activity++;
    switch (cmd.kind) {
      case "reply": return this.reply(conn, cmd);
      case "decStrong": return this.objects.decStrong(cmd.addr, cmd.amount);
      case "transact": {
        if (cmd.flags & FLAG_ONEWAY) return this.serveOneway(conn, cmd);
        if ((cmd.flags & FLAG_TOP_LEVEL) && this.router.pipelineDepth > 1) return this.servePipelined(conn, cmd);
        const top = conn.top();
        if (top && top.kind === "serve") {
          // the peer started another call while we still owe a reply: serve it after
          conn.defer(cmd);
          this.holdQueued(cmd.parcel.dataSize);
          return;
        }
        if (conn.depth >= this.core.limits.maxNestingDepth) {
          cmd.parcel.dispose();
          throw new ProtocolError(`calls nested ${conn.depth} deep on one connection`);
        }
        this.serveTwoWay(conn, cmd);
      }
    }
  }

  /** A REPLY settles the call on top of its connection. */
  private reply(conn: Connection, cmd: IncomingReply): void {
    const frame = conn.popCall();
    if (!frame) {
      cmd.parcel.dispose();
      throw new ProtocolError("REPLY with no call waiting for it");
    }
    if (frame.ack) this.objects.learnTargetAcks(frame.ack as AckTicket, cmd.status === StatusCode.OK);
    if (cmd.status !== StatusCode.OK) {
      cmd.parcel.dispose();
      frame.reject(cmd.status === StatusCode.UNKNOWN_TRANSACTION ? new UnknownTransactionError() :
        cmd.status === StatusCode.DEAD_OBJECT ? new DeadObjectError() : new BinderError(cmd.status));
    } else {
      cmd.parcel._objects = this.objects;
      if (frame.read) settleRead(frame, cmd.parcel);
      else frame.resolve(cmd.parcel);
    }
  }

  /** `conn` is free of frames: serve the two-way call that queued up behind our reply first,
   *  before new calls of ours. Returns whether there was one. */
  serveDeferred(conn: Connection): boolean {
    const next = conn.nextDeferred();
    if (!next) return false;
    this.queuedBytes -= next.parcel.dataSize;
    this.serveTwoWay(conn, next);
    return true;
  }

  /** A call the client marked top-level (pipelining.ts): never nested; served once this
   *  connection has nothing else going on, in the order such calls arrived. */
  private servePipelined(conn: Connection, tx: IncomingTransact): void {
    tx.flags &= ~FLAG_TOP_LEVEL;
    if (conn.idle && conn.deferredCount === 0) return this.serveTwoWay(conn, tx);
    const depth = this.router.pipelineDepth;
    if (conn.deferredCount + 1 >= depth) {
      tx.parcel.dispose();
      throw new ProtocolError(`peer pipelined more than the ${depth} calls per connection agreed`);
    }
    conn.defer(tx);
    this.holdQueued(tx.parcel.dataSize);
  }

  /** Count bytes of incoming calls held waiting; a peer that piles up more ends its session. */
  private holdQueued(bytes: number): void {
    this.queuedBytes += bytes;
    if (this.queuedBytes > this.peakQueuedBytes) this.peakQueuedBytes = this.queuedBytes;
    const max = this.core.limits.maxQueuedBytes;
    if (this.queuedBytes > max) throw new ProtocolError(`peer queued ${this.queuedBytes} bytes of calls (limit ${max})`);
  }

  private serveTwoWay(conn: Connection, tx: IncomingTransact): void {
    const frame = conn.beginServe();
    // libbinder's connection thread finishes the oneways it started before the next command
    const oneways = conn.onewaysDone();
    if (oneways) void oneways.then(() => this.execute(conn, frame, tx));
    else this.execute(conn, frame, tx);
  }

  /** Run a two-way transaction. A handler that answers synchronously is replied to in the same
   *  turn with no promise made; an asynchronous one is finished when it settles. */
  private execute(conn: Connection, frame: ServeFrame, tx: IncomingTransact): void {
    const reply = this.objects.newParcel(true);
    let target: Node | null = null;
    let result: number | PromiseLike<number>;
    tx.parcel._objects = this.objects;
    try {
      if (tx.addr === null) {
        result = this.answerSpecial(tx.code, tx.parcel, reply);
      } else {
        target = this.objects.resolveTarget(tx.addr);
        const ctx: CallContext = { session: this.core.owner, connection: conn, frame, peer: conn.transport.peer };
        const binder = target.local!;
        result = this.core.contextStore.run(ctx, () => binder._dispatch(tx.code, tx.parcel, reply, tx.flags));
      }
    } catch (e) {
      result = this.failed(e, conn, reply);
    }
    if (typeof result === "number") return this.finishExecute(conn, frame, tx, reply, target, result);
    const t = target;
    result.then(
      (status) => this.finishExecute(conn, frame, tx, reply, t, status),
      (e) => this.finishExecute(conn, frame, tx, reply, t, this.failed(e, conn, reply)),
    );
  }

  /** The status for a handler that threw; what it wrote is dropped. */
  private failed(e: unknown, conn: Connection, reply: Parcel): number {
    reply.reset();
    return this.failureStatus(e, conn);
  }

  private finishExecute(conn: Connection, frame: ServeFrame, tx: IncomingTransact, reply: Parcel, target: Node | null, status: number): void {
    tx.parcel.dispose();
    if (this.core.ended !== undefined || conn.closed) { reply.dispose(); return; }
    const dialect = this.core.frameDialect;
    // a stub's result held descriptors this session cannot carry: all were closed (parcel.ts),
    // and the call failed as libbinder's stub would (no references returned, as after any failure)
    if (reply._fdsRefused && status === StatusCode.OK) { reply.reset(); status = StatusCode.FDS_NOT_ALLOWED; }
    // libbinder returns the reference the call target arrived with just before the reply:
    // both frames go out in one buffer (two writes when the reply carries fds, below)
    let refs: { address: WireAddress; amount: number } | null = null;
    if (target && status === StatusCode.OK) {
      const n = this.objects.takeExcess(target);
      if (n > 0) refs = { address: target.addr, amount: n };
    }
    let bytes: Uint8Array;
    let fds: readonly number[] | undefined;
    try {
      fds = status === StatusCode.OK ? outgoingFds(reply, this.core.dialect, this.core.platform.fds) : undefined;
      if (fds && refs) {
        // fds ride with the first byte of their own message (connection.ts onData): the
        // DEC_STRONG goes first, in a write of its own, as libbinder sends it
        conn.write(decStrongFrame(dialect, refs.address, refs.amount, this.core.platform.bytes));
        refs = null;
      }
      bytes = replyFrame(reply, dialect, status, refs, true);
      const lead = refs ? SIZES.wireHeader + SIZES.decStrong : 0;
      const limit = this.router.sendLimit;
      const body = frameBody(bytes, limit.headerSize, lead);
      if (body > limit.limit) {
        // libbinder (Android 16) answers FAILED_TRANSACTION rather than send such a reply
        throw limit.tooLarge("reply", body);
      }
    } catch (e) {
      // the duplicates made for a reply that is not sent are ours to close
      closeRawFds(this.core.platform.fds, fds);
      fds = undefined;
      reply.reset();
      bytes = replyFrame(reply, dialect, this.failureStatus(e, conn), refs, true);
    }
    // `bytes` is a view of the reply parcel's memory: sent or copied here, before it is disposed
    conn.finishServe(frame, bytes, fds, Send.borrowed);
    // the connection sends (and closes) duplicates; what the service wrote stays its own
    // (unless written with takeOwnership, as generated stubs write results: closed here)
    reply.dispose();
  }

  private serveOneway(conn: Connection, tx: OnewayIn): void {
    tx.parcel._objects = this.objects;
    let target: Node;
    try {
      if (tx.addr === null) throw new ProtocolError("oneway special transaction");
      target = this.objects.resolveTarget(tx.addr);
    } catch (e) {
      tx.parcel.dispose();
      throw e;
    }
    this.takeOneway(conn, target, tx);
  }

  /** Order oneways per object as libbinder's processTransactInternal does: the one whose
   *  asyncNumber is next runs at once; if the one before it is still running (handlers are
   *  async here), it waits in the socket: its connection reads nothing more until then. Only
   *  one that arrives ahead of its turn is parked, and only those count against
   *  maxParkedOneways and maxQueuedBytes. */
  private takeOneway(conn: Connection, target: Node, tx: OnewayIn): void {
    const n = tx.asyncNumber;
    if (n < target.asyncNumber) {
      tx.parcel.dispose();
      throw new ProtocolError(`oneway asyncNumber ${n} already used (expected ${target.asyncNumber})`);
    }
    if (n === target.asyncNumber) {
      if (target.onewayRunning) {
        target.stalled.push({ conn, tx });
        conn.stall();
        return;
      }
      // the chain never rejects: two-way calls wait on it (Connection.onewaysDone), and a
      // failure in its own bookkeeping (not a handler's: those are logged) leaves the queue
      // unusable
      conn.trackOneways(this.runOneways(conn, target, tx).catch((e: unknown) => this.protocolError(conn, e)));
      return;
    }
    const parked = target.parked;
    const max = this.core.limits.maxParkedOneways;
    if (parked.length >= max) {
      tx.parcel.dispose();
      throw new ProtocolError(`${parked.length + 1} oneway calls parked on one object (limit ${max})`);
    }
    let i = parked.length;
    while (i > 0 && parked[i - 1]!.tx.asyncNumber > n) i--;
    if (i > 0 && parked[i - 1]!.tx.asyncNumber === n) {
      tx.parcel.dispose();
      throw new ProtocolError(`oneway asyncNumber ${n} sent twice`);
    }
    parked.splice(i, 0, { conn, tx });
    if (parked.length > this.peakParked) this.peakParked = parked.length;
    this.holdQueued(tx.parcel.dataSize);
  }

  /** Run `first` and then each parked oneway whose turn has come, one at a time (libbinder's
   *  tail call); then let the in-order ones waiting in a socket go. */
  private async runOneways(conn: Connection, node: Node, first: OnewayIn): Promise<void> {
    const core = this.core;
    node.onewayRunning = true;
    try {
      let tx = first, from = conn;
      for (;;) {
        node.asyncNumber++;
        await this.runOneway(from, node, tx);
        if (core.ended !== undefined) return;
        const next = node.parked[0];
        if (next === undefined || next.tx.asyncNumber !== node.asyncNumber) break;
        node.parked.shift();
        this.queuedBytes -= next.tx.parcel.dataSize;
        tx = next.tx;
        from = next.conn;
      }
    } finally {
      node.onewayRunning = false;
    }
    for (const w of node.stalled.splice(0)) {
      // the next in line (or a duplicate, refused): its connection reads on afterwards
      if (core.ended !== undefined) { w.tx.parcel.dispose(); continue; }
      try { this.takeOneway(w.conn, node, w.tx); } catch (e) { this.protocolError(w.conn, e); }
      w.conn.unstall();
    }
    if (core.ended !== undefined || node.onewayRunning) return;
    // libbinder returns the targets' references once the queue has drained
    this.objects.drained(node, conn);
  }

  /** One oneway call; what fails is logged (rate-limited), there is no one to tell. */
  private async runOneway(conn: Connection, node: Node, tx: OnewayIn): Promise<void> {
    const reply = this.objects.newParcel(true);
    const core = this.core;
    try {
      const ctx: CallContext = { session: core.owner, connection: conn, frame: null, peer: conn.transport.peer };
      const status = await this.core.contextStore.run(ctx, () => node.local!._dispatch(tx.code, tx.parcel, reply, tx.flags));
      if (status !== StatusCode.OK) core.log.warn("oneway-status", `session ${core.label}: oneway call ${tx.code} failed with ${status}`);
    } catch (e) {
      core.log.warn("oneway-threw", `session ${core.label}: oneway call ${tx.code} threw: ${(e as Error)?.message ?? e}`);
    } finally {
      reply.dispose();
      tx.parcel.dispose();
    }
  }

  private answerSpecial(code: number, data: Parcel, reply: Parcel): number {
    const core = this.core;
    switch (code) {
      case SpecialTransaction.GET_ROOT:
        if (!core.isServer) return StatusCode.UNKNOWN_TRANSACTION;
        reply.writeStrongBinder(this.root?.() ?? null);
        return StatusCode.OK;
      case SpecialTransaction.GET_MAX_THREADS:
        reply.writeInt32(core.maxIncomingThreads);
        return StatusCode.OK;
      case SpecialTransaction.GET_SESSION_ID:
        if (!core.sessionId) return StatusCode.UNKNOWN_TRANSACTION;
        reply.writeByteArray(core.sessionId);
        return StatusCode.OK;
      case SPECIAL_PIPELINE_DEPTH:
        // the tsbinder extension: a server session on the versioned wire agrees to a depth
        if (!core.isServer || core.dialect.r34) return StatusCode.UNKNOWN_TRANSACTION;
        reply.writeInt32(this.router.agreePipeline(data.readInt32()));
        return StatusCode.OK;
      case SPECIAL_MAX_FRAME_BODY:
        // the tsbinder extension (frame-size.ts): the client says what it accepts, we answer
        if (!core.isServer || core.dialect.r34) return StatusCode.UNKNOWN_TRANSACTION;
        reply.writeInt32(this.router.sendLimit.answer(data.readInt32()));
        return StatusCode.OK;
      default:
        return StatusCode.UNKNOWN_TRANSACTION;
    }
  }

  private failureStatus(e: unknown, conn: Connection): number {
    if (e instanceof BinderError) return e.status;
    if (e instanceof ProtocolError) {
      // the peer addressed something it may not: libbinder terminates the session
      queueMicrotask(() => this.protocolError(conn, e));
      return StatusCode.BAD_VALUE;
    }
    if (e instanceof ParcelError) return e.errno === ParcelErrorCode.FDS_NOT_ALLOWED ? StatusCode.FDS_NOT_ALLOWED : StatusCode.BAD_VALUE;
    this.core.log.warn("handler-threw", `session ${this.core.label}: transaction handler threw: ${(e as Error)?.stack ?? e}`);
    return StatusCode.UNKNOWN_ERROR;
  }
}

/** Read a reply as it arrives (transactRead) and settle the caller's promise with the result. */
function settleRead(frame: CallFrame, reply: Parcel): void {
  let value: unknown;
  try {
    value = readReply(reply, frame.read!);
  } catch (e) {
    frame.reject(e as Error);
    return;
  }
  frame.resolve(value);
}

/** `read` on a reply, which is disposed after. */
export function readReply<T>(reply: Parcel, read: (reply: Parcel) => T): T {
  try { return read(reply); } finally { reply.dispose(); }
}
