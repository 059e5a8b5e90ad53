// A Bun socket (Bun.connect / Bun.listen: Unix, TCP or TLS) as a TransportConnection.
//
// Reading: Bun calls one shared `data` handler per chunk with a freshly allocated buffer (it
// copies out of its receive buffer for every callback and does not reuse the object), so
// chunks go to the sink as they are, and the ByteQueue may keep them. The bun runtime test
// checks this stays true (test/runtimes/fixtures/bun/chunks.mjs).
//
// Writing: Bun's socket.write() does not buffer: it writes what the kernel (or the TLS layer)
// takes now and returns the count. The first frame of a turn is written at once; frames that
// follow in the same turn are copied into one staging buffer and flushed when the turn's
// microtasks run, so a burst leaves in one write; what the socket does not take stays staged,
// in order, until Bun calls `drain`.
import type { Socket, SocketHandler } from "bun";
import type { ConnectionSink, PeerIdentity, TransportConnection } from "../../src/rpc/transport.js";
import { DrainWaiters } from "../../src/transports/backpressure.js";

/** Per-socket state Bun carries for us (socket.data; conn is null until the socket is one of
 *  ours, and stays null for a socket that was refused). */
export interface SocketState { conn: BunSocketConnection | null }
export type BunSocket = Socket<SocketState>;

const INITIAL_STAGING = 64 * 1024;
/** After a flush, a staging buffer grown past this is dropped rather than kept. */
const KEEP_STAGING = 1024 * 1024;
/** Frames at least this big skip staging when nothing is queued (one copy fewer). */
const DIRECT_WRITE = 64 * 1024;
/** A closing connection whose peer does not read is cut after this long. */
const CLOSE_GRACE_MS = 1000;
/** Reads up to this size are copied into one buffer per process and lent to the session. A
 *  Uint8Array Bun hands to `data` has no ArrayBuffer yet: the first view of it (a header, a
 *  body) makes JSC create one, about 400 ns for an 88-byte chunk, against ~30 ns for set()
 *  from it into a buffer that has one. */
const LEND_MAX = 16 * 1024;
/** The buffer small reads are lent from (one thread; the session copies what it keeps). */
const lendBuffer = new Uint8Array(new ArrayBuffer(LEND_MAX));

export class BunSocketConnection implements TransportConnection {
  readonly canPassFds = false;
  private sink: ConnectionSink | null = null;
  private early: Uint8Array[] = [];
  private earlyEnd: { error?: Error } | null = null;
  private ended = false;
  private closing = false;
  private closeTimer: ReturnType<typeof setTimeout> | null = null;
  /** The first error Bun reported (a TLS alert, a reset): given to the sink when it ends. */
  lastError: Error | undefined;

  // staged bytes are staging[start, end)
  private staging = new Uint8Array(0);
  private start0 = 0;
  private end0 = 0;
  private flushQueued = false;
  private blocked = false; // the socket took less than offered: wait for drain
  private readonly flushTask = () => { this.flushQueued = false; this.inTurn = false; if (!this.held) this.flush(); };
  /** A frame went to the socket directly since the last read or flush. */
  private inTurn = false;
  /** Frames staged with `more` (replies to pipelined calls) wait for the last reply of the
   *  chain, or at the latest for the next turn of the event loop: Bun runs a nextTick right
   *  after the current microtask, so only setImmediate comes after the chain. */
  private held = false;
  private readonly heldTask = () => { if (this.held) { this.held = false; if (!this.blocked) this.flush(); } };

  constructor(readonly socket: BunSocket, readonly peer: PeerIdentity, readonly description: string) {
    // a fresh object: accepted sockets start out sharing their listener's data object
    socket.data = { conn: this };
    // binder frames are small request/reply pairs: no Nagle delay (a no-op on Unix sockets)
    try { socket.setNoDelay(true); } catch { /* not a TCP socket */ }
  }

  // ---- TransportConnection ----

  start(sink: ConnectionSink): void {
    if (this.sink) throw new Error("start() called twice");
    this.sink = sink;
    const early = this.early;
    this.early = [];
    for (const chunk of early) sink.data(chunk);
    if (this.earlyEnd) this.finish(this.earlyEnd.error);
    else this.resume();
  }

  write(bytes: Uint8Array, fds?: readonly number[], more = false): void {
    if (fds && fds.length) throw new Error("this transport cannot carry file descriptors");
    if (this.ended || this.closing || bytes.length === 0) return;
    if (more || this.held) {
      this.stage(bytes);
      if (more && !this.held) {
        this.held = true;
        setImmediate(this.heldTask);
      } else if (!more) {
        // the last reply of the chain: all of it leaves now
        this.held = false;
        if (!this.blocked) this.flush();
      }
      return;
    }
    if (this.mayWriteDirectly(bytes)) return this.writeDirectly(bytes);
    this.stage(bytes);
    if (!this.flushQueued && !this.blocked) {
      this.flushQueued = true;
      queueMicrotask(this.flushTask);
    }
  }

