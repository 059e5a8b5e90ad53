// Outgoing calls of one session: which connection a call goes out on (a free outgoing one; a
// nested call on the connection the caller is blocked on, as libbinder does), pipelining
// behind a call in flight when a tsbinder peer agreed to it (pipelining.ts), callers waiting
// for a free connection, and oneway calls waiting for a full connection to drain.
import type { Parcel } from "../../parcel/parcel.js";
import { ownBytes } from "../../core/core.js";
import { closeRawFds } from "../../parcel/file-descriptor.js";
import type { BinderProxy } from "../../binder/proxy.js";
import { BinderError, DeadObjectError } from "../../binder/errors.js";
import { StatusCode } from "../../binder/status.js";
import { FLAG_ONEWAY } from "../../binder/ibinder.js";
import { FLAG_TOP_LEVEL, SPECIAL_PIPELINE_DEPTH } from "../pipelining.js";
import { frameBody } from "../frame-size.js";
import type { CallContext } from "./call-context.js";
import { Send, type Connection, type ServeFrame, type Waiter } from "./connection.js";
import { transactionFrame } from "../../wire/frames.js";
import { onWire } from "../address.js";
import type { Node } from "./rpc-state.js";
import type { AckTicket } from "./target-acks.js";
import type { ObjectTable } from "./object-table.js";
import type { SessionCore } from "./session-core.js";
import { SendLimit } from "./send-limit.js";
import { outgoingFds } from "./outgoing-fds.js";

/** A oneway call made while every connection was full. */
interface Backlogged { bytes: Uint8Array; fds: number[] | undefined; resolve: (p: Parcel) => void; reject: (e: Error) => void }

export class CallRouter {
  /** Largest frame this side may send the peer. */
  readonly sendLimit: SendLimit;
  /** Calls in flight per connection agreed with the peer (1: one call per connection, as
   *  libbinder); `asked` while the client's SPECIAL_PIPELINE_DEPTH is on its way. */
  private pipeline: number | "asked" | null = null;
  /** Callers waiting for a free outgoing connection, in order. */
  private readonly waiters: Waiter[] = [];
  /** Oneway calls made while every connection was full, in the order made: sent, in that
   *  order, as queues drain (a caller that outruns the connection waits, its promise pending,
   *  instead of this side buffering without bound). */
  private readonly sendBacklog: Backlogged[] = [];
  private readonly special = (code: number, writeArgs?: (data: Parcel) => void) => this.callSpecial(code, writeArgs);

  constructor(private readonly core: SessionCore, private readonly objects: ObjectTable) {
    this.sendLimit = new SendLimit(core.dialect, core.limits);
  }

  /** Calls in flight per connection agreed with the peer (1 until a client that needed more
   *  has asked a tsbinder peer; libbinder and rsbinder peers stay at 1). */
  get pipelineDepth(): number { return typeof this.pipeline === "number" ? this.pipeline : 1; }

  /** Callers wait for a connection. */
  get waiting(): boolean { return this.waiters.length > 0; }

  /** A special transaction (address zero). */
  async callSpecial(code: number, writeArgs?: (data: Parcel) => void): Promise<Parcel> {
    if (this.core.ended !== undefined) throw new DeadObjectError();
    const data = this.objects.newOwnedParcel();
    try {
      writeArgs?.(data);
      const bytes = transactionFrame(data, this.core.frameDialect, null, code, 0, 0);
      return await this.roundTrip(bytes, undefined, 0, undefined, null);
    } finally { data.dispose(); }
  }

