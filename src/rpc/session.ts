// RpcSession: a group of connections to one peer sharing an object table (libbinder
// RpcSession + RpcState). Client sessions come from RpcSession.connect(); server sessions are
// created by RpcServer. Both sides serve incoming transactions and make outgoing calls.
import { Parcel } from "../parcel/parcel.js";
import { ownBytes } from "../core/core.js";
import { portablePlatform, type Platform } from "../platform/platform.js";
import { ParcelError, ParcelErrorCode } from "../parcel/errors.js";
import { MAX_FDS_PER_MESSAGE, closeRawFds, dupRawFds } from "../parcel/file-descriptor.js";
import { Binder } from "../binder/binder.js";
import { BinderProxy, type ProxyHost } from "../binder/proxy.js";
import { BinderError, DeadObjectError, UnknownTransactionError } from "../binder/errors.js";
import { StatusCode } from "../binder/status.js";
import { FLAG_ONEWAY, type DeathRecipient, type IBinder } from "../binder/ibinder.js";
import type { ObjectCodec, RawAddress } from "../parcel/objects.js";
import { SpecialTransaction } from "../wire/structs.js";
import { Connection, DEFAULT_OUTGOING_HIGH_WATER, type CallFrame, type ConnectionOwner, type FdBatch, type ServeFrame } from "./connection.js";
import { FrameReader, ProtocolError, decStrongFrame, replyFrame, transactionFrame, type Incoming } from "./framing.js";
import { type Dialect, dialectName, parcelMode } from "./dialect.js";
import { RpcState, type Node, type OnewayIn } from "./state.js";
import { type AddressKey, type WireAddr } from "./address.js";
import type { ContextStore } from "../platform/context-store.js";
import { CallStores } from "./call-stores.js";
import type { PeerIdentity, TransportConnection } from "./transport.js";
import type { ByteQueue } from "./byte-queue.js";
import { type Logger, defaultLogger } from "./log.js";
import { LogLimiter, type LogRateLimit } from "./log-limiter.js";
import { IncomingWatch } from "./incoming-watch.js";
import { IdleWatch, type IdlePolicy } from "./idle-watch.js";
import type { ByteMeter } from "./budget.js";
import { DEFAULT_PIPELINE_DEPTH, FLAG_TOP_LEVEL, SPECIAL_PIPELINE_DEPTH } from "./pipelining.js";
import { LIBBINDER_MAX_BODY, SPECIAL_MAX_FRAME_BODY, frameBody } from "./frame-size.js";
import { TargetAcks, type AckTicket } from "./target-acks.js";
import { SIZES } from "../core/core.js";

/** What the code handling an incoming transaction runs inside. */
export interface CallContext {
  readonly session: RpcSession;
  readonly connection: Connection;
  readonly frame: ServeFrame | null;
  readonly peer: PeerIdentity;
}

/** Each platform's call-context store (call-stores.ts). */
const callStores = new CallStores<CallContext>();

/** The peer identity of the connection the current incoming call arrived on, or null when
 *  not inside an incoming call. */
export function getCallingIdentity(): PeerIdentity | null {
  return callStores.current()?.peer ?? null;
}

/** What a peer may make this side hold or do before its session is ended (docs/limits.md). */
export interface SessionLimits {
  /** Largest frame body accepted from the peer, in bytes (default 16 MiB). */
  maxFrameBody: number;
  /** Largest frame body sent to a peer that has not said it accepts more (default 100,000:
   *  libbinder's kMaxTransactionAllocation up to Android 15; Android 16 takes 600 KiB). A
   *  larger request or reply is refused with FAILED_TRANSACTION before anything is written.
   *  tsbinder peers agree on larger frames (frame-size.ts). */
  maxSentFrameBody: number;
  /** Entries in one parcel's object table (default 1,024; libbinder sends at most 253 fds). */
  maxParcelObjects: number;
  /** Oneway calls parked per object before the session is ended (libbinder: 10,000). */
  maxParkedOneways: number;
  /** Bytes of incoming calls held waiting (parked oneways, two-way calls queued behind a
   *  reply) per session (default 64 MiB). */
  maxQueuedBytes: number;
  /** Depth of nested calls on one connection (default 64). */
  maxNestingDepth: number;
  /** Top-level calls in flight on one connection, between tsbinder peers that agree to
   *  pipelining (pipelining.ts; default 16): what a client asks for and a server accepts.
   *  1 turns the extension off. */
  maxPipelinedCalls: number;
  /** Bytes a connection's transport may hold unsent (default 1 MiB). Past it the connection
   *  stops reading calls from the peer until they are sent, and our own new calls wait. */
  maxOutgoingQueueBytes: number;
  /** End the session when the peer returns references it was never given (default true).
   *  libbinder logs these and carries on; a correct peer never sends them. */
  strictRefcounts: boolean;
}
export const DEFAULT_SESSION_LIMITS: SessionLimits = {
  maxFrameBody: 16 * 1024 * 1024,
  maxSentFrameBody: LIBBINDER_MAX_BODY,
  maxParcelObjects: 1024,
  maxParkedOneways: 10_000,
  maxQueuedBytes: 64 * 1024 * 1024,
  maxNestingDepth: 64,
  maxPipelinedCalls: DEFAULT_PIPELINE_DEPTH,
  maxOutgoingQueueBytes: DEFAULT_OUTGOING_HIGH_WATER,
  strictRefcounts: true,
};

export interface SessionInit {
  dialect: Dialect;
  isServer: boolean;
  sessionId: Uint8Array | null;
  maxIncomingThreads: number;
  limits?: Partial<SessionLimits>;
  logger?: Logger;
  root?: () => IBinder | null;
  /** A frame that has started must be complete within this many ms, or the session ends
   *  (0: no limit; servers default to 30 s, see server.ts). */
  frameTimeoutMs?: number;
  /** The budget meter for a new connection's incoming frames (servers: budget.ts). */
  meter?: (conn: Connection) => ByteMeter | null;
  /** When a quiet session is ended (idle-watch.ts; servers only). */
  idle?: IdlePolicy;
  /** How repeated per-frame failures are logged (log-limiter.ts). */
  logRateLimit?: LogRateLimit;
  /** What its parcels, fds and call context go through (default portablePlatform). */
  platform?: Platform;
}

