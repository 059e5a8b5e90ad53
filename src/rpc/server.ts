// RpcServer: accepts connections, runs the server side of the handshake (libbinder
// RpcServer::establishConnection), and keeps the sessions. A connection that does not start
// with a version word (0..2 or EXPERIMENTAL) but with an r34 length prefix is served in
// rsbinder's r34 dialect, so one server answers both kinds of rsbinder client.
import { RpcSession, engineOf, type SessionLimits } from "./session.js";
import { aosp, R34 } from "./dialect.js";
import { attach, adopt } from "./client.js";
import { ServiceDirectory } from "./service-directory.js";
import type { PeerIdentity, RpcTransport, TransportConnection, TransportListener } from "./transport.js";
import { type Logger, defaultLogger } from "./log.js";
import type { IBinder } from "../binder/ibinder.js";
import {
  ConnectionOption, FdMode, WIRE_VERSION_EXPERIMENTAL, WIRE_VERSION_MAX,
  checkConnectionInit, decodeConnectionHeader, encodeConnectionInit, encodeNewSessionResponse,
} from "../wire/structs.js";
import { SIZES } from "../core/core.js";
import type { ByteQueue } from "./byte-queue.js";
import { ByteMeter, MemoryBudget } from "./budget.js";
import { PeerQuotas } from "./peer-quotas.js";
import { LogLimiter, type LogRateLimit } from "./log-limiter.js";
import { startTimer, stopTimer } from "./timeouts.js";
import { portablePlatform, type Platform } from "../platform/platform.js";
import type { Connection } from "./engine/connection.js";

export type Authorizer = (peer: PeerIdentity) => boolean | Promise<boolean>;

export interface ServerOptions {
  /** Highest wire version to negotiate (default 2). */
  maxVersion?: number;
  /** Let anonymous peers in when no authorizer is set (default false: plain TCP, TLS without a
   *  client certificate, and Unix sockets whose credentials cannot be read are refused, as
   *  rsbinder refuses them — fail closed). A custom authorizer decides for itself. */
  allowAnonymous?: boolean;
  /** Accept rsbinder's r34 dialect (no handshake) alongside the versioned wire (default true). */
  acceptR34?: boolean;
  /** fd transport modes accepted in the connection header (default: NONE only, as libbinder). */
  fdModes?: number[];
  /** Per session: connections that may serve calls, and what GET_MAX_THREADS reports (default 1). */
  maxThreads?: number;
  /** Connections across all sessions, handshaking ones included (default 4,096). */
  maxConnections?: number;
  /** Sessions at once (default 4,096). */
  maxSessions?: number;
  /** A connection must finish its handshake within this many ms (default 10,000); for an r34
   *  connection, that is until its first frame is here. */
  handshakeTimeoutMs?: number;
  /** A frame that has started must be complete within this many ms, or its session ends
   *  (default 30,000; 0: no limit). */
  frameTimeoutMs?: number;
  /** A session with no objects either way, no call in flight and no traffic for this long is
   *  ended (default 60,000; 0: never). */
  unusedSessionTimeoutMs?: number;
  /** Any session with no call in flight and no traffic for this long is ended, even one
   *  whose peer holds binders (default 0: never, as libbinder). */
  idleSessionTimeoutMs?: number;
  /** Bytes held for incoming frames not complete yet, across all sessions (default 256 MiB);
   *  past it, the connection asking for more stops being read until there is room. */
  maxIncomingBytes?: number;
  /** The same, per peer identity (uid, certificate) (default maxIncomingBytes / 2). */
  maxIncomingBytesPerPeer?: number;
  /** Sessions per peer identity (default maxSessions / 2). */
  maxSessionsPerPeer?: number;
  /** Connections per peer identity, handshaking ones included (default maxConnections / 2). */
  maxConnectionsPerPeer?: number;
  /** How repeated failures are logged: `burst` lines of a kind per `intervalMs`, then one
   *  summary (default 5 per 10 s). */
  logRateLimit?: LogRateLimit;
  limits?: Partial<SessionLimits>;
  logger?: Logger;
  /** What its sessions' parcels, fds and call context go through (default portablePlatform;
   *  an adapter's entry points pass their own). fd mode UNIX needs one with fd ops. */
  platform?: Platform;
}

/** What each connection may hold for incoming frames without charge to a budget: a frame of
 *  ordinary size split over two reads never waits for one (budget.ts). */
const FREE_INCOMING_BYTES = 64 * 1024;
/** An r34 connection becomes a session once its first frame is here, or this much of it. */
const R34_FIRST_FRAME_WAIT = 64 * 1024;

