// RpcSession: what an application holds of a connection to one peer (libbinder RpcSession).
// Client sessions come from the entry points' connect(); server sessions from RpcServer. This
// is a small facade: the work — connections, calls in and out, the object table — is done by
// the session engine (engine/session-engine.ts), which the rest of the package reaches through
// engineOf().
import type { IBinder } from "../binder/ibinder.js";
import { BinderError } from "../binder/errors.js";
import { StatusCode } from "../binder/status.js";
import { getService } from "./service-directory.js";
import { SessionEngine } from "./engine/session-engine.js";
import type { SessionInit } from "./engine/limits.js";
import type { Platform } from "../platform/platform.js";

export { DEFAULT_SESSION_LIMITS, type SessionLimits, type QueueStats } from "./engine/limits.js";
export { getCallingIdentity, type CallContext } from "./engine/call-context.js";

/** An AIDL interface as generated code exports it (`IHello`): its descriptor and how to wrap
 *  a binder in a typed proxy. */
export interface InterfaceType<T> {
  readonly descriptor: string;
  fromBinder(binder: IBinder): T;
}

/** What a session is and has agreed with its peer, and what the peer made it hold. */
export interface SessionStats {
  /** The negotiated wire version (0, 1, 2), or "r34" for the Android 12 layout. */
  protocolVersion: number | "r34";
  /** Calls in flight per connection agreed with the peer (1 until a client that needed more
   *  has asked a tsbinder peer; libbinder and rsbinder peers stay at 1). */
  pipelineDepth: number;
  /** Objects (local and remote) the session tracks. */
  objectCount: number;
  /** Connections this side starts calls on, and connections the peer calls us on. */
  outgoingConnections: number;
  incomingConnections: number;
  /** Bytes of the peer's calls held waiting now, and the most at once. */
  queuedBytes: number;
  peakQueuedBytes: number;
  /** The most out-of-order oneways parked on one object at once. */
  peakParked: number;
}

let engineOfSession: (session: RpcSession) => SessionEngine;

export class RpcSession {
  readonly #engine: SessionEngine;

  static {
    engineOfSession = (session) => session.#engine;
  }

  /** @internal sessions are made by connect() and RpcServer */
  constructor(init: SessionInit) {
    this.#engine = new SessionEngine(init);
  }

  /** The root object the server exposes (GET_ROOT). */
  getRoot(): Promise<IBinder | null> { return this.#engine.getRoot(); }

  /** A service registered by name in the server's directory (a tsbinder RpcServer's or
   *  rsbinder's root); BinderError NAME_NOT_FOUND when there is none. With an AIDL interface
   *  first (`getService(IHello, "hello")`), the typed proxy. */
  getService(name: string): Promise<IBinder>;
  getService<T>(iface: InterfaceType<T>, name: string): Promise<T>;
  async getService<T>(ifaceOrName: InterfaceType<T> | string, name?: string): Promise<IBinder | T> {
    const root = await this.getRoot();
    if (!root) throw new BinderError(StatusCode.NAME_NOT_FOUND, "the server exposes no root object");
    if (typeof ifaceOrName === "string") return getService(root, ifaceOrName);
    return ifaceOrName.fromBinder(await getService(root, name!));
  }

  /** Is the session still up (not closed, peer not gone)? */
  isAlive(): boolean { return this.#engine.alive; }

  /** Call `cb` once when the session ends, with the reason (null: closed on purpose). */
  onEnd(cb: (reason: Error | null) => void): void { this.#engine.onEnd(cb); }

  /** What this session's parcels, fds and call context go through. */
  get platform(): Platform { return this.#engine.core.platform; }

  /** The 32-byte session id (null for r34 sessions, which have none). */
  get sessionId(): Uint8Array | null { return this.#engine.core.sessionId; }

  get stats(): SessionStats {
    const e = this.#engine;
    const { dialect, connections } = e.core;
    return {
      protocolVersion: dialect.r34 ? "r34" : dialect.version,
      pipelineDepth: e.router.pipelineDepth,
      objectCount: e.objects.size,
      outgoingConnections: connections.count(true),
      incomingConnections: connections.count(false),
      ...e.queueStats,
    };
  }

  /** End the session: close every connection, fail pending calls with DeadObjectError and
   *  notify death recipients. */
  close(): void { this.#engine.shutdown(); }

  /** Same as close(). */
  shutdown(): void { this.#engine.shutdown(); }

  /** close(), for `await using`. */
  async [Symbol.asyncDispose](): Promise<void> { this.#engine.shutdown(); }
}

/** @internal the engine behind a session (for the server, the client setup and tests). */
export function engineOf(session: RpcSession): SessionEngine { return engineOfSession(session); }