/** What a session has held of the peer's calls (tests and docs/limits.md numbers). */
export interface QueueStats {
  /** Bytes of calls held waiting now, and the most at once. */
  queuedBytes: number;
  peakQueuedBytes: number;
  /** The most out-of-order oneways parked on one object at once. */
  peakParked: number;
}

/** Sends on a connection once one is free; `drop` runs instead if the session ends first. */
type Waiter = ((conn: Connection) => void) & { drop?: (e: Error) => void; topLevel?: boolean };

export class RpcSession implements ConnectionOwner, ProxyHost {
  readonly dialect: Dialect;
  readonly isServer: boolean;
  /** 32-byte session id (null for r34 sessions, which have none). */
  sessionId: Uint8Array | null;
  /** What GET_MAX_THREADS answers: how many connections may serve calls on this side. */
  maxIncomingThreads: number;
  readonly limits: SessionLimits;
  readonly connections: Connection[] = [];
  private readonly state: RpcState;
  private readonly waiters: Waiter[] = [];
  private readonly endCallbacks: ((reason: Error | null) => void)[] = [];
  private readonly logger: Logger;
  private readonly rootProvider: (() => IBinder | null) | undefined;
  private ended: Error | null | undefined = undefined;
  private queuedBytes = 0;
  private peakQueuedBytes = 0;
  private peakParked = 0;
  /** Repeated per-frame failures go through this, not straight to the logger. */
  private readonly log: LogLimiter;
  private readonly frameTimeoutMs: number;
  private readonly meterFor: ((conn: Connection) => ByteMeter | null) | undefined;
  private readonly idle: IdleWatch | null;
  /** Frames in and calls out, for the idle policy. */
  private activity = 0;
  /** Calls in flight per connection agreed with the peer (1: one call per connection, as
   *  libbinder); `asked` while the client's SPECIAL_PIPELINE_DEPTH is on its way. */
  private pipeline: number | "asked" | null = null;
  /** Largest frame body the peer said it accepts (frame-size.ts); a promise while asking. */
  private peerMaxBody: number | Promise<number> | null = null;
  /** Whether the peer returns call targets' references (target-acks.ts). */
  private readonly targetAcks: TargetAcks;
  readonly codec: ObjectCodec;
  /** What this session's parcels, fds and call context go through. */
  readonly platform: Platform;
  private readonly contextStore: ContextStore<CallContext>;
  private readonly parcelOptions: { readonly platform: Platform };
  private readonly ownedParcelOptions: { readonly platform: Platform; readonly owned: true };

  constructor(init: SessionInit) {
    this.platform = init.platform ?? portablePlatform;
    this.contextStore = callStores.of(this.platform);
    this.parcelOptions = { platform: this.platform };
    this.ownedParcelOptions = { platform: this.platform, owned: true };
    this.dialect = init.dialect;
    this.isServer = init.isServer;
    this.sessionId = init.sessionId;
    this.maxIncomingThreads = init.maxIncomingThreads;
    this.limits = { ...DEFAULT_SESSION_LIMITS, ...init.limits };
    this.logger = init.logger ?? defaultLogger;
    this.log = new LogLimiter(this.logger, init.logRateLimit, this.platform.timers);
    this.rootProvider = init.root;
    // r34: neither rsbinder nor tsbinder counts call targets (see resolveTarget)
    this.targetAcks = new TargetAcks(this.dialect.r34 ? "kept" : "unknown");
    this.frameTimeoutMs = init.frameTimeoutMs ?? 0;
    this.meterFor = init.meter;
    this.idle = init.idle ? new IdleWatch({
      activity: () => this.activity,
      objectCount: () => this.state.size,
      busy: () => this.waiters.length > 0 || this.connections.some((c) => c.stack.length > 0 || c.onewayDrains.size > 0),
      end: (reason) => { this.logger.warn(`session ${this.label}: ending: ${reason.message}`); this.terminate(reason); },
    }, init.idle, this.platform.timers) : null;
    this.idle?.start();
    this.state = new RpcState(this, this.isServer, this.dialect.r34, () => {
      // libbinder: "RpcState has no binders left" ends the session
      queueMicrotask(() => { if (this.state.size === 0) this.shutdown(); });
    });
    this.codec = {
      writeBinder: (parcel, binder) => this.flattenBinder(parcel, binder),
      readBinder: (parcel, raw) => this.unflattenBinder(parcel, raw),
    };
  }

  /** The negotiated wire version (0, 1, 2), or "r34" for the Android 12 layout. */
  get protocolVersion(): number | "r34" { return this.dialect.r34 ? "r34" : this.dialect.version; }
  /** Calls in flight per connection agreed with the peer (1 until a client that needed more
   *  has asked a tsbinder peer; libbinder and rsbinder peers stay at 1). */
  get pipelineDepth(): number { return typeof this.pipeline === "number" ? this.pipeline : 1; }
  /** Number of objects (local and remote) this session tracks. */
  get objectCount(): number { return this.state.size; }
  get queueStats(): QueueStats {
    return { queuedBytes: this.queuedBytes, peakQueuedBytes: this.peakQueuedBytes, peakParked: this.peakParked };
  }

  /** A parcel for a call in this session (its dialect and object table). */
  newParcel(owned = false): Parcel {
    const p = new Parcel(owned ? this.ownedParcelOptions : this.parcelOptions);
    p._setMode(parcelMode(this.dialect));
    p._objects = this.codec;
    return p;
  }

  /** Register a callback for the end of the session (called once, with the reason). */
  onEnd(cb: (reason: Error | null) => void): void {
    if (this.ended !== undefined) queueMicrotask(() => cb(this.ended ?? null));
    else this.endCallbacks.push(cb);
  }

  // ---- connections --------------------------------------------------------------------

