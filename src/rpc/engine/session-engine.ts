// The inside of an RpcSession (libbinder RpcSession + RpcState): a group of connections to one
// peer sharing an object table. It ties the parts together — the object table, the call
// router (our calls out), the dispatcher (the peer's commands in) — adds connections whose
// handshake is done, and ends the session. The public RpcSession (../session.ts) is a small
// facade over it.
import type { Parcel } from "../../parcel/parcel.js";
import type { Platform } from "../../platform/platform.js";
import { DeadObjectError } from "../../binder/errors.js";
import type { BinderProxy, ProxyHost } from "../../binder/proxy.js";
import type { DeathRecipient, IBinder } from "../../binder/ibinder.js";
import { FLAG_ONEWAY } from "../../binder/ibinder.js";
import { SpecialTransaction } from "../../wire/structs.js";
import type { AddressKey } from "../address.js";
import type { TransportConnection } from "../transport.js";
import type { ByteQueue } from "../byte-queue.js";
import { IncomingWatch } from "./incoming-watch.js";
import { IdleWatch } from "../idle-watch.js";
import type { ByteMeter } from "../budget.js";
import { Connection, type ConnectionOwner, type FdBatch } from "./connection.js";
import { FrameReader, type Incoming } from "./frame-reader.js";
import { SessionCore } from "./session-core.js";
import { ObjectTable } from "./object-table.js";
import { CallRouter } from "./call-router.js";
import { Dispatcher, readReply } from "./dispatcher.js";
import type { QueueStats, SessionInit } from "./limits.js";

/** How a connection whose handshake is done joins a session. */
export interface ConnectionJoin {
  /** We may start top-level calls on it (libbinder: an "outgoing" connection). */
  outgoing: boolean;
  /** Fds that came during the handshake: they belong to frames already queued. */
  earlyFds?: FdBatch[];
}

export class SessionEngine implements ConnectionOwner, ProxyHost {
  readonly core: SessionCore;
  readonly objects: ObjectTable;
  readonly router: CallRouter;
  readonly dispatcher: Dispatcher;
  private readonly endCallbacks: ((reason: Error | null) => void)[] = [];
  private readonly frameTimeoutMs: number;
  private readonly meterFor: ((conn: Connection) => ByteMeter | null) | undefined;
  private readonly idle: IdleWatch | null;

  constructor(init: SessionInit) {
    const core = this.core = new SessionCore(init, this);
    this.objects = new ObjectTable(core, this, () => {
      // libbinder: "RpcState has no binders left" ends the session
      queueMicrotask(() => { if (this.objects.size === 0) this.shutdown(); });
    });
    this.router = new CallRouter(core, this.objects);
    this.dispatcher = new Dispatcher(core, this.objects, this.router, init.root, (conn, e) => this.onProtocolError(conn, e));
    this.frameTimeoutMs = init.frameTimeoutMs ?? 0;
    this.meterFor = init.meter;
    this.idle = init.idle ? new IdleWatch({
      activity: () => core.activity,
      objectCount: () => this.objects.size,
      busy: () => this.router.waiting || core.connections.busy,
      end: (reason) => { core.logger.warn(`session ${core.label}: ending: ${reason.message}`); this.terminate(reason); },
    }, init.idle, core.platform.timers) : null;
    this.idle?.start();
  }

  get alive(): boolean { return this.core.ended === undefined; }

  /** What copies and fds go through (ConnectionOwner). */
  get platform(): Platform { return this.core.platform; }

  /** What a session has held of the peer's calls, and what it agreed with the peer. */
  get queueStats(): QueueStats { return this.dispatcher.queueStats; }

  /** Register a callback for the end of the session (called once, with the reason). */
  onEnd(cb: (reason: Error | null) => void): void {
    const ended = this.core.ended;
    if (ended !== undefined) queueMicrotask(() => cb(ended ?? null));
    else this.endCallbacks.push(cb);
  }

