// What a session is made with, and the limits that bound what a peer can make it hold
// (docs/limits.md).
import type { IBinder } from "../../binder/ibinder.js";
import type { Platform } from "../../platform/platform.js";
import type { Dialect } from "../dialect.js";
import type { Logger } from "../log.js";
import type { LogRateLimit } from "../log-limiter.js";
import type { IdlePolicy } from "../idle-watch.js";
import type { ByteMeter } from "../budget.js";
import { DEFAULT_PIPELINE_DEPTH } from "../pipelining.js";
import { LIBBINDER_MAX_BODY } from "../frame-size.js";
import { DEFAULT_OUTGOING_HIGH_WATER, type Connection } from "./connection.js";

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

/** @internal what the server and the client set a session up with. */
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