  /** @internal add a connection whose handshake is complete. */
  _addConnection(tc: TransportConnection, queue: ByteQueue, outgoing: boolean, earlyFds: FdBatch[] = []): Connection {
    const conn = new Connection(tc, queue, outgoing, this, this.limits.maxOutgoingQueueBytes);
    // fds that came during the handshake belong to frames already queued: before any is read
    conn.adoptEarlyFds(earlyFds);
    if (this.ended !== undefined) {
      // the session ended while this connection was being set up: nothing may use it (a call
      // sent on it would wait for a reply, and no end of the session would ever fail it)
      conn.close();
      return conn;
    }
    this.connections.push(conn);
    const meter = this.meterFor?.(conn) ?? null;
    const watch = meter || this.frameTimeoutMs > 0
      ? new IncomingWatch(conn, meter, this.frameTimeoutMs, (e) => this.onProtocolError(conn, e), this.platform.timers) : undefined;
    conn.beginFrames(new FrameReader(this.dialect, { maxBody: this.limits.maxFrameBody, maxObjects: this.limits.maxParcelObjects, watch, platform: this.platform }));
    if (outgoing) this.onAvailable(conn);
    return conn;
  }

  get outgoingCount(): number { return this.connections.filter((c) => c.outgoing).length; }
  get incomingCount(): number { return this.connections.filter((c) => !c.outgoing).length; }

  // ---- calls out ----------------------------------------------------------------------

  /** The root object the server exposes (GET_ROOT). */
  async getRoot(): Promise<IBinder | null> {
    const reply = await this.special(SpecialTransaction.GET_ROOT);
    try { return reply.readStrongBinder(); } finally { reply.dispose(); }
  }

  /** @internal a special transaction (address zero). */
  async special(code: number, writeArgs?: (data: Parcel) => void): Promise<Parcel> {
    if (this.ended !== undefined) throw new DeadObjectError();
    const data = this.newParcel(true);
    try {
      writeArgs?.(data);
      const bytes = transactionFrame(data, this.dialect, null, code, 0, 0);
      return await this.roundTrip(bytes, undefined);
    } finally { data.dispose(); }
  }

  transactProxy(proxy: BinderProxy, code: number, data: Parcel, flags: number): Promise<Parcel> {
    return this.transactOut(proxy, code, data, flags, undefined) as Promise<Parcel>;
  }

  transactProxyRead<T>(proxy: BinderProxy, code: number, data: Parcel, flags: number, read: (reply: Parcel) => T): Promise<T> {
    // a oneway call has no reply to read: `read` gets the empty parcel transact() gives
    if (flags & FLAG_ONEWAY) return this.transactOut(proxy, code, data, flags, undefined).then((p) => readReply(p as Parcel, read));
    return this.transactOut(proxy, code, data, flags, read) as Promise<T>;
  }

  /** Send a transaction on `proxy`. With `read`, the reply is read (and disposed) as it arrives
   *  and the promise settles with what `read` gives; else it resolves with the reply. */
  private transactOut(proxy: BinderProxy, code: number, data: Parcel, flags: number, read: ((reply: Parcel) => unknown) | undefined): Promise<unknown> {
    if (this.ended !== undefined) return Promise.reject(new DeadObjectError());
    this.activity++;
    let bytes: Uint8Array;
    let topLevel = false;
    let ticket: AckTicket | null = null;
    let node: Node | undefined;
    let counted = false;
    const oneway = (flags & FLAG_ONEWAY) !== 0;
    try {
      if (data._objects !== this.codec && (data._hasBinders || data._mode() !== parcelMode(this.dialect))) {
        // binders in it were flattened for another owner, or its layout is another dialect's
        throw new BinderError(StatusCode.BAD_TYPE, "parcel was not made for this session: obtain it with binder.newParcel()");
      }
      node = this.state.nodes.get(proxy._key);
      if (!node || node.local) throw new DeadObjectError("proxy no longer belongs to this session");
      // transacting on a proxy counts as sending it (a libbinder peer returns the reference;
      // one that does not is found out by target-acks.ts)
      counted = this.targetAcks.counting;
      const addr = counted ? this.state.proxyLeaving(proxy._key) : node.addr;
      if (counted) ticket = this.targetAcks.sending(node, oneway);
      const asyncNumber = oneway ? node.asyncNumber++ : 0;
      // once pipelining is agreed, a top-level call says so: the peer must never take it for
      // a nested call (pipelining.ts)
      topLevel = !oneway && this.pipelineDepth > 1 && !this.nestedContext();
      if (topLevel) flags |= FLAG_TOP_LEVEL;
      // a view of linear memory, valid until the next core call: it is sent (or copied) below
      // before anything calls into the core again
      bytes = transactionFrame(data, this.dialect, addr, code, flags, asyncNumber, true);
    } catch (e) {
      return Promise.reject(e);
    }
    let fds: number[] | undefined;
    try {
      fds = this.outgoingFds(data);
    } catch (e) {
      this.unsend(node!, counted, ticket, oneway);
      return Promise.reject(e);
    }
    const body = frameBody(bytes, this.headerSize);
    if (body > this.sendLimit) {
      // the peer has not said it takes frames this large (frame-size.ts)
      if (oneway || this.peerMaxBody !== null && typeof this.peerMaxBody === "number" || this.isServer || this.dialect.r34) {
        this.unsend(node!, counted, ticket, oneway);
        closeRawFds(this.platform.fds, fds);
        return Promise.reject(this.tooLarge("request", body));
      }
      const own = ownBytes(this.platform.bytes, bytes);
      const n = node!;
      return this.askFrameSize().then((limit) => {
        if (body <= limit && this.ended === undefined) return this.roundTrip(own, fds, topLevel, false, read, ticket);
        this.unsend(n, counted, ticket, false);
        closeRawFds(this.platform.fds, fds);
        throw this.ended !== undefined ? new DeadObjectError() : this.tooLarge("request", body);
      });
    }
    if (oneway) {
      try {
        const conn = this.sendBacklog.length === 0 ? this.onewayConnection() : null;
        if (!conn) return this.backlog(ownBytes(this.platform.bytes, bytes), fds);
        conn.write(bytes, fds, false, true);
      } catch (e) {
        closeRawFds(this.platform.fds, fds);
        return Promise.reject(e);
      }
      const empty = this.newParcel();
      return Promise.resolve(empty);
    }
    return this.roundTrip(bytes, fds, topLevel, true, read, ticket);
  }