  /** The first frame of a turn, from the caller's memory (valid only during this call): Bun's
   *  socket.write() keeps nothing, and what it does not take is staged, a copy. */
  writeNow(bytes: Uint8Array): boolean {
    if (this.ended || this.closing || this.held || bytes.length === 0 || !this.mayWriteDirectly(bytes)) return false;
    this.writeDirectly(bytes);
    return true;
  }

  /** Nothing is queued ahead of it, and it is the first frame of a turn (a call's only frame)
   *  or a big one: it goes to the socket directly. Frames that follow in the same turn are
   *  staged and leave together when the turn's microtasks run. A read begins a turn, and so
   *  does that flush: the common exchange (a read, a frame in answer) schedules nothing. */
  private mayWriteDirectly(bytes: Uint8Array): boolean {
    return this.end0 === this.start0 && !this.blocked && (!this.inTurn || bytes.length >= DIRECT_WRITE);
  }

  private writeDirectly(bytes: Uint8Array): void {
    this.inTurn = true;
    const n = this.socket.write(bytes);
    if (n < 0 || n === bytes.length) return; // n < 0: closed under us, the close handler ends the sink
    this.blocked = true;
    this.stage(bytes.subarray(n));
  }

  close(): void {
    if (this.ended || this.closing) return;
    this.closing = true;
    this.closeTimer = setTimeout(() => this.socket.terminate(), CLOSE_GRACE_MS);
    (this.closeTimer as { unref?: () => void }).unref?.();
    this.held = false;
    if (!this.flushQueued && !this.blocked) this.flush();
  }

  /** Bytes accepted by write() and not yet taken by the socket. Bun's write() keeps nothing
   *  (it returns what the kernel or the TLS layer took), so the staging buffer is all of it. */
  get bufferedAmount(): number { return this.end0 - this.start0; }

  private readonly drain = new DrainWaiters(() => this.end0 === this.start0 || this.ended);

  onDrain(cb: () => void): void { this.drain.add(cb); }

  /** Bun's socket.pause() stops reading from the socket (the peer's bytes wait in the kernel;
   *  test/runtimes/fixtures/bun/flow.mjs checks it). */
  pauseReading(): void {
    try { this.socket.pause(); } catch { /* closed */ }
  }

  resumeReading(): void {
    if (!this.ended) this.resume();
  }

  // ---- called by the Bun socket handlers ----

  /** @internal */
  _data(chunk: Uint8Array): void {
    if (!this.flushQueued && !this.held) this.inTurn = false;
    if (!this.sink) {
      if (!this.ended) this.early.push(chunk);
      return;
    }
    if (chunk.length > LEND_MAX) return this.sink.data(chunk);
    lendBuffer.set(chunk);
    this.sink.data(lendBuffer.subarray(0, chunk.length), undefined, true);
  }

  /** @internal the socket closed (or the peer ended it). */
  _end(error?: Error): void {
    if (!this.sink) {
      this.earlyEnd ??= { error: error ?? this.lastError };
      return;
    }
    this.finish(error ?? this.lastError);
  }

  /** @internal */
  _error(error: Error): void {
    this.lastError ??= error;
  }

  /** @internal the socket can take more. */
  _drain(): void {
    if (!this.blocked) return;
    this.blocked = false;
    this.flush();
  }

  /** Stop reading until start(): a server-side connection waits for the authorizer. */
  pauseUntilStarted(): void {
    try { this.socket.pause(); } catch { /* not supported: early chunks are buffered */ }
  }

  // ---- internals ----

  private resume(): void {
    try { this.socket.resume(); } catch { /* was never paused */ }
  }

  private finish(error?: Error): void {
    if (this.ended) return;
    this.ended = true;
    if (this.closeTimer) clearTimeout(this.closeTimer);
    this.staging = new Uint8Array(0);
    this.start0 = this.end0 = 0;
    queueMicrotask(this.drain.check);
    this.sink!.end(error);
  }

  private stage(bytes: Uint8Array): void {
    const n = bytes.length;
    if (this.end0 + n > this.staging.length) {
      const live = this.end0 - this.start0;
      if (live + n <= this.staging.length && this.start0 > 0) {
        this.staging.copyWithin(0, this.start0, this.end0);
      } else {
        let size = Math.max(INITIAL_STAGING, this.staging.length);
        while (size < live + n) size *= 2;
        const next = new Uint8Array(size);
        next.set(this.staging.subarray(this.start0, this.end0));
        this.staging = next;
      }
      this.start0 = 0;
      this.end0 = live;
    }
    this.staging.set(bytes, this.end0);
    this.end0 += n;
  }