export class RpcServer {
  private root: IBinder | null = null;
  private directory: ServiceDirectory | null = null;
  private readonly sessions = new Map<string, RpcSession>();
  private readonly r34Sessions = new Set<RpcSession>();
  private readonly listeners: TransportListener[] = [];
  private readonly pending = new Set<TransportConnection>();
  private authorizer: Authorizer;
  private connectionCount = 0;
  private shuttingDown = false;
  private readonly opts: Required<Omit<ServerOptions, "limits" | "logger" | "allowAnonymous" | "logRateLimit" | "platform">> & Pick<ServerOptions, "limits" | "logRateLimit">;
  /** What its sessions go through. */
  readonly platform: Platform;
  private readonly logger: Logger;
  /** Refusals and timeouts, one line per connection: rate-limited. */
  private readonly log: LogLimiter;
  private readonly incomingBudget: MemoryBudget;
  private readonly quotas: PeerQuotas;
  private readonly sessionCallbacks: ((s: RpcSession) => void)[] = [];

  constructor(options: ServerOptions = {}) {
    this.platform = options.platform ?? portablePlatform;
    this.opts = {
      maxVersion: options.maxVersion ?? WIRE_VERSION_MAX,
      acceptR34: options.acceptR34 ?? true,
      fdModes: options.fdModes ?? [FdMode.NONE],
      maxThreads: options.maxThreads ?? 1,
      maxConnections: options.maxConnections ?? 4096,
      maxSessions: options.maxSessions ?? 4096,
      handshakeTimeoutMs: options.handshakeTimeoutMs ?? 10_000,
      frameTimeoutMs: options.frameTimeoutMs ?? 30_000,
      unusedSessionTimeoutMs: options.unusedSessionTimeoutMs ?? 60_000,
      idleSessionTimeoutMs: options.idleSessionTimeoutMs ?? 0,
      maxIncomingBytes: options.maxIncomingBytes ?? 256 * 1024 * 1024,
      maxIncomingBytesPerPeer: 0,
      maxSessionsPerPeer: 0,
      maxConnectionsPerPeer: 0,
      limits: options.limits,
      logRateLimit: options.logRateLimit,
    };
    // one identity may take half of each server-wide limit: the other half stays for everyone
    // else, and one uid running many processes (a build farm, a test of 1,000 clients) still
    // gets far more than any ordinary client needs
    this.opts.maxIncomingBytesPerPeer = options.maxIncomingBytesPerPeer ?? Math.floor(this.opts.maxIncomingBytes / 2);
    this.opts.maxSessionsPerPeer = options.maxSessionsPerPeer ?? Math.max(1, Math.floor(this.opts.maxSessions / 2));
    this.opts.maxConnectionsPerPeer = options.maxConnectionsPerPeer ?? Math.max(1, Math.floor(this.opts.maxConnections / 2));
    this.incomingBudget = new MemoryBudget(this.opts.maxIncomingBytes);
    this.quotas = new PeerQuotas(this.opts);
    this.logger = options.logger ?? defaultLogger;
    this.log = new LogLimiter(this.logger, options.logRateLimit, this.platform.timers);
    const allowAnonymous = options.allowAnonymous ?? false;
    this.authorizer = (peer) => {
      if (peer.kind !== "anonymous" || allowAnonymous) return true;
      this.log.warn("anonymous", `refused an anonymous peer (${peer.reason ?? "no identity"}); pass allowAnonymous or setAuthorizer to admit it`);
      return false;
    };
  }

  /** The object GET_ROOT returns. Replaces a service directory set up by addService. */
  setRoot(binder: IBinder | null): void {
    this.root = binder;
    this.directory = null;
  }

  /** Register a named service; the root becomes rsbinder's service directory
   *  (descriptor rsbinder.rpc.IServiceDirectory). */
  addService(name: string, binder: IBinder): void {
    if (!this.directory) {
      this.directory = new ServiceDirectory();
      this.root = this.directory;
    }
    this.directory.add(name, binder);
  }

  /** Runs for every accepted connection before any byte is read; false closes it. Replaces
   *  the default (admit every peer with an identity; anonymous ones only with allowAnonymous). */
  setAuthorizer(fn: Authorizer): void { this.authorizer = fn; }

  setMaxThreads(n: number): void {
    if (!(n >= 1)) throw new RangeError("maxThreads must be at least 1");
    this.opts.maxThreads = n;
  }
  setMaxConnections(n: number): void { this.opts.maxConnections = n; }