  /** A transaction counted as sent was not: undo what transactOut counted for it. */
  private unsend(node: Node, counted: boolean, ticket: AckTicket | null, oneway: boolean): void {
    if (oneway) node.asyncNumber--;
    if (!counted) return;
    this.targetAcks.unsent(node, ticket);
    this.state.forgetSent(node, 1);
  }

  /** Bytes in front of a frame's body (RpcWireHeader, and the r34 length prefix). */
  private get headerSize(): number { return SIZES.wireHeader + (this.dialect.r34 ? SIZES.r34Prefix : 0); }

  /** Largest frame body we may send the peer now. */
  private get sendLimit(): number {
    return typeof this.peerMaxBody === "number" ? this.peerMaxBody : this.limits.maxSentFrameBody;
  }

  private tooLarge(what: "request" | "reply", body: number): BinderError {
    return new BinderError(StatusCode.FAILED_TRANSACTION,
      `${what} of ${body} bytes is larger than the ${this.sendLimit} bytes the peer accepts (libbinder: 100,000 up to Android 15, 600 KiB from 16; SessionLimits.maxSentFrameBody)`);
  }

  /** Agree on larger frames with a tsbinder server (frame-size.ts; the client does it at
   *  connect, so this answers what was agreed). Resolves with the largest body this side may
   *  send; libbinder and rsbinder servers decline (the limit stays), as do r34 sessions. A
   *  server session resolves with its current limit. */
  agreeFrameSize(): Promise<number> {
    if (this.isServer || this.dialect.r34) return Promise.resolve(this.sendLimit);
    return this.askFrameSize();
  }

  /** A client on the versioned wire asks the peer, once, how large a frame it accepts (a
   *  tsbinder extension: libbinder and rsbinder answer UNKNOWN_TRANSACTION). */
  private askFrameSize(): Promise<number> {
    if (typeof this.peerMaxBody === "number") return Promise.resolve(this.peerMaxBody);
    if (this.peerMaxBody) return this.peerMaxBody;
    const fallback = this.limits.maxSentFrameBody;
    const asked = this.special(SPECIAL_MAX_FRAME_BODY, (d) => d.writeInt32(Math.min(this.limits.maxFrameBody, 0x7fffffff))).then((reply) => {
      let agreed = fallback;
      try { agreed = reply.readInt32(); } catch { /* a short answer agrees to nothing */ } finally { reply.dispose(); }
      return agreed > 0 ? agreed : fallback;
    }, () => fallback).then((limit) => (this.peerMaxBody = limit));
    this.peerMaxBody = asked;
    return asked;
  }

  /** Duplicates of the fds of an outgoing parcel, for the transport to send and close (so the
   *  caller may close its own as soon as transact() returns, even if the frame waits for a
   *  free connection). Refuses what the session cannot carry before anything is sent. */
  private outgoingFds(p: Parcel): number[] | undefined {
    const n = p._fds.length;
    if (n === 0) return undefined;
    if (!this.dialect.fds) throw new BinderError(StatusCode.FDS_NOT_ALLOWED, "this session does not carry file descriptors (connect with fileDescriptors: true, wire v1+, over a transport that can pass them)");
    if (n > MAX_FDS_PER_MESSAGE) throw new BinderError(StatusCode.BAD_VALUE, `${n} file descriptors in one message (at most ${MAX_FDS_PER_MESSAGE})`);
    try {
      return dupRawFds(this.platform.fds, p._fds);
    } catch (e) {
      throw new BinderError(StatusCode.BAD_VALUE, `cannot duplicate a file descriptor of the parcel: ${(e as Error)?.message ?? e}`);
    }
  }

  /** Send a two-way call and wait for its reply. `topLevel`: the frame carries FLAG_TOP_LEVEL,
   *  so it may be pipelined behind another call. `borrowed`: `bytes` is a view of linear
   *  memory, sent at once or copied. */
  private roundTrip(bytes: Uint8Array, fds: readonly number[] | undefined, topLevel = false, borrowed = false,
      read?: (reply: Parcel) => unknown, ack: AckTicket | null = null): Promise<any> {
    return new Promise<unknown>((resolve, reject) => {
      try {
        // the common case: a connection is free now, so no waiter is made
        const now = this.connectionNow();
        if (now) return now.call(bytes, fds, resolve, reject, borrowed, read, ack);
        // anything below may call into the core (asking for a pipeline): own the frame first
        if (borrowed) bytes = ownBytes(this.platform.bytes, bytes);
        const conn = this.pipelineConnection(topLevel);
        if (conn) return conn.call(bytes, fds, resolve, reject, false, read, ack);
        const send: Waiter = (c) => c.call(bytes, fds, resolve, reject, false, read, ack);
        send.drop = (e) => { closeRawFds(this.platform.fds, fds); reject(e); };
        send.topLevel = topLevel;
        this.waitForConnection(send, (e) => { closeRawFds(this.platform.fds, fds); reject(e); });
      } catch (e) { closeRawFds(this.platform.fds, fds); reject(e as Error); }
    });
  }

  /** A connection we may send a two-way call on right now, or null. Inside an incoming call,
   *  libbinder sends nested calls on the connection the caller is blocked on (when our serve
   *  frame is on top); outside, any free outgoing connection. */
  private connectionNow(): Connection | null {
    const ctx = this.nestedContext();
    if (ctx) return ctx.connection.top() === ctx.frame ? ctx.connection : null;
    for (const c of this.connections) if (c.outgoing && !c.closed && c.stack.length === 0 && !c.outgoingFull) return c;
    return null;
  }

  /** Inside one of the peer's calls to this session (its reply not sent yet): the context,
   *  whose connection and serve frame our calls nest on. */
  private nestedContext(): (CallContext & { frame: ServeFrame }) | null {
    const ctx = this.contextStore.get();
    return ctx && ctx.session === this && ctx.frame && !ctx.connection.closed && ctx.frame.reply === null
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
    let best: Connection | null = null;
    for (const c of this.connections) {
      if (c.hasPipelineRoom(depth) && (!best || c.pipelined.length < best.pipelined.length)) best = c;
    }
    return best;
  }