  private flush(): void {
    if (this.ended) return;
    if (this.end0 > this.start0) {
      const n = this.socket.write(this.staging.subarray(this.start0, this.end0));
      if (n < 0) return; // closed: the close handler ends the sink
      this.start0 += n;
      if (this.start0 < this.end0) {
        this.blocked = true;
        return;
      }
      this.start0 = this.end0 = 0;
      if (this.staging.length > KEEP_STAGING) this.staging = new Uint8Array(0);
      this.drain.check();
    }
    if (this.closing) this.socket.end();
  }
}

/** What a transport decides per socket; the shared handlers below call it. */
export interface SocketHooks {
  /** A socket finished connecting (after the TLS handshake for TLS). Return the connection,
   *  or null to refuse it (the hook has already closed it). */
  opened(socket: BunSocket): BunSocketConnection | null;
  /** A socket that never became a connection closed or failed. */
  failed?(socket: BunSocket, error: Error | undefined): void;
  /** Bun reported an error (a TLS alert, a reset) on a socket. */
  error?(socket: BunSocket, error: Error): void;
}

/** One handler object for all sockets of a listener or connect call (Bun's model). */
export function socketHandlers(hooks: SocketHooks): SocketHandler<SocketState, "uint8array"> {
  const failedOnce = (socket: BunSocket, error: Error | undefined) => {
    if (socket.data.conn) return;
    const f = hooks.failed;
    hooks.failed = undefined; // at most once per hooks object (one per connect call)
    f?.(socket, error);
  };
  return {
    binaryType: "uint8array",
    open(socket) {
      hooks.opened(socket);
    },
    data(socket, chunk) {
      socket.data.conn?._data(chunk);
    },
    drain(socket) {
      socket.data.conn?._drain();
    },
    end(socket) {
      // the peer sent FIN; without allowHalfOpen Bun closes the socket and calls close()
      socket.data.conn?._end();
    },
    close(socket, error) {
      const conn = socket.data.conn;
      if (conn) conn._end(error);
      else failedOnce(socket, error);
    },
    error(socket, error) {
      hooks.error?.(socket, error);
      socket.data.conn?._error(error);
    },
    connectError(socket, error) {
      failedOnce(socket, error);
    },
  };
}

/** Where to connect or listen, in Bun's terms (plus TLS options where they apply). */
export type BunEndpoint =
  | { unix: string; tls?: Record<string, unknown> }
  | { hostname: string; port: number; tls?: Record<string, unknown> };

/** What serve() returns: Bun's TCP or Unix listener. */
export interface BunListener { stop(closeActiveConnections?: boolean): void; readonly hostname?: string; readonly port?: number }

/** Dial one socket; resolves once it is open (after the TLS handshake, if any). `accept`
 *  names the peer, or throws to refuse it (e.g. a server certificate that did not verify). */
export function dial(endpoint: BunEndpoint, description: string,
    accept: (socket: BunSocket) => PeerIdentity, onError?: (error: Error) => void): Promise<BunSocketConnection> {
  return new Promise((resolve, reject) => {
    let lastError: Error | undefined;
    const hooks: SocketHooks = {
      opened(socket) {
        let peer: PeerIdentity;
        try {
          peer = accept(socket);
        } catch (e) {
          hooks.failed = undefined;
          socket.terminate();
          reject(e);
          return null;
        }
        const conn = new BunSocketConnection(socket, peer, description);
        if (lastError) conn._error(lastError);
        resolve(conn);
        return conn;
      },
      failed(_socket, error) {
        reject(error ?? lastError ?? new Error(`${description}: connection closed before it was established`));
      },
      error(_socket, error) {
        lastError ??= error;
        onError?.(error);
      },
    };
    const data: SocketState = { conn: null };
    // one call for both shapes (the union does not match either overload on its own)
    const options = { ...endpoint, data, socket: socketHandlers(hooks) } as unknown as Bun.TCPSocketConnectOptions<SocketState>;
    Bun.connect(options)
      .catch((e: Error) => hooks.failed?.(undefined as never, e));
  });
}

/** Listen; every accepted socket that `accept` names becomes a connection. A socket `accept`
 *  refuses (returns null) is closed before any byte of it is read. */
export function serve(endpoint: BunEndpoint, description: (socket: BunSocket) => string,
    accept: (socket: BunSocket) => PeerIdentity | null,
    onConnection: (conn: TransportConnection) => void): BunListener {
  const hooks: SocketHooks = {
    opened(socket) {
      const peer = accept(socket);
      if (!peer) {
        socket.terminate();
        return null;
      }
      const conn = new BunSocketConnection(socket, peer, description(socket));
      conn.pauseUntilStarted(); // the server reads nothing until the authorizer has run
      onConnection(conn);
      return conn;
    },
  };
  const options = { ...endpoint, data: { conn: null }, socket: socketHandlers(hooks) } as unknown as Bun.TCPSocketListenOptions<SocketState>;
  return Bun.listen<SocketState>(options);
}

