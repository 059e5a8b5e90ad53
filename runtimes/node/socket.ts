// A node:net socket as a TransportConnection. Used for Unix sockets here (and TCP/TLS later):
// chunks go straight to the session's sink, writes go straight to the socket (Node copies
// nothing: the frame buffer handed to write() is already a private copy).
import * as net from "node:net";
import type { Socket } from "node:net";
import type { ConnectionSink, PeerIdentity, TransportConnection } from "../../src/rpc/transport.js";
import { copyBytes } from "../../src/rpc/byte-queue.js";
import { accelerated } from "./fd-runtime.js";
import { nodeNative } from "./native.js";
import { socketFd } from "./peercred.js";
import { directSender } from "./direct-send.js";
import { SocketDrain } from "./drain.js";

/** Bytes per read for sockets read through `onread`, at first. */
const READ_BUFFER = 64 * 1024;
/** The most a connection keeps for the rest of big frames that send(2) did not take. */
const SPILL_MAX = 1024 * 1024;
/** A read that fills the buffer doubles it, up to this: a big frame (a 64 KiB byte[] makes one
 *  a little over 64 KiB) then arrives in one read, not two. Deno's reads cost more than
 *  Node's: its 64 KiB echo over node:net went from 82 to 72 us; Node's did not move. A
 *  connection that carries only small frames keeps 64 KiB. */
const READ_BUFFER_MAX = 256 * 1024;

/** Reads through node:net's `onread` option: libuv reads into one reused buffer and no
 *  Readable stream or Buffer is made per read (about 1.5 µs less CPU per read than 'data'
 *  events, bench/README.md). Node offers it where a socket is created (net.connect), not for
 *  sockets a server accepts. Chunks are lent to the session (ConnectionSink.data); what
 *  arrives before the session starts reading is copied and kept. */
export class LentReads {
  private sink: ConnectionSink | null = null;
  private early: Uint8Array[] = [];
  private buffer = Buffer.allocUnsafe(READ_BUFFER);
  /** Pass as `onread` where the socket is made (net.connect, new net.Socket). `buffer` as a
   *  function: node:net (Node's and Deno's) asks it for the buffer of every next read. */
  readonly onread = {
    buffer: (): Uint8Array => this.buffer,
    callback: (n: number, buf: Uint8Array): boolean => {
      if (n <= 0) return true;
      // a plain view: Buffer#subarray() goes through the species constructor (slower)
      const chunk = new Uint8Array(buf.buffer, buf.byteOffset, n);
      if (this.sink) this.sink.data(chunk, undefined, true);
      else this.early.push(copyBytes(chunk));
      if (n === buf.length && n < READ_BUFFER_MAX) this.buffer = Buffer.allocUnsafe(n * 2);
      return true;
    },
  };

  attach(sink: ConnectionSink): void {
    this.sink = sink;
    for (const c of this.early.splice(0)) sink.data(c);
  }
}

export class NodeSocketConnection implements TransportConnection {
  private sink: ConnectionSink | null = null;
  private ended = false;
  readonly canPassFds = false;

  /** send(2) on the descriptor (direct-send.ts), for plain sockets. */
  private readonly send: ((bytes: Uint8Array) => number) | null;
  /** @internal read through `onread` (tests check which way a socket reads) */
  readonly reads?: LentReads;

  /** `reads`: the socket was created with `reads.onread` (else 'data' events are used).
   *  `send`: send(2) on its descriptor (direct-send.ts), for a plain connected socket only
   *  (never TLS: its descriptor carries ciphertext). */
  constructor(private readonly socket: Socket, readonly peer: PeerIdentity, readonly description: string,
      reads?: LentReads, send: ((bytes: Uint8Array) => number) | null = null) {
    socket.setNoDelay?.(true);
    this.send = send;
    this.reads = reads;
    this.drain = new SocketDrain(socket, () => this.restBytes);
  }

  private readonly drain: SocketDrain;