  /** Client sessions on the versioned wire ask the server once for a pipeline depth. */
  private askPipeline(): void {
    const want = Math.floor(this.limits.maxPipelinedCalls);
    if (this.isServer || this.dialect.r34 || !(want > 1) || this.ended !== undefined) { this.pipeline = 1; return; }
    this.pipeline = "asked";
    this.special(SPECIAL_PIPELINE_DEPTH, (d) => d.writeInt32(want)).then((reply) => {
      let agreed = 1;
      try { agreed = reply.readInt32(); } catch { /* a short answer agrees to nothing */ } finally { reply.dispose(); }
      this.pipeline = Math.max(1, Math.min(want, agreed | 0));
      if (this.pipeline > 1) for (const c of this.connections) this.onAvailable(c);
    }, () => {
      // libbinder and rsbinder: UNKNOWN_TRANSACTION; one call per connection, as they expect
      this.pipeline = 1;
    });
  }

  /** Queue `use` for a connection when connectionNow() had none: the nested connection once
   *  our frame is on top again, else the next free outgoing connection; a side with no
   *  outgoing connections may still call nested on a connection whose peer is waiting for us. */
  private waitForConnection(use: Waiter, reject: (e: Error) => void): void {
    const ctx = this.nestedContext();
    if (ctx) {
      ctx.connection.nestedWaiters.push({ frame: ctx.frame, take: use });
      return;
    }
    if (this.connections.some((c) => c.outgoing && !c.closed)) {
      this.waiters.push(use);
      return;
    }
    for (const c of this.connections) if (!c.closed && c.peerWaiting()) return use(c);
    reject(new BinderError(StatusCode.WOULD_BLOCK,
      "session has no outgoing connections (the peer opened no incoming threads) and no call is waiting on us"));
  }

  /** A connection for a oneway call or a refcount command: written at once, no wait. */
  private pickConnectionNow(): Connection {
    let fallback: Connection | null = null;
    for (const c of this.connections) {
      if (c.closed) continue;
      if (c.outgoing && c.stack.length === 0) return c;
      if (!fallback && (c.outgoing || c.peerWaiting())) fallback = c;
    }
    const ctx = this.contextStore.get();
    if (ctx && ctx.session === this && !ctx.connection.closed) return ctx.connection;
    if (fallback) return fallback;
    // nobody is reading for us specifically, but the peer reads every connection it serves
    const any = this.connections.find((c) => !c.closed);
    if (any) return any;
    throw new DeadObjectError();
  }

  /** A connection for a oneway call: pickConnectionNow()'s, or another whose queue is not
   *  full; null when every usable one is full (the call waits in sendBacklog). */
  private onewayConnection(): Connection | null {
    const first = this.pickConnectionNow();
    if (!first.outgoingFull) return first;
    for (const c of this.connections) if (!c.closed && !c.outgoingFull && (c.outgoing || c.peerWaiting())) return c;
    return null;
  }

  /** Oneway calls made while every connection was full, in the order made: sent, in that
   *  order, as queues drain (a caller that outruns the connection waits, its promise pending,
   *  instead of this side buffering without bound). */
  private readonly sendBacklog: { bytes: Uint8Array; fds: number[] | undefined; resolve: (p: Parcel) => void; reject: (e: Error) => void }[] = [];

  private backlog(bytes: Uint8Array, fds: number[] | undefined): Promise<Parcel> {
    return new Promise<Parcel>((resolve, reject) => this.sendBacklog.push({ bytes, fds, resolve, reject }));
  }

  private sendBacklogged(): void {
    const q = this.sendBacklog;
    while (q.length && this.ended === undefined) {
      let conn: Connection | null;
      try { conn = this.onewayConnection(); } catch { return; }
      if (!conn) return;
      const next = q.shift()!;
      conn.write(next.bytes, next.fds);
      next.resolve(this.newParcel());
    }
  }

  onAvailable(conn: Connection): void {
    if (conn.closed) return;
    const top = conn.top();
    if (top && top.kind === "serve" && top.reply === null && conn.nestedWaiters.length) {
      const i = conn.nestedWaiters.findIndex((w) => w.frame === top);
      if (i >= 0) {
        const [w] = conn.nestedWaiters.splice(i, 1);
        w!.take(conn);
        return;
      }
    }
    // oneways that waited for a connection under the mark go first, in order
    if (this.sendBacklog.length) this.sendBacklogged();
    // a full connection takes nothing more until its queue drains (Connection.outgoingFull)
    if (conn.outgoingFull) return;
    if (conn.stack.length === 0) {
      // serve two-way calls that queued up behind our reply, before new calls of ours
      const next = conn.deferred.shift() as Extract<Incoming, { cmd: 0 }> | undefined;
      if (next) {
        this.queuedBytes -= next.parcel.dataSize;
        this.serveTwoWay(conn, next);
        return;
      }
      if (conn.outgoing && this.waiters.length) this.waiters.shift()!(conn);
    }
    // calls still waiting may be pipelined behind the call now on the stack
    const depth = this.pipelineDepth;
    while (depth > 1 && this.waiters[0]?.topLevel && conn.hasPipelineRoom(depth)) {
      this.waiters.shift()!(conn);
    }
  }

  // ---- commands in ----------------------------------------------------------------------