  /** Send a transaction on `proxy`. With `read`, the reply is read (and disposed) as it arrives
   *  and the promise settles with what `read` gives; else it resolves with the reply. */
  transact(proxy: BinderProxy, code: number, data: Parcel, flags: number, read: ((reply: Parcel) => unknown) | undefined): Promise<unknown> {
    const core = this.core;
    if (core.ended !== undefined) return Promise.reject(new DeadObjectError());
    core.activity++;
    let bytes: Uint8Array;
    let topLevel = false;
    let ticket: AckTicket | null = null;
    let node: Node | undefined;
    let counted = false;
    const oneway = (flags & FLAG_ONEWAY) !== 0;
    const objects = this.objects;
    try {
      if (!objects.fits(data)) {
        // binders in it were flattened for another owner, or its layout is another dialect's
        throw new BinderError(StatusCode.BAD_TYPE, "parcel was not made for this session: obtain it with binder.newParcel()");
      }
      node = objects.remote(proxy._key);
      // transacting on a proxy counts as sending it (a libbinder peer returns the reference;
      // one that does not is found out by target-acks.ts)
      counted = objects.targetAcks.counting;
      const addr = counted ? objects.state.proxyLeaving(proxy._key) : node.addr;
      if (counted) ticket = objects.targetAcks.sending(node, oneway);
      const asyncNumber = oneway ? node.asyncNumber++ : 0;
      // once pipelining is agreed, a top-level call says so: the peer must never take it for
      // a nested call (pipelining.ts)
      topLevel = !oneway && this.pipelineDepth > 1 && !this.nestedContext();
      if (topLevel) flags |= FLAG_TOP_LEVEL;
      // a view of linear memory, valid until the next core call: it is sent (or copied) below
      // before anything calls into the core again
      bytes = transactionFrame(data, core.frameDialect, onWire(addr), code, flags, asyncNumber, true);
    } catch (e) {
      return Promise.reject(e);
    }
    let fds: number[] | undefined;
    try {
      fds = outgoingFds(data, core.dialect, core.platform.fds);
    } catch (e) {
      this.unsend(node, counted, ticket, oneway);
      return Promise.reject(e);
    }
    const how = topLevel ? Send.topLevel : 0;
    const limit = this.sendLimit;
    const body = frameBody(bytes, limit.headerSize);
    if (body > limit.limit) {
      // the peer has not said it takes frames this large (frame-size.ts)
      if (oneway || limit.known || core.isServer || core.dialect.r34) {
        this.unsend(node, counted, ticket, oneway);
        closeRawFds(this.core.platform.fds, fds);
        return Promise.reject(limit.tooLarge("request", body));
      }
      const own = ownBytes(this.core.platform.bytes, bytes);
      const n = node;
      return limit.ask(this.special).then((agreed) => {
        if (body <= agreed && core.ended === undefined) return this.roundTrip(own, fds, how, read, ticket);
        this.unsend(n, counted, ticket, false);
        closeRawFds(this.core.platform.fds, fds);
        throw core.ended !== undefined ? new DeadObjectError() : limit.tooLarge("request", body);
      });
    }
    if (oneway) {
      try {
        const conn = this.sendBacklog.length === 0 ? core.connections.forOneway() : null;
        if (!conn) return this.backlog(ownBytes(this.core.platform.bytes, bytes), fds);
        conn.write(bytes, fds, Send.borrowed);
      } catch (e) {
        closeRawFds(this.core.platform.fds, fds);
        return Promise.reject(e);
      }
      return Promise.resolve(objects.newParcel());
    }
    return this.roundTrip(bytes, fds, how | Send.borrowed, read, ticket);
  }

  /** A transaction counted as sent was not: undo what transact() counted for it. */
  private unsend(node: Node, counted: boolean, ticket: AckTicket | null, oneway: boolean): void {
    if (oneway) node.asyncNumber--;
    if (!counted) return;
    this.objects.targetAcks.unsent(node, ticket);
    this.objects.state.forgetSent(node, 1);
  }

  /** Agree on larger frames with a tsbinder server (frame-size.ts; the client does it at
   *  connect, so this answers what was agreed). Resolves with the largest body this side may
   *  send; libbinder and rsbinder servers decline (the limit stays), as do r34 sessions. A
   *  server session resolves with its current limit. */
  agreeFrameSize(): Promise<number> {
    if (this.core.isServer || this.core.dialect.r34) return Promise.resolve(this.sendLimit.limit);
    return this.sendLimit.ask(this.special);
  }

  /** Send a two-way call and wait for its reply. `how`: Send.topLevel (the frame carries
   *  FLAG_TOP_LEVEL, so it may be pipelined behind another call) and Send.borrowed (`bytes`
   *  is a view of linear memory, sent at once or copied). */
  private roundTrip(bytes: Uint8Array, fds: readonly number[] | undefined, how: number,
      read: ((reply: Parcel) => unknown) | undefined, ack: AckTicket | null): Promise<any> {
    return new Promise<unknown>((resolve, reject) => {
      try {
        // the common case: a connection is free now, so no waiter is made
        const now = this.connectionNow();
        if (now) return now.call(bytes, fds, resolve, reject, how & Send.borrowed, read, ack);
        // anything below may call into the core (asking for a pipeline): own the frame first
        if (how & Send.borrowed) bytes = ownBytes(this.core.platform.bytes, bytes);
        const topLevel = (how & Send.topLevel) !== 0;
        const conn = this.pipelineConnection(topLevel);
        if (conn) return conn.call(bytes, fds, resolve, reject, 0, read, ack);
        const send: Waiter = (c) => c.call(bytes, fds, resolve, reject, 0, read, ack);
        send.drop = (e) => { closeRawFds(this.core.platform.fds, fds); reject(e); };
        send.topLevel = topLevel;
        this.waitForConnection(send, (e) => { closeRawFds(this.core.platform.fds, fds); reject(e); });
      } catch (e) { closeRawFds(this.core.platform.fds, fds); reject(e as Error); }
    });
  }

  /** A connection we may send a two-way call on right now, or null. Inside an incoming call,
   *  libbinder sends nested calls on the connection the caller is blocked on (when our serve
   *  frame is on top); outside, any free outgoing connection. */
  private connectionNow(): Connection | null {
    const ctx = this.nestedContext();
    if (ctx) return ctx.connection.top() === ctx.frame ? ctx.connection : null;
    return this.core.connections.free();
  }

