// What every part of a session engine shares: who the session is (dialect, side, id), its
// limits and logging, its connections, and whether it has ended. The parts (object table,
// call router, dispatcher) each hold this instead of holding one another.
import { type Dialect, dialectName, frameDialect } from "../dialect.js";
import type { FrameDialect } from "../../wire/frames.js";
import { type Logger, defaultLogger } from "../log.js";
import { LogLimiter } from "../log-limiter.js";
import { ConnectionSet } from "./connection-set.js";
import { callStores, type CallContext } from "./call-context.js";
import { portablePlatform, type Platform } from "../../platform/platform.js";
import type { ContextStore } from "../../platform/context-store.js";
import { DEFAULT_SESSION_LIMITS, type SessionInit, type SessionLimits } from "./limits.js";

export class SessionCore {
  readonly dialect: Dialect;
  /** The dialect as the frame builders take it. */
  readonly frameDialect: FrameDialect;
  readonly isServer: boolean;
  /** 32-byte session id (null for r34 sessions, which have none). */
  sessionId: Uint8Array | null;
  /** What GET_MAX_THREADS answers: how many connections may serve calls on this side. */
  maxIncomingThreads: number;
  readonly limits: SessionLimits;
  readonly logger: Logger;
  /** Repeated per-frame failures go through this, not straight to the logger. */
  readonly log: LogLimiter;
  readonly connections: ConnectionSet;
  /** What the session's parcels, fds, call context and timers go through. */
  readonly platform: Platform;
  /** The platform's store the session's incoming calls run in. */
  readonly contextStore: ContextStore<CallContext>;
  /** undefined while the session lives; then why it ended (null: closed on purpose). */
  ended: Error | null | undefined = undefined;
  /** Frames in and calls out, for the idle policy. */
  activity = 0;

  /** @param owner the session engine, as call contexts name it */
  constructor(init: SessionInit, readonly owner: object) {
    this.platform = init.platform ?? portablePlatform;
    this.contextStore = callStores.of(this.platform);
    this.dialect = init.dialect;
    this.frameDialect = frameDialect(init.dialect);
    this.isServer = init.isServer;
    this.sessionId = init.sessionId;
    this.maxIncomingThreads = init.maxIncomingThreads;
    this.limits = { ...DEFAULT_SESSION_LIMITS, ...init.limits };
    this.logger = init.logger ?? defaultLogger;
    this.log = new LogLimiter(this.logger, init.logRateLimit, this.platform.timers);
    this.connections = new ConnectionSet(owner, this.contextStore);
  }

  get label(): string {
    const id = this.sessionId ? Array.from(this.sessionId.subarray(0, 4), (b) => b.toString(16).padStart(2, "0")).join("") : "r34";
    return `${this.isServer ? "server" : "client"}:${id} (${dialectName(this.dialect)})`;
  }
}