  onCommand(conn: Connection, cmd: Incoming): void {
    // the end of the session may release a connection's reads before it closes that
    // connection (another one gives its bytes back to a shared budget): nothing more is served
    if (this.ended !== undefined) {
      if (cmd.cmd !== 2) cmd.parcel.dispose();
      return;
    }
    this.activity++;
    switch (cmd.cmd) {
      case 1: {
        const frame = conn.popCall();
        if (!frame) {
          cmd.parcel.dispose();
          throw new ProtocolError("REPLY with no call waiting for it");
        }
        if (frame.ack) this.learnTargetAcks(frame.ack as AckTicket, cmd.status === StatusCode.OK);
        if (cmd.status !== StatusCode.OK) {
          cmd.parcel.dispose();
          frame.reject(cmd.status === StatusCode.UNKNOWN_TRANSACTION ? new UnknownTransactionError() :
            cmd.status === StatusCode.DEAD_OBJECT ? new DeadObjectError() : new BinderError(cmd.status));
        } else {
          cmd.parcel._objects = this.codec;
          if (frame.read) settleRead(frame, cmd.parcel);
          else frame.resolve(cmd.parcel);
        }
        return;
      }
      case 2: {
        if (this.targetAcks.state === "unknown") {
          const target = this.state.lookup(cmd.addr);
          if (target) this.targetAcks.returned(target);
        }
        const problem = this.state.decStrong(cmd.addr, cmd.amount);
        if (problem) {
          if (this.limits.strictRefcounts) throw new ProtocolError(problem);
          this.log.warn("refcount", `session ${this.label}: ${problem} (ignored, as libbinder does)`);
        }
        return;
      }
      case 0: {
        if (cmd.flags & FLAG_ONEWAY) return this.serveOneway(conn, cmd);
        if ((cmd.flags & FLAG_TOP_LEVEL) && this.pipelineDepth > 1) return this.servePipelined(conn, cmd);
        const top = conn.top();
        if (top && top.kind === "serve") {
          // the peer started another call while we still owe a reply: serve it after
          conn.deferred.push(cmd);
          this.holdQueued(cmd.parcel.dataSize);
          return;
        }
        if (conn.stack.length >= this.limits.maxNestingDepth) {
          cmd.parcel.dispose();
          throw new ProtocolError(`calls nested ${conn.stack.length} deep on one connection`);
        }
        this.serveTwoWay(conn, cmd);
      }
    }
  }

  /** The reply to a call whose ticket may tell whether the peer returns call targets. */
  private learnTargetAcks(ticket: AckTicket, ok: boolean): void {
    const forget = this.targetAcks.replied(ticket, ok);
    if (!forget) return;
    this.logger.debug?.(`session ${this.label}: the peer does not return call targets' references (rsbinder): not counting them`);
    for (const [node, n] of forget) this.state.forgetSent(node, n);
  }

  /** A call the client marked top-level (pipelining.ts): never nested; served once this
   *  connection has nothing else going on, in the order such calls arrived. */
  private servePipelined(conn: Connection, tx: Extract<Incoming, { cmd: 0 }>): void {
    tx.flags &= ~FLAG_TOP_LEVEL;
    if (conn.stack.length === 0 && conn.deferred.length === 0) return this.serveTwoWay(conn, tx);
    if (conn.deferred.length + 1 >= this.pipelineDepth) {
      tx.parcel.dispose();
      throw new ProtocolError(`peer pipelined more than the ${this.pipelineDepth} calls per connection agreed`);
    }
    conn.deferred.push(tx);
    this.holdQueued(tx.parcel.dataSize);
  }

  /** Count bytes of incoming calls held waiting; a peer that piles up more ends its session. */
  private holdQueued(bytes: number): void {
    this.queuedBytes += bytes;
    if (this.queuedBytes > this.peakQueuedBytes) this.peakQueuedBytes = this.queuedBytes;
    if (this.queuedBytes > this.limits.maxQueuedBytes) {
      throw new ProtocolError(`peer queued ${this.queuedBytes} bytes of calls (limit ${this.limits.maxQueuedBytes})`);
    }
  }

  private serveTwoWay(conn: Connection, tx: Extract<Incoming, { cmd: 0 }>): void {
    const frame: ServeFrame = { kind: "serve", reply: null, replyFds: undefined };
    conn.stack.push(frame);
    // libbinder's connection thread finishes the oneways it started before the next command
    if (conn.onewayDrains.size) void Promise.all(conn.onewayDrains).then(() => this.execute(conn, frame, tx));
    else this.execute(conn, frame, tx);
  }