  /** Inside one of the peer's calls to this session (its reply not sent yet): the context,
   *  whose connection and serve frame our calls nest on. */
  private nestedContext(): (CallContext & { frame: ServeFrame }) | null {
    const ctx = this.core.contextStore.get();
    return ctx && ctx.session === this.core.owner && ctx.frame && !ctx.connection.closed && ctx.frame.reply === null
      ? ctx as CallContext & { frame: ServeFrame } : null;
  }

  /** When every outgoing connection is busy: the least busy one with room for a pipelined
   *  call, if the peer agreed to pipelining. A client that has not asked a v0-v2 peer yet asks
   *  now; calls made meanwhile wait for a free connection as before. Only a frame that carries
   *  FLAG_TOP_LEVEL (`topLevel`) may go behind another call. */
  private pipelineConnection(topLevel: boolean): Connection | null {
    if (this.pipeline === null) { this.askPipeline(); return null; }
    const depth = this.pipelineDepth;
    if (depth <= 1 || !topLevel) return null;
    return this.core.connections.forPipelining(depth);
  }

  /** Client sessions on the versioned wire ask the server once for a pipeline depth. */
  private askPipeline(): void {
    const core = this.core;
    const want = Math.floor(core.limits.maxPipelinedCalls);
    if (core.isServer || core.dialect.r34 || !(want > 1) || core.ended !== undefined) { this.pipeline = 1; return; }
    this.pipeline = "asked";
    this.callSpecial(SPECIAL_PIPELINE_DEPTH, (d) => d.writeInt32(want)).then((reply) => {
      let agreed = 1;
      try { agreed = reply.readInt32(); } catch { /* a short answer agrees to nothing */ } finally { reply.dispose(); }
      this.pipeline = Math.max(1, Math.min(want, agreed | 0));
      if (this.pipeline > 1) for (const c of core.connections.all) this.available(c);
    }, () => {
      // libbinder and rsbinder: UNKNOWN_TRANSACTION; one call per connection, as they expect
      this.pipeline = 1;
    });
  }

  /** The server side of SPECIAL_PIPELINE_DEPTH: agree to at most our own limit. */
  agreePipeline(want: number): number {
    const agreed = Math.max(1, Math.min(want, Math.floor(this.core.limits.maxPipelinedCalls)));
    this.pipeline = agreed;
    return agreed;
  }

  /** Queue `use` for a connection when connectionNow() had none: the nested connection once
   *  our frame is on top again, else the next free outgoing connection; a side with no
   *  outgoing connections may still call nested on a connection whose peer is waiting for us. */
  private waitForConnection(use: Waiter, reject: (e: Error) => void): void {
    const ctx = this.nestedContext();
    if (ctx) {
      ctx.connection.waitForFrame(ctx.frame, use);
      return;
    }
    const connections = this.core.connections;
    if (connections.anyOutgoing) {
      this.waiters.push(use);
      return;
    }
    const waiting = connections.peerWaiting();
    if (waiting) return use(waiting);
    reject(new BinderError(StatusCode.WOULD_BLOCK,
      "session has no outgoing connections (the peer opened no incoming threads) and no call is waiting on us"));
  }

  private backlog(bytes: Uint8Array, fds: number[] | undefined): Promise<Parcel> {
    return new Promise<Parcel>((resolve, reject) => this.sendBacklog.push({ bytes, fds, resolve, reject }));
  }

  private sendBacklogged(): void {
    const q = this.sendBacklog;
    while (q.length && this.core.ended === undefined) {
      let conn: Connection | null;
      try { conn = this.core.connections.forOneway(); } catch { return; }
      if (!conn) return;
      const next = q.shift()!;
      conn.write(next.bytes, next.fds);
      next.resolve(this.objects.newParcel());
    }
  }

  /** `conn`'s top frame changed: a nested call waiting for it goes out, then oneways that
   *  waited for room. Returns false when `conn` can take nothing more now (the dispatcher and
   *  the waiting callers get it next, see SessionEngine.onAvailable). */
  takeNested(conn: Connection): boolean {
    const nested = conn.takeNestedWaiter();
    if (nested) { nested(conn); return true; }
    // oneways that waited for a connection under the mark go first, in order
    if (this.sendBacklog.length) this.sendBacklogged();
    return false;
  }

  /** Calls waiting for a connection take `conn` (free, or with room for pipelined calls). */
  available(conn: Connection): void {
    if (conn.closed || conn.outgoingFull) return;
    if (conn.idle && conn.outgoing && this.waiters.length) this.waiters.shift()!(conn);
    // calls still waiting may be pipelined behind the call now on the stack
    const depth = this.pipelineDepth;
    while (depth > 1 && this.waiters[0]?.topLevel && conn.hasPipelineRoom(depth)) {
      this.waiters.shift()!(conn);
    }
  }

  /** The session ended: everyone waiting fails with `dead`. */
  fail(dead: Error): void {
    for (const w of this.waiters) w.drop?.(dead);
    this.waiters.length = 0;
    for (const b of this.sendBacklog.splice(0)) { closeRawFds(this.core.platform.fds, b.fds); b.reject(dead); }
  }
}
