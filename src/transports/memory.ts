// In-memory transports for one thread (tests, embedding a service in the same program):
// memoryPair() is a connected pair of TransportConnections, and MemoryTransport an RpcTransport
// whose addresses are names, so connectSession(memoryTransport, "name") reaches
// server.listen(memoryTransport, "name") with the full handshake and every wire version.
// Writes are copied (the caller may reuse its buffer) and delivered on a later microtask,
// coalesced: a burst of frames written in one turn arrives as one chunk, as from a socket.
// A reader that pauses holds them: the writer's bufferedAmount grows until it resumes.
import type { ConnectionSink, PeerIdentity, RpcTransport, TransportConnection, TransportListener } from "../rpc/transport.js";
import { copyBytes } from "../rpc/byte-queue.js";
import { DrainWaiters } from "./backpressure.js";

const IN_PROCESS: PeerIdentity = { kind: "local", detail: "in-process" };

class MemoryEnd implements TransportConnection {
  readonly canPassFds = false;
  other!: MemoryEnd;
  private sink: ConnectionSink | null = null;
  /** Bytes written to us, not yet handed to the sink. */
  private inbox: Uint8Array[] = [];
  private inboxBytes = 0;
  private scheduled = false;
  /** The other side stopped writing (after what is in the inbox). */
  private eof = false;
  private ended = false;
  private closed = false;
  private paused = false;
  /** The writer's onDrain callbacks: run once our inbox (what it wrote) is delivered. */
  readonly drain = new DrainWaiters(() => this.inboxBytes === 0 || this.ended || this.other.closed);

  constructor(readonly description: string, readonly peer: PeerIdentity) {}

  start(sink: ConnectionSink): void {
    if (this.sink) throw new Error("start() called twice");
    this.sink = sink;
    this.schedule();
  }

  write(bytes: Uint8Array, fds?: readonly number[]): void {
    if (fds && fds.length) throw new Error("this transport cannot carry file descriptors");
    if (this.closed || bytes.length === 0) return;
    this.other.receive(copyBytes(bytes));
  }

  /** write() copies already: a lent frame is taken as it is. */
  writeNow(bytes: Uint8Array): boolean {
    this.write(bytes);
    return true;
  }

  /** What we wrote that the other end has not handed to its sink yet. */
  get bufferedAmount(): number { return this.other.inboxBytes; }

  onDrain(cb: () => void): void { this.other.drain.add(cb); }

  pauseReading(): void { this.paused = true; }

  resumeReading(): void {
    if (!this.paused) return;
    this.paused = false;
    this.schedule();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.paused = false; // what is held is still delivered, then the end
    this.other.receiveEof();
    // like a socket: once both directions are shut, our own reader ends too
    this.receiveEof();
  }

  private receive(chunk: Uint8Array): void {
    if (this.eof || this.ended) return;
    this.inbox.push(chunk);
    this.inboxBytes += chunk.length;
    this.schedule();
  }

  private receiveEof(): void {
    this.eof = true;
    this.schedule();
  }

  private schedule(): void {
    if (this.scheduled || !this.sink || this.paused) return;
    this.scheduled = true;
    queueMicrotask(() => this.deliver());
  }

  private deliver(): void {
    this.scheduled = false;
    const sink = this.sink;
    if (!sink || this.ended || this.paused) return;
    if (this.inbox.length) {
      let chunk: Uint8Array;
      if (this.inbox.length === 1) chunk = this.inbox[0]!;
      else {
        chunk = new Uint8Array(this.inboxBytes);
        let at = 0;
        for (const c of this.inbox) { chunk.set(c, at); at += c.length; }
      }
      this.inbox = [];
      this.inboxBytes = 0;
      sink.data(chunk);
      this.drain.check();
    }
    if (this.eof && !this.inbox.length && !this.ended) {
      this.ended = true;
      sink.end();
      this.drain.check();
    }
  }
}

/** Two connected in-memory TransportConnections: what one writes, the other reads. */
export function memoryPair(options: { description?: string; peer?: PeerIdentity } = {}): [TransportConnection, TransportConnection] {
  const name = options.description ?? "memory";
  const peer = options.peer ?? IN_PROCESS;
  const a = new MemoryEnd(`${name}#a`, peer);
  const b = new MemoryEnd(`${name}#b`, peer);
  a.other = b;
  b.other = a;
  return [a, b];
}

/** An RpcTransport inside one program: listen(name) and connect(name), no sockets. Use the
 *  shared `memoryTransport`, or your own instance for a separate namespace. */
export class MemoryTransport implements RpcTransport {
  readonly name = "memory";
  private readonly listeners = new Map<string, (conn: TransportConnection) => void>();
  private count = 0;

  async connect(address: string): Promise<TransportConnection> {
    const accept = this.listeners.get(address);
    if (!accept) throw new Error(`no in-memory listener named "${address}" (connection refused)`);
    const [client, server] = memoryPair({ description: `memory:${address}:${++this.count}` });
    // the listener hears of it after connect() has returned, as with a socket
    queueMicrotask(() => accept(server));
    return client;
  }

  async listen(address: string, onConnection: (conn: TransportConnection) => void): Promise<TransportListener> {
    if (this.listeners.has(address)) throw new Error(`in-memory listener "${address}" already exists (address in use)`);
    this.listeners.set(address, onConnection);
    return {
      address,
      close: async () => { if (this.listeners.get(address) === onConnection) this.listeners.delete(address); },
    };
  }
}

export const memoryTransport = new MemoryTransport();