  /** Run a two-way transaction. A handler that answers synchronously is replied to in the same
   *  turn with no promise made; an asynchronous one is finished when it settles. */
  private execute(conn: Connection, frame: ServeFrame, tx: Extract<Incoming, { cmd: 0 }>): void {
    const reply = this.newParcel(true);
    let target: Node | null = null;
    let result: number | PromiseLike<number>;
    tx.parcel._objects = this.codec;
    try {
      if (tx.addr === null) {
        result = this.answerSpecial(tx.code, tx.parcel, reply);
      } else {
        target = this.resolveTarget(tx.addr);
        const ctx: CallContext = { session: this, connection: conn, frame, peer: conn.transport.peer };
        const binder = target.local!;
        result = this.contextStore.run(ctx, () => binder._dispatch(tx.code, tx.parcel, reply, tx.flags));
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

  private finishExecute(conn: Connection, frame: ServeFrame, tx: Extract<Incoming, { cmd: 0 }>, reply: Parcel, target: Node | null, status: number): void {
    tx.parcel.dispose();
    if (this.ended !== undefined || conn.closed) { reply.dispose(); return; }
    // a stub's result held descriptors this session cannot carry: all were closed (parcel.ts),
    // and the call failed as libbinder's stub would (no references returned, as after any failure)
    if (reply._fdsRefused && status === StatusCode.OK) { reply.reset(); status = StatusCode.FDS_NOT_ALLOWED; }
    // libbinder returns the reference the call target arrived with just before the reply:
    // both frames go out in one buffer (two writes when the reply carries fds, below)
    let refs: { addr: WireAddr; amount: number } | null = null;
    if (target && status === StatusCode.OK && !this.dialect.r34) {
      const n = this.state.takeExcessRefs(target);
      if (n > 0) refs = { addr: target.addr, amount: n };
    }
    let bytes: Uint8Array;
    let fds: readonly number[] | undefined;
    try {
      fds = status === StatusCode.OK ? this.outgoingFds(reply) : undefined;
      if (fds && refs) {
        // fds ride with the first byte of their own message (connection.ts onData): the
        // DEC_STRONG goes first, in a write of its own, as libbinder sends it
        conn.write(decStrongFrame(this.dialect, refs.addr, refs.amount, this.platform.bytes));
        refs = null;
      }
      bytes = replyFrame(reply, this.dialect, status, refs, true);
      const lead = refs ? SIZES.wireHeader + SIZES.decStrong : 0;
      const body = frameBody(bytes, this.headerSize, lead);
      if (body > this.sendLimit) {
        // libbinder (Android 16) answers FAILED_TRANSACTION rather than send such a reply
        throw this.tooLarge("reply", body);
      }
    } catch (e) {
      // the duplicates made for a reply that is not sent are ours to close
      closeRawFds(this.platform.fds, fds);
      fds = undefined;
      reply.reset();
      bytes = replyFrame(reply, this.dialect, this.failureStatus(e, conn), refs, true);
    }
    // `bytes` is a view of the reply parcel's memory: sent or copied here, before it is disposed
    conn.finishServe(frame, bytes, fds, true);
    // the connection sends (and closes) duplicates; what the service wrote stays its own
    // (unless written with takeOwnership, as generated stubs write results: closed here)
    reply.dispose();
  }

  private serveOneway(conn: Connection, tx: OnewayIn): void {
    tx.parcel._objects = this.codec;
    let target: Node;
    try {
      if (tx.addr === null) throw new ProtocolError("oneway special transaction");
      target = this.resolveTarget(tx.addr);
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
      // the chain never rejects: two-way calls wait on it (onewayDrains), and a failure in its
      // own bookkeeping (not a handler's: those are logged) leaves the queue unusable
      const chain = this.runOneways(conn, target, tx).catch((e: unknown) => this.onProtocolError(conn, e));
      conn.onewayDrains.add(chain);
      void chain.finally(() => conn.onewayDrains.delete(chain));
      return;
    }
    const parked = target.parked;
    if (parked.length >= this.limits.maxParkedOneways) {
      tx.parcel.dispose();
      throw new ProtocolError(`${parked.length + 1} oneway calls parked on one object (limit ${this.limits.maxParkedOneways})`);
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
    node.onewayRunning = true;
    try {
      let tx = first, from = conn;
      for (;;) {
        node.asyncNumber++;
        await this.runOneway(from, node, tx);
        if (this.ended !== undefined) return;
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
      if (this.ended !== undefined) { w.tx.parcel.dispose(); continue; }
      try { this.takeOneway(w.conn, node, w.tx); } catch (e) { this.onProtocolError(w.conn, e); }
      w.conn.unstall();
    }
    if (this.ended !== undefined || node.onewayRunning) return;
    // libbinder returns the targets' references once the queue has drained
    if (!this.dialect.r34 && node.parked.length === 0) {
      const n = this.state.takeExcessRefs(node);
      if (n > 0) this.sendRefcount(decStrongFrame(this.dialect, node.addr, n, this.platform.bytes), conn);
    }
    this.state.settle(node);
  }

  /** One oneway call; what fails is logged (rate-limited), there is no one to tell. */
  private async runOneway(conn: Connection, node: Node, tx: OnewayIn): Promise<void> {
    const reply = this.newParcel(true);
    try {
      const ctx: CallContext = { session: this, connection: conn, frame: null, peer: conn.transport.peer };
      const status = await this.contextStore.run(ctx, () => node.local!._dispatch(tx.code, tx.parcel, reply, tx.flags));
      if (status !== StatusCode.OK) this.log.warn("oneway-status", `session ${this.label}: oneway call ${tx.code} failed with ${status}`);
    } catch (e) {
      this.log.warn("oneway-threw", `session ${this.label}: oneway call ${tx.code} threw: ${(e as Error)?.message ?? e}`);
    } finally {
      reply.dispose();
      tx.parcel.dispose();
    }
  }

  private resolveTarget(addr: WireAddr): Node {
    // On the versioned wire a call target is a reference the caller sent us (libbinder
    // onBinderEntering; returned before the reply). The r34 dialect counts it on neither side
    // (see transactProxy; rsbinder sends no target DEC_STRONG), so only look the node up:
    // counting it would leave timesRecd that nothing returns and the node never erased.
    const node = this.dialect.r34 ? this.state.lookup(addr) : this.state.entering(addr);
    if (!node?.local) throw new ProtocolError(`transaction to an address that is not a local object`);
    return node;
  }

  private answerSpecial(code: number, data: Parcel, reply: Parcel): number {
    switch (code) {
      case SpecialTransaction.GET_ROOT:
        if (!this.isServer) return StatusCode.UNKNOWN_TRANSACTION;
        reply.writeStrongBinder(this.rootProvider?.() ?? null);
        return StatusCode.OK;
      case SpecialTransaction.GET_MAX_THREADS:
        reply.writeInt32(this.maxIncomingThreads);
        return StatusCode.OK;
      case SpecialTransaction.GET_SESSION_ID:
        if (!this.sessionId) return StatusCode.UNKNOWN_TRANSACTION;
        reply.writeByteArray(this.sessionId);
        return StatusCode.OK;
      case SPECIAL_PIPELINE_DEPTH: {
        // the tsbinder extension: a server session on the versioned wire agrees to a depth
        if (!this.isServer || this.dialect.r34) return StatusCode.UNKNOWN_TRANSACTION;
        const want = data.readInt32();
        const agreed = Math.max(1, Math.min(want, Math.floor(this.limits.maxPipelinedCalls)));
        this.pipeline = agreed;
        reply.writeInt32(agreed);
        return StatusCode.OK;
      }
      case SPECIAL_MAX_FRAME_BODY: {
        // the tsbinder extension (frame-size.ts): the client says what it accepts, we answer
        if (!this.isServer || this.dialect.r34) return StatusCode.UNKNOWN_TRANSACTION;
        const theirs = data.readInt32();
        if (theirs > 0) this.peerMaxBody = theirs;
        reply.writeInt32(Math.min(this.limits.maxFrameBody, 0x7fffffff));
        return StatusCode.OK;
      }
      default:
        return StatusCode.UNKNOWN_TRANSACTION;
    }
  }

  private failureStatus(e: unknown, conn: Connection): number {
    if (e instanceof BinderError) return e.status;
    if (e instanceof ProtocolError) {
      // the peer addressed something it may not: libbinder terminates the session
      queueMicrotask(() => this.onProtocolError(conn, e));
      return StatusCode.BAD_VALUE;
    }
    if (e instanceof ParcelError) return e.errno === ParcelErrorCode.FDS_NOT_ALLOWED ? StatusCode.FDS_NOT_ALLOWED : StatusCode.BAD_VALUE;
    this.log.warn("handler-threw", `session ${this.label}: transaction handler threw: ${(e as Error)?.stack ?? e}`);
    return StatusCode.UNKNOWN_ERROR;
  }

  // ---- objects in parcels -------------------------------------------------------------

  private flattenBinder(parcel: Parcel, binder: IBinder): void {
    let addr: WireAddr;
    if (binder instanceof BinderProxy) {
      if (binder._host !== this) throw new BinderError(StatusCode.INVALID_OPERATION, "cannot send a proxy that belongs to another session");
      addr = this.state.proxyLeaving(binder._key);
    } else if (binder instanceof Binder) {
      addr = this.state.localLeaving(binder);
    } else {
      throw new BinderError(StatusCode.INVALID_OPERATION, "only Binder objects and proxies of this session can be sent");
    }
    if (addr.r34) parcel._writeBinderR34(addr.r34);
    else parcel._writeBinderAddress(addr.options, addr.id, STABILITY_SYSTEM);
  }

  private unflattenBinder(_parcel: Parcel, raw: RawAddress): IBinder {
    const addr: WireAddr = raw.r34 ? { options: 0, id: 0, r34: raw.r34 } : { options: raw.options, id: raw.id };
    const node = this.state.entering(addr);
    if (node.local) {
      // our own object came back: return the extra references at once
      const n = this.state.takeExcessRefs(node);
      if (n > 0) this.sendRefcount(decStrongFrame(this.dialect, node.addr, n, this.platform.bytes));
      return node.local;
    }
    return this.state.proxyFor(node);
  }

  private sendRefcount(bytes: Uint8Array, prefer?: Connection): void {
    if (this.ended !== undefined) return;
    try {
      const ctx = this.contextStore.get();
      const conn = prefer && !prefer.closed ? prefer
        : ctx && ctx.session === this && !ctx.connection.closed ? ctx.connection : this.pickConnectionNow();
      conn.write(bytes);
    } catch { /* session ending: nothing to return to */ }
  }

  releaseProxy(key: AddressKey, proxy: BinderProxy | null): void {
    if (this.ended !== undefined) return;
    const give = this.state.releaseProxy(key, proxy);
    if (!give) return;
    if (this.dialect.r34) {
      // r34 DEC_STRONG returns one reference per message
      for (let i = 0; i < give.amount; i++) this.sendRefcount(decStrongFrame(this.dialect, give.addr, 1, this.platform.bytes));
    } else {
      this.sendRefcount(decStrongFrame(this.dialect, give.addr, give.amount, this.platform.bytes));
    }
  }

  isAlive(): boolean { return this.ended === undefined; }

  linkToDeath(key: AddressKey, proxy: BinderProxy, recipient: DeathRecipient): void {
    if (this.ended !== undefined) throw new DeadObjectError();
    const node = this.state.nodes.get(key);
    if (!node) throw new DeadObjectError("proxy no longer belongs to this session");
    void proxy;
    node.recipients.push(recipient);
  }

  unlinkToDeath(key: AddressKey, recipient: DeathRecipient): boolean {
    const node = this.state.nodes.get(key);
    if (!node) return false;
    const i = node.recipients.indexOf(recipient);
    if (i < 0) return false;
    node.recipients.splice(i, 1);
    return true;
  }

  // ---- the end --------------------------------------------------------------------------

  onProtocolError(conn: Connection, e: unknown): void {
    const reason = e instanceof Error ? e : new Error(String(e));
    this.logger.warn(`session ${this.label}: ending: ${reason.message} (on ${conn.transport.description})`);
    this.terminate(reason);
  }

  onConnectionEnd(conn: Connection, error?: Error): void {
    // the peer's side is gone: close ours too, so every transport releases what it holds
    // (a descriptor, a reactor registration) without a special case of its own
    conn.close();
    if (this.ended === undefined) this.terminate(error ?? null);
  }

  /** End the session: close every connection, fail pending calls with DeadObjectError and
   *  notify death recipients (once). */
  shutdown(): void { this.terminate(null); }

  private terminate(reason: Error | null): void {
    if (this.ended !== undefined) return;
    this.ended = reason;
    this.idle?.stop();
    this.log.flush();
    const dead = new DeadObjectError(reason ? `session ended: ${reason.message}` : undefined);
    for (const conn of this.connections) {
      conn.close();
      for (const f of conn.stack) {
        if (f.kind === "call") f.reject(dead);
        else if (f.replyFds) closeRawFds(this.platform.fds, f.replyFds); // a reply that never left
      }
      conn.stack.length = 0;
      for (const f of conn.pipelined.splice(0)) f.reject(dead);
      for (const d of conn.deferred) if (d.cmd !== 2) d.parcel.dispose();
      conn.deferred.length = 0;
      for (const w of conn.nestedWaiters) w.take.drop?.(dead);
      conn.nestedWaiters.length = 0;
    }
    for (const w of this.waiters) w.drop?.(dead);
    this.waiters.length = 0;
    for (const b of this.sendBacklog.splice(0)) { closeRawFds(this.platform.fds, b.fds); b.reject(dead); }
    for (const { proxy, recipients } of this.state.terminate()) {
      for (const r of recipients) {
        try { r(proxy ?? (deadProxy(this) as IBinder)); } catch (e) {
          this.logger.warn(`death recipient threw: ${(e as Error)?.message ?? e}`);
        }
      }
    }
    for (const cb of this.endCallbacks.splice(0)) {
      try { cb(reason); } catch { /* a callback's failure is its own */ }
    }
  }

  get label(): string {
    const id = this.sessionId ? Array.from(this.sessionId.subarray(0, 4), (b) => b.toString(16).padStart(2, "0")).join("") : "r34";
    return `${this.isServer ? "server" : "client"}:${id} (${dialectName(this.dialect)})`;
  }
}

const STABILITY_SYSTEM = 0x0c;

/** A stand-in passed to death recipients whose proxy object was already collected. */
function deadProxy(session: RpcSession): BinderProxy {
  const p = new BinderProxy(session, -1);
  p.dispose();
  return p;
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
function readReply<T>(reply: Parcel, read: (reply: Parcel) => T): T {
  try { return read(reply); } finally { reply.dispose(); }
}
