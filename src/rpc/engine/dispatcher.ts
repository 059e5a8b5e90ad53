// Incoming commands of one session: replies to our calls, references the peer returns, and
// the peer's transactions — two-way ones served in order on their connection (nested inside a
// call of ours, deferred while we owe a reply, or pipelined), oneway ones handed to the
// per-object queue (oneway-queue.ts), special transactions, and the status a failure becomes.
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
import type { Node } from "./rpc-state.js";
import { HeldCalls } from "./held-calls.js";
import { OnewayQueue } from "./oneway-queue.js";
import type { AckTicket } from "./target-acks.js";
import type { ObjectTable } from "./object-table.js";
import type { CallRouter } from "./call-router.js";
import type { SessionCore } from "./session-core.js";
import type { QueueStats } from "./limits.js";
import { outgoingFds } from "./outgoing-fds.js";

export class Dispatcher {
  /** Bytes of the peer's calls held waiting (deferred two-way calls, parked oneways). */
  private readonly held: HeldCalls;
  private readonly oneways: OnewayQueue;

  constructor(
    private readonly core: SessionCore,
    private readonly objects: ObjectTable,
    private readonly router: CallRouter,
    /** What GET_ROOT answers (servers). */
    private readonly root: (() => IBinder | null) | undefined,
    /** The peer broke the protocol: the session ends. */
    private readonly protocolError: (conn: Connection, e: unknown) => void,
  ) {
    this.held = new HeldCalls(core.limits.maxQueuedBytes);
    this.oneways = new OnewayQueue(core, objects, this.held, protocolError);
  }

  get queueStats(): QueueStats {
    const { queuedBytes, peakQueuedBytes } = this.held;
    return { queuedBytes, peakQueuedBytes, peakParked: this.oneways.peakParked };
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
        if (cmd.flags & FLAG_ONEWAY) return this.oneways.take(conn, cmd);
        if ((cmd.flags & FLAG_TOP_LEVEL) && this.router.pipelineDepth > 1) return this.servePipelined(conn, cmd);
        const top = conn.top();
        if (top && top.kind === "serve") {
          // the peer started another call while we still owe a reply: serve it after
          conn.defer(cmd);
          this.held.hold(cmd.parcel.dataSize);
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
    this.held.release(next.parcel.dataSize);
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
    this.held.hold(tx.parcel.dataSize);
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
    const reply = this.objects.newOwnedParcel();
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