  /** Called for each new session (after its first connection's handshake). */
  onSession(cb: (s: RpcSession) => void): void { this.sessionCallbacks.push(cb); }

  get sessionCount(): number { return this.sessions.size + this.r34Sessions.size; }

  /** Bytes held for incoming frames not complete yet, now and at most (maxIncomingBytes). */
  get incomingBytes(): { used: number; peak: number; limit: number } {
    const b = this.incomingBudget;
    return { used: b.used, peak: b.peak, limit: b.limit };
  }

  async listen(transport: RpcTransport, address: string): Promise<TransportListener> {
    const listener = await transport.listen(address, (tc) => { void this.accept(tc); });
    this.listeners.push(listener);
    return listener;
  }

  /** Serve one already-connected transport connection (listeners call this). */
  async accept(tc: TransportConnection): Promise<void> {
    if (this.shuttingDown || this.connectionCount >= this.opts.maxConnections) {
      tc.close();
      return;
    }
    const perPeer = this.quotas.addConnection(tc.peer);
    if (typeof perPeer === "string") {
      this.log.warn("peer-connections", `refused a connection on ${tc.description}: ${perPeer}`);
      tc.close();
      return;
    }
    this.connectionCount++;
    let counted = true;
    const release = () => { if (counted) { counted = false; this.connectionCount--; perPeer(); } };
    let authorized: boolean;
    try {
      authorized = await this.authorizer(tc.peer);
    } catch (e) {
      this.log.warn("authorizer", `authorizer threw: ${(e as Error)?.message ?? e}`);
      authorized = false;
    }
    if (!authorized) {
      release();
      tc.close();
      return;
    }
    const { queue, onData } = attach(tc, this.platform.fds);
    this.pending.add(tc);
    const timer = startTimer(this.opts.handshakeTimeoutMs, () => {
      if (this.pending.has(tc)) {
        this.log.warn("handshake-timeout", `handshake timed out on ${tc.description}`);
        tc.close();
      }
    }, this.platform.timers);
    try {
      const session = await this.handshake(tc, queue, onData);
      if (session) session.onEnd(release);
      else {
        // the stream ended before the handshake did: let the transport release what it holds
        release();
        tc.close();
      }
    } catch (e) {
      release();
      this.log.warn("handshake-failed", `handshake failed on ${tc.description}: ${(e as Error)?.message ?? e}`);
      tc.close();
    } finally {
      stopTimer(timer, this.platform.timers);
      this.pending.delete(tc);
    }
  }

  private async handshake(tc: TransportConnection, queue: ByteQueue, hooks: Parameters<typeof adopt>[3]): Promise<RpcSession | null> {
    const first = await queue.readExactly(4);
    if (!first) return null;
    const word = new DataView(first.buffer, first.byteOffset, 4).getUint32(0, true);
    if (looksLikeR34Prefix(word)) {
      // not a version: an r34 length prefix (rsbinder's default dialect, no handshake)
      if (!this.opts.acceptR34) throw new Error(`client offered unknown wire version ${word}`);
      // r34 has no handshake to time: the handshake timeout runs until the first frame is here
      // (or R34_FIRST_FRAME_WAIT of a big one), so 4 bytes alone do not make a session
      const need = Math.min(word, R34_FIRST_FRAME_WAIT);
      while (queue.length < need) {
        if (queue.isEnded) return null;
        await queue.wait();
      }
      const session = this.newSession(R34, null, tc);
      this.r34Sessions.add(session);
      session.onEnd(() => this.r34Sessions.delete(session));
      // give back the 4 bytes we peeked at: they are the first frame's prefix
      const rest = queue.read(queue.length) ?? new Uint8Array(0);
      const replay = new Uint8Array(4 + rest.length);
      replay.set(first);
      replay.set(rest, 4);
      queue.push(replay);
      adopt(session, tc, queue, hooks, false);
      this.announce(session);
      return session;
    }
    const restOfHeader = await queue.readExactly(SIZES.connectionHeader - 4);
    if (!restOfHeader) return null;
    const raw = new Uint8Array(SIZES.connectionHeader);
    raw.set(first);
    raw.set(restOfHeader, 4);
    const header = decodeConnectionHeader(raw);
    const incoming = (header.options & ConnectionOption.INCOMING) !== 0;
    const version = Math.min(header.version, this.opts.maxVersion);

    if (header.sessionIdSize === 0) {
      // the response goes out before anything else is checked (as libbinder does)
      tc.write(encodeNewSessionResponse(version));
      if (incoming) throw new Error("new session requested on an INCOMING connection (it would leak)");
      if (!this.opts.fdModes.includes(header.fdMode)) throw new Error(`fd transport mode ${header.fdMode} not supported`);
      if (header.fdMode !== FdMode.NONE && !this.platform.fds) throw new Error(`fd transport mode ${header.fdMode} needs a platform with fd ops ("${this.platform.name}" has none)`);
      // the client will send fds if we accept mode UNIX: refuse what we could not honour
      if (header.fdMode === FdMode.UNIX && !(version >= 1 && tc.canPassFds)) {
        throw new Error(`fd transport mode UNIX needs wire v1+ (negotiated ${version}) and a transport that passes fds (${tc.canPassFds})`);
      }
      const fds = header.fdMode === FdMode.UNIX;
      const id = crypto.getRandomValues(new Uint8Array(SIZES.sessionId));
      const init = await queue.readExactly(SIZES.connectionInit);
      if (!init) return null;
      if (!checkConnectionInit(init)) throw new Error("bad connection init");
      const session = this.newSession(aosp(version, fds), id, tc);
      const key = hex(id);
      this.sessions.set(key, session);
      session.onEnd(() => this.sessions.delete(key));
      adopt(session, tc, queue, hooks, false);
      this.announce(session);
      return session;
    }

    const idBytes = await queue.readExactly(SIZES.sessionId);
    if (!idBytes) return null;
    const session = this.sessions.get(hex(idBytes));
    if (!session || !session.isAlive()) throw new Error("attach to an unknown session");
    if (incoming) {
      tc.write(encodeConnectionInit());
      adopt(session, tc, queue, hooks, true);
      return session;
    }
    const init = await queue.readExactly(SIZES.connectionInit);
    if (!init) return null;
    if (!checkConnectionInit(init)) throw new Error("bad connection init");
    const { connections, maxIncomingThreads } = engineOf(session).core;
    const serving = connections.count(false);
    if (serving >= maxIncomingThreads) throw new Error(`session already has ${serving} serving connections`);
    adopt(session, tc, queue, hooks, false);
    return session;
  }

