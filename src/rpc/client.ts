// The client side of session setup (libbinder RpcSession::setupClient):
//   1. connect; write RpcConnectionHeader (new session) and "cci" together, then read
//      RpcNewSessionResponse and adopt its version;
//   2. GET_MAX_THREADS, GET_SESSION_ID;
//   3. open min(maxThreads, maxOutgoingConnections) - 1 more outgoing connections (header with
//      the session id, then "cci"; no response), and maxIncomingThreads incoming ones (header
//      with the INCOMING bit; the server writes "cci").
// The r34 profile has no handshake: one connection, frames from the first byte.
import { ByteQueue, copyBytes } from "./byte-queue.js";
import type { FdBatch } from "./engine/connection.js";
import { closeRawFds } from "../parcel/file-descriptor.js";
import { portablePlatform, type FdOps, type Platform } from "../platform/platform.js";
import { RpcSession, engineOf, type SessionLimits } from "./session.js";
import { aosp, R34 } from "./dialect.js";
import type { RpcTransport, TransportConnection } from "./transport.js";
import type { Logger } from "./log.js";
import {
  ConnectionOption, FdMode, SpecialTransaction, WIRE_VERSION_MAX,
  checkConnectionInit, decodeNewSessionResponse, encodeConnectionHeader, encodeConnectionInit, versionSupported,
} from "../wire/structs.js";
import { BinderError, DeadObjectError } from "../binder/errors.js";
import { StatusCode } from "../binder/status.js";
import { SIZES } from "../core/core.js";

export interface ConnectOptions {
  /** Highest wire version to offer (0, 1, 2), or "r34" for rsbinder's default dialect. */
  version?: number | "r34";
  /** Ask for fd passing (needs wire v1+ and a transport that carries fds). */
  fileDescriptors?: boolean;
  /** Cap on outgoing connections (libbinder default 10). */
  maxOutgoingConnections?: number;
  /** Connections the server may call us on outside a nested call (default 0). */
  maxIncomingThreads?: number;
  /** A frame from the server that has started must be complete within this many ms, or the
   *  session ends (default 0: no limit, as libbinder; a server's calls may legitimately take
   *  long, but a frame that stops halfway never completes). */
  frameTimeoutMs?: number;
  limits?: Partial<SessionLimits>;
  logger?: Logger;
  /** What the session's parcels, fds and call context go through (default portablePlatform;
   *  an adapter's entry points pass their own). fileDescriptors needs one with fd ops. */
  platform?: Platform;
}

/** The handshake failed or the server refused us. */
export class HandshakeError extends BinderError {
  override name = "HandshakeError";
  constructor(message: string, status: number = StatusCode.BAD_VALUE) { super(status, message); }
}

/** Where a transport connection's data goes: the queue until the session adopts it. */
export interface Hooks {
  target: ((c: Uint8Array, fds?: number[], lent?: boolean) => void) | null;
  end: ((e?: Error) => void) | null;
  /** Fds received before adopt(), with their stream offsets. */
  early: FdBatch[];
}

/** Wire a transport connection to a byte queue (used until the session takes it over). */
export function attach(tc: TransportConnection, fdOps: FdOps | null): { queue: ByteQueue; onData: Hooks } {
  const queue = new ByteQueue();
  const hooks: Hooks = { target: null, end: null, early: [] };
  tc.start({
    data(chunk, fds, lent) {
      if (hooks.target) return hooks.target(chunk, fds, lent);
      queue.push(copyBytes(chunk));
      // fds that came before the session took the connection over wait for it (adopt)
      if (fds && fds.length) {
        if (chunk.length) hooks.early.push({ from: queue.pushed - chunk.length, at: queue.pushed - 1, fds });
        else closeRawFds(fdOps, fds);
      }
    },
    end(error) {
      queue.end();
      if (!hooks.target) { for (const b of hooks.early.splice(0)) closeRawFds(fdOps, b.fds); }
      hooks.end?.(error);
    },
  });
  return { queue, onData: hooks };
}

async function readOrFail(queue: ByteQueue, n: number, what: string): Promise<Uint8Array> {
  const b = await queue.readExactly(n);
  if (!b) throw new HandshakeError(`connection closed while reading ${what}`, StatusCode.DEAD_OBJECT);
  return b;
}

