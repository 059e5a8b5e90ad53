// RpcTransport: the only place a runtime's socket API is touched. An adapter (runtimes/node,
// runtimes/deno, runtimes/bun) turns its sockets into these three small interfaces; all
// protocol logic (handshake, framing, sessions) stays in src/ and never imports a runtime.
//
// Reading is push-based: the adapter hands every chunk it receives to the sink, and src/
// assembles frames from them (rpc/byte-queue.ts). That costs one copy at most on all three
// runtimes (Node and Bun deliver chunks; Deno's pull loop lives inside its adapter), and lets a
// whole burst of small frames be processed in one turn without a promise per frame.

/** Who is on the other end, as far as the transport can tell. */
export type PeerIdentity =
  | { kind: "unix"; uid: number; pid: number; gid: number }
  | { kind: "certificate"; subject: string; fingerprint256: string }
  /** The same process (an in-process or worker transport): the same OS identity. */
  | { kind: "local"; detail: string }
  | { kind: "anonymous"; reason?: string };

export const ANONYMOUS: PeerIdentity = { kind: "anonymous" };

export interface ConnectionSink {
  /** Bytes arrived. The chunk is handed over: the session may keep a reference to it until a
   *  frame is complete, so an adapter must not reuse its memory, unless it says `lent`: then
   *  the memory is the adapter's again once data() returns, and the session copies whatever it
   *  still needs (usually nothing: frames are processed inside the call). */
  data(chunk: Uint8Array, fds?: number[], lent?: boolean): void;
  /** The stream ended (error is set for an abnormal end). Called once. */
  end(error?: Error): void;
}

export interface TransportConnection {
  /** Begin delivering data to the sink. Called once, right after connect/accept. */
  start(sink: ConnectionSink): void;
  /** Queue bytes for sending (never blocks; the adapter owns the copy it needs). `fds` ride
   *  with the first byte of `bytes` where the transport can carry them. `more`: the session
   *  will write more frames on this connection once the current promise chains have run (the
   *  replies to pipelined calls), so an adapter may hold this one to send them together;
   *  adapters that ignore it stay correct. */
  write(bytes: Uint8Array, fds?: readonly number[], more?: boolean): void;
  /** Optional: send `bytes` now, without keeping them: they are a view of the core's memory,
   *  valid only during this call. An adapter that cannot send them at once (something queued
   *  ahead of them, a frame already sent this turn) does nothing and returns false, and the
   *  session copies them and calls write(); one that sends part copies the rest to its own
   *  queue and returns true. Saves the copy a frame otherwise makes out of linear memory. */
  writeNow?(bytes: Uint8Array): boolean;
  /** Backpressure, outgoing: bytes accepted by write()/writeNow() that the kernel (or the
   *  other end of an in-process transport) has not taken yet. A session stops reading from a
   *  connection whose queue passes its limit, so a peer that does not read its replies sees a
   *  full socket, as with libbinder's blocking send, instead of this side buffering without
   *  bound (docs/limits.md). */
  readonly bufferedAmount: number;
  /** Call `cb` once, the next time bufferedAmount falls to zero (at once, on a later tick, if
   *  it is zero now, or if the connection has closed). */
  onDrain(cb: () => void): void;
  /** Backpressure, incoming: stop handing chunks to the sink until resumeReading(); what the
   *  peer sends meanwhile waits in the kernel's socket buffer (and then the peer's). Not
   *  counted: Connection.holdReads/releaseReads pair them for the session. */
  pauseReading(): void;
  resumeReading(): void;
  /** Close gracefully (flush queued writes, then end). */
  close(): void;
  /** Who the peer is (taken at connect/accept). */
  readonly peer: PeerIdentity;
  /** True when write(bytes, fds) can carry file descriptors (Unix sockets with SCM_RIGHTS). */
  readonly canPassFds: boolean;
  /** A printable description (address) for logs. */
  readonly description: string;
}

export interface TransportListener {
  /** Stop accepting; existing connections are not closed. */
  close(): Promise<void>;
  readonly address: string;
}

export interface RpcTransport {
  readonly name: string;
  connect(address: string): Promise<TransportConnection>;
  listen(address: string, onConnection: (conn: TransportConnection) => void): Promise<TransportListener>;
}