  /** Add a connection whose handshake is complete. */
  addConnection(tc: TransportConnection, queue: ByteQueue, join: ConnectionJoin): Connection {
    const core = this.core;
    const conn = new Connection(tc, queue, this, { outgoing: join.outgoing, highWater: core.limits.maxOutgoingQueueBytes });
    // fds that came during the handshake belong to frames already queued: before any is read
    if (join.earlyFds) conn.adoptEarlyFds(join.earlyFds);
    if (core.ended !== undefined) {
      // the session ended while this connection was being set up: nothing may use it (a call
      // sent on it would wait for a reply, and no end of the session would ever fail it)
      conn.close();
      return conn;
    }
    core.connections.add(conn);
    const meter = this.meterFor?.(conn) ?? null;
    const watch = meter || this.frameTimeoutMs > 0
      ? new IncomingWatch(conn, meter, this.frameTimeoutMs, (e) => this.onProtocolError(conn, e), core.platform.timers) : undefined;
    conn.beginFrames(new FrameReader(core.dialect, { maxBody: core.limits.maxFrameBody, maxObjects: core.limits.maxParcelObjects, watch, platform: core.platform }));
    if (join.outgoing) this.onAvailable(conn);
    return conn;
  }

  /** The root object the server exposes (GET_ROOT). */
  async getRoot(): Promise<IBinder | null> {
    const reply = await this.router.callSpecial(SpecialTransaction.GET_ROOT);
    try { return reply.readStrongBinder(); } finally { reply.dispose(); }
  }

  // ---- ProxyHost: what the peer's objects in this session call ------------------------------

  newParcel(): Parcel { return this.objects.newParcel(); }

  transactProxy(proxy: BinderProxy, code: number, data: Parcel, flags: number): Promise<Parcel> {
    return this.router.transact(proxy, code, data, flags, undefined) as Promise<Parcel>;
  }

  transactProxyRead<T>(proxy: BinderProxy, code: number, data: Parcel, flags: number, read: (reply: Parcel) => T): Promise<T> {
    // a oneway call has no reply to read: `read` gets the empty parcel transact() gives
    if (flags & FLAG_ONEWAY) return this.router.transact(proxy, code, data, flags, undefined).then((p) => readReply(p as Parcel, read));
    return this.router.transact(proxy, code, data, flags, read) as Promise<T>;
  }

  releaseProxy(key: AddressKey, proxy: BinderProxy | null): void { this.objects.releaseProxy(key, proxy); }
  isAlive(): boolean { return this.core.ended === undefined; }
  linkToDeath(key: AddressKey, _proxy: BinderProxy, recipient: DeathRecipient): void { this.objects.linkToDeath(key, recipient); }
  unlinkToDeath(key: AddressKey, recipient: DeathRecipient): boolean { return this.objects.unlinkToDeath(key, recipient); }

  // ---- ConnectionOwner: what the connections tell the session -------------------------------

  onCommand(conn: Connection, cmd: Incoming): void { this.dispatcher.onCommand(conn, cmd); }

  /** `conn`'s top frame changed: a nested call waiting for it goes out first, then oneways
   *  waiting for room, then (when it is free) a call the peer queued behind our reply, then
   *  our calls waiting for a connection. */
  onAvailable(conn: Connection): void {
    if (conn.closed) return;
    if (this.router.takeNested(conn)) return;
    // a full connection takes nothing more until its queue drains (Connection.outgoingFull)
    if (conn.outgoingFull) return;
    if (conn.idle && this.dispatcher.serveDeferred(conn)) return;
    this.router.available(conn);
  }

  onProtocolError(conn: Connection, e: unknown): void {
    const reason = e instanceof Error ? e : new Error(String(e));
    this.core.logger.warn(`session ${this.core.label}: ending: ${reason.message} (on ${conn.transport.description})`);
    this.terminate(reason);
  }

  onConnectionEnd(conn: Connection, error?: Error): void {
    // the peer's side is gone: close ours too, so every transport releases what it holds
    // (a descriptor, a reactor registration) without a special case of its own
    conn.close();
    if (this.core.ended === undefined) this.terminate(error ?? null);
  }

  // ---- the end ------------------------------------------------------------------------------

  /** End the session: close every connection, fail pending calls with DeadObjectError and
   *  notify death recipients (once). */
  shutdown(): void { this.terminate(null); }

  private terminate(reason: Error | null): void {
    const core = this.core;
    if (core.ended !== undefined) return;
    core.ended = reason;
    this.idle?.stop();
    core.log.flush();
    const dead = new DeadObjectError(reason ? `session ended: ${reason.message}` : undefined);
    core.connections.failAll(dead);
    this.router.fail(dead);
    this.objects.notifyDeath();
    for (const cb of this.endCallbacks.splice(0)) {
      try { cb(reason); } catch { /* a callback's failure is its own */ }
    }
  }
}