  /** Bytes written and not yet taken by the kernel: the frames of this turn not yet flushed,
   *  and what node's stream holds. */
  get bufferedAmount(): number { return this.drain.bufferedAmount; }

  onDrain(cb: () => void): void { this.drain.add(cb); }

  /** socket.pause(): for a socket read through `onread`, node stops libuv's reads
   *  (readStop); for one read through 'data' events, the stream stops flowing and libuv stops
   *  once its 16 KiB readable buffer is full. Either way the peer's bytes wait in the kernel. */
  pauseReading(): void { this.socket.pause(); }

  resumeReading(): void { this.socket.resume(); }

  /** Where frames go: send(2) when nothing is queued, else (and for what it did not take)
   *  the socket's stream, which keeps `bytes` until written. */
  private out(bytes: Uint8Array): void {
    const n = this.send ? this.send(bytes) : -1;
    if (n === bytes.length) return;
    this.socket.write(n > 0 ? bytes.subarray(n) : bytes);
  }

  /** The first frame of a turn, sent now from the caller's memory (a view of the core's,
   *  valid only during this call): what send(2) does not take is copied to the stream. False
   *  (nothing done) when it cannot be sent now; the caller then copies it and calls write(). */
  writeNow(bytes: Uint8Array): boolean {
    if (this.inTurn || !this.send || this.socket.destroyed) return false;
    const n = this.send(bytes);
    if (n < 0) return false;
    this.inTurn = true;
    if (n < bytes.length) this.spillRest(bytes.subarray(n));
    return true;
  }

  /** Where the rest of a lent frame waits for the stream, reused from one big frame to the
   *  next: a 1 MiB frame leaves ~800 KiB here (the socket's send buffer takes ~200 KiB), and a
   *  new buffer that big page-faults on every page as it is filled (~1 us a page on a VM). */
  /** @internal the reused buffer for a frame's unsent rest (tests check it is reused) */
  spill: Buffer | null = null;
  /** @internal the stream is still writing the spill */
  spillBusy = false;
  private readonly spillDone = () => { this.spillBusy = false; };

  private spillRest(rest: Uint8Array): void {
    if (this.spillBusy || rest.length > SPILL_MAX) {
      this.socket.write(Buffer.from(rest)); // a copy of its own (unzeroed)
      return;
    }
    let spill = this.spill;
    if (!spill || spill.length < rest.length) {
      let size = 64 * 1024;
      while (size < rest.length) size *= 2;
      spill = this.spill = Buffer.allocUnsafeSlow(size);
    }
    spill.set(rest);
    this.spillBusy = true; // until the stream has written it (or failed to)
    this.socket.write(spill.subarray(0, rest.length), this.spillDone);
  }

  start(sink: ConnectionSink): void {
    this.sink = sink;
    const finish = (error?: Error) => {
      if (this.ended) return;
      this.ended = true;
      sink.end(error);
    };
    // every read begins a turn (see write())
    if (this.reads) this.reads.attach({ data: (c, f, lent) => { this.newTurn(); sink.data(c, f, lent); }, end: (e) => sink.end(e) });
    else {
      this.socket.on("data", (chunk: Buffer) => { this.newTurn(); sink.data(chunk); });
      this.socket.resume(); // accepted with pauseOnConnect
    }
    this.socket.on("end", () => finish());
    this.socket.on("close", () => finish());
    this.socket.on("error", (e) => finish(e));
  }