  private newSession(dialect: ReturnType<typeof aosp>, id: Uint8Array | null, tc: TransportConnection): RpcSession {
    if (this.sessionCount >= this.opts.maxSessions) throw new Error(`already serving ${this.sessionCount} sessions (maxSessions)`);
    const perPeer = this.quotas.addSession(tc.peer);
    if (typeof perPeer === "string") throw new Error(`session refused: ${perPeer}`);
    const o = this.opts;
    const session = new RpcSession({
      dialect, isServer: true, sessionId: id, maxIncomingThreads: o.maxThreads,
      limits: o.limits, logger: this.logger, root: () => this.root,
      frameTimeoutMs: o.frameTimeoutMs,
      meter: (conn) => this.meter(conn),
      idle: { unusedMs: o.unusedSessionTimeoutMs, idleMs: o.idleSessionTimeoutMs },
      logRateLimit: o.logRateLimit,
      platform: this.platform,
    });
    session.onEnd(perPeer);
    return session;
  }

  /** Charge a connection's incoming frames to the server's budget and its peer's. */
  private meter(conn: Connection): ByteMeter {
    const peer = this.quotas.budget(conn.transport.peer);
    const budgets = peer ? [this.incomingBudget, peer] : [this.incomingBudget];
    return new ByteMeter(budgets, FREE_INCOMING_BYTES, () => conn.holdReads(), () => conn.releaseReads());
  }

  private announce(s: RpcSession): void {
    for (const cb of this.sessionCallbacks) cb(s);
  }

  /** Stop listening, end every session (pending calls fail, death recipients fire). */
  async shutdown(): Promise<void> {
    this.shuttingDown = true;
    await Promise.all(this.listeners.splice(0).map((l) => l.close()));
    for (const tc of this.pending) tc.close();
    for (const s of [...this.sessions.values(), ...this.r34Sessions]) s.close();
    this.log.flush();
  }

  /** shutdown(), for `await using`. */
  [Symbol.asyncDispose](): Promise<void> { return this.shutdown(); }
}

/** An r34 connection starts with the length of its first frame: at least a wire header plus
 *  the smallest body (20 bytes). A versioned client starts with its version: small numbers
 *  (0..2 today, room for future ones below 20) or EXPERIMENTAL (0xF0000000). */
function looksLikeR34Prefix(word: number): boolean {
  return word >= 20 && word < 0x10000000 && word !== WIRE_VERSION_EXPERIMENTAL;
}

function hex(b: Uint8Array): string {
  let s = "";
  for (const x of b) s += (x < 16 ? "0" : "") + x.toString(16);
  return s;
}