export async function connectSession(transport: RpcTransport, address: string, opts: ConnectOptions = {}): Promise<RpcSession> {
  const platform = opts.platform ?? portablePlatform;
  const common = { limits: opts.limits, logger: opts.logger, frameTimeoutMs: opts.frameTimeoutMs, platform };
  if (opts.version === "r34") {
    const tc = await transport.connect(address);
    const { queue, onData } = attach(tc, platform.fds);
    const session = new RpcSession({ dialect: R34, isServer: false, sessionId: null, maxIncomingThreads: 0, ...common });
    adopt(session, tc, queue, onData, true);
    return session;
  }
  const maxVersion = opts.version ?? WIRE_VERSION_MAX;
  if (!versionSupported(maxVersion)) throw new RangeError(`unsupported wire version ${maxVersion}`);
  const wantFds = !!opts.fileDescriptors;
  const fdMode = wantFds ? FdMode.UNIX : FdMode.NONE;

  const tc = await transport.connect(address);
  if (wantFds && !tc.canPassFds) {
    tc.close();
    throw new HandshakeError(`transport ${transport.name} cannot carry file descriptors`, StatusCode.FDS_NOT_ALLOWED);
  }
  if (wantFds && !platform.fds) {
    tc.close();
    throw new HandshakeError(`platform "${platform.name}" cannot close or duplicate file descriptors (pass a runtime adapter's platform)`, StatusCode.FDS_NOT_ALLOWED);
  }
  const { queue, onData } = attach(tc, platform.fds);
  let session: RpcSession;
  try {
    // header and "cci" go out together, before the response is read (as libbinder does)
    const header = encodeConnectionHeader({ version: maxVersion, options: 0, fdMode, sessionId: null });
    const init = encodeConnectionInit();
    const first = new Uint8Array(header.length + init.length);
    first.set(header);
    first.set(init, header.length);
    tc.write(first);
    const { version } = decodeNewSessionResponse(await readOrFail(queue, SIZES.newSessionResponse, "RpcNewSessionResponse"));
    if (version > maxVersion || !versionSupported(version)) {
      throw new HandshakeError(`server answered wire version ${version}, above the ${maxVersion} this client offered`);
    }
    // fd objects exist from wire v1 on (rpc-wire §3.6): no silent fd-less session
    if (wantFds && version < 1) {
      throw new HandshakeError(`file descriptors need wire version 1 or later (negotiated ${version})`, StatusCode.FDS_NOT_ALLOWED);
    }
    session = new RpcSession({ dialect: aosp(version, wantFds), isServer: false, sessionId: null, maxIncomingThreads: opts.maxIncomingThreads ?? 0, ...common });
    adopt(session, tc, queue, onData, true);
  } catch (e) {
    tc.close();
    throw e;
  }

  try {
    const engine = engineOf(session);
    const threadsReply = await engine.router.callSpecial(SpecialTransaction.GET_MAX_THREADS);
    let maxThreads: number;
    try { maxThreads = threadsReply.readInt32(); } finally { threadsReply.dispose(); }
    if (maxThreads <= 0) throw new HandshakeError(`server reported ${maxThreads} threads`);
    const idReply = await engine.router.callSpecial(SpecialTransaction.GET_SESSION_ID);
    let id: Uint8Array | null;
    try { id = idReply.readByteArray(); } finally { idReply.dispose(); }
    if (!id || id.length !== SIZES.sessionId) throw new HandshakeError(`server sent a session id of ${id?.length ?? "null"} bytes`);
    engine.core.sessionId = id;
    // tsbinder servers send replies above libbinder's 100,000-byte cap only to a client that
    // has said it takes them (frame-size.ts); libbinder and rsbinder answer UNKNOWN_TRANSACTION
    await engine.router.agreeFrameSize();
    // the ask falls back to the default cap when it fails: a session that died meanwhile must
    // not go on to open more connections
    if (!session.isAlive()) throw new DeadObjectError("session ended while it was being set up");

    const outgoing = Math.min(maxThreads, opts.maxOutgoingConnections ?? 10);
    const extra: Promise<void>[] = [];
    for (let i = 1; i < outgoing; i++) extra.push(attachConnection(transport, address, session, id, false, maxVersion, fdMode));
    for (let i = 0; i < (opts.maxIncomingThreads ?? 0); i++) extra.push(attachConnection(transport, address, session, id, true, maxVersion, fdMode));
    await Promise.all(extra);
  } catch (e) {
    session.shutdown();
    throw e;
  }
  return session;
}

async function attachConnection(transport: RpcTransport, address: string, session: RpcSession, id: Uint8Array,
    incoming: boolean, version: number, fdMode: number): Promise<void> {
  const tc = await transport.connect(address);
  const { queue, onData } = attach(tc, session.platform.fds);
  try {
    tc.write(encodeConnectionHeader({ version, options: incoming ? ConnectionOption.INCOMING : 0, fdMode, sessionId: id }));
    if (incoming) {
      // the server will call us on this connection: it says "cci" first
      if (!checkConnectionInit(await readOrFail(queue, SIZES.connectionInit, "connection init"))) {
        throw new HandshakeError("bad connection init from server");
      }
    } else {
      tc.write(encodeConnectionInit());
    }
  } catch (e) {
    tc.close();
    throw e;
  }
  adopt(session, tc, queue, onData, !incoming);
}

/** Hand a handshaken transport connection to the session. */
export function adopt(session: RpcSession, tc: TransportConnection, queue: ByteQueue,
    hooks: Hooks, outgoing: boolean): void {
  const engine = engineOf(session);
  const conn = engine.addConnection(tc, queue, { outgoing, earlyFds: hooks.early.splice(0) });
  hooks.target = (chunk, fds, lent) => conn.onData(chunk, fds, lent);
  hooks.end = (error) => engine.onConnectionEnd(conn, error);
  if (queue.isEnded) engine.onConnectionEnd(conn);
}