  write(bytes: Uint8Array, fds?: readonly number[], more = false): void {
    if (fds && fds.length) throw new Error("this transport cannot carry file descriptors");
    if (this.socket.destroyed) return;
    // The first frame of a turn goes out at once (a call's only frame: no buffering, no
    // writev). Frames that follow in the same turn (a oneway burst) are gathered and leave
    // together in one write when the turn's microtasks run: one syscall and one wakeup of the
    // peer instead of one per frame. A read begins a turn; so does the flush. The common
    // exchange (a read, then one frame in answer) schedules nothing: a microtask per frame
    // costs more than its callback on node, an AsyncResource per queueMicrotask.
    if (!this.inTurn && !more) {
      this.inTurn = true;
      this.out(bytes);
      return;
    }
    this.rest.push(bytes);
    this.restBytes += bytes.length;
    this.inTurn = true;
    if (!this.scheduled) {
      this.scheduled = true;
      queueMicrotask(this.flush);
    }
    // Replies to pipelined calls follow each other through promise chains, each a microtask
    // or more after the last: they wait for a nextTick, which Node runs (when queued from a
    // microtask) only once the whole microtask queue is empty. Only then: a nextTick per call
    // would cost the null call about a microsecond.
    if (more && !this.held) {
      this.held = true;
      process.nextTick(this.flushHeld);
    }
  }

  private inTurn = false;
  private scheduled = false;
  private held = false;
  /** A read arrived: what is written next is the first frame of a turn (unless frames of the
   *  last turn still wait for their flush, which runs before any read in practice). */
  private newTurn(): void {
    if (!this.scheduled && !this.held) this.inTurn = false;
  }
  private rest: Uint8Array[] = [];
  private restBytes = 0;
  private readonly flushHeld = () => {
    this.held = false;
    this.flush();
  };
  private readonly flush = () => {
    this.scheduled = false;
    if (this.held) return;
    this.inTurn = false;
    const r = this.rest;
    if (r.length === 0) return;
    this.rest = [];
    this.restBytes = 0;
    if (!this.socket.destroyed && this.socket.writable) this.out(r.length === 1 ? r[0]! : Buffer.concat(r));
    this.drain.check();
  };

  close(): void {
    if (this.socket.destroyed) return;
    this.held = false;
    this.flush();
    this.socket.end();
    // a peer that never reads must not keep us half-open forever
    setTimeout(() => this.socket.destroy(), 1000).unref?.();
  }
}

/** What an accepted socket needs from libc: a duplicate of its descriptor, and send(2).
 *  Node's come through koffi; Deno's node:net sockets use Deno's FFI (runtimes/deno/unix-net.ts). */
export interface SocketFdOps {
  dup(fd: number): number;
  close(fd: number): void;
  sender(socket: Socket): ((bytes: Uint8Array) => number) | null;
}

/** Node's: libc through koffi, and nothing (plain node:net) where the accelerated tier is off
 *  or koffi is missing (native.ts). */
export const koffiFdOps: SocketFdOps = {
  dup: (fd) => (accelerated() && nodeNative.syscalls() ? nodeNative.dup(fd) : -1),
  close: (fd) => { nodeNative.syscalls()?.close(fd); },
  sender: (socket) => directSender(socket),
};

/** An accepted socket as a connection read through `onread`. node:net takes `onread` only
 *  where a socket is made, so the server accepts with pauseOnConnect (nothing is read), and a
 *  duplicate of the descriptor goes into a new net.Socket that has it; the accepted one is
 *  destroyed. Where libc is out of reach (no koffi) the accepted socket is used as it is. */
export function acceptedConnection(socket: Socket, peer: PeerIdentity, description: string, ops: SocketFdOps = koffiFdOps): NodeSocketConnection {
  const fd = socketFd(socket);
  let own = -1;
  if (fd >= 0) {
    try { own = ops.dup(fd); } catch { own = -1; }
  }
  if (own < 0) return new NodeSocketConnection(socket, peer, description);
  const reads = new LentReads();
  // `onread` is a net.Socket constructor option since Node 12 (older @types/node list it
  // under connect() only)
  const opts = { fd: own, readable: true, writable: true, onread: reads.onread };
  let mine: Socket;
  try {
    mine = new net.Socket(opts as net.SocketConstructorOpts);
  } catch {
    // a node:net that cannot adopt a descriptor (another runtime's): keep the accepted socket
    ops.close(own);
    return new NodeSocketConnection(socket, peer, description);
  }
  socket.destroy();
  return new NodeSocketConnection(mine, peer, description, reads, ops.sender(mine));
}
