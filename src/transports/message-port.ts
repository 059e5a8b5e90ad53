// A binder session between threads (a Worker and its parent, two workers) over web-standard
// MessagePorts, in Node (worker_threads), Deno and Bun alike.
//
// The listening side owns an *endpoint*: any MessagePort-like object it receives connection
// requests on (one half of a MessageChannel handed to the worker, the worker's parentPort or
// global scope, or a Worker object). Every connection gets its own MessageChannel: the
// connecting side creates it and posts one port to the endpoint, naming the listener; the
// listener answers on that port with "accept" (or "refuse"). Bytes then travel either
//   - through a pair of SharedArrayBuffer byte rings (ring.ts), when both threads have
//     SharedArrayBuffer and Atomics.waitAsync and neither side turned it off (sharedMemory:
//     false): the connecting side offers, the listener accepts;
//   - or as ArrayBuffers posted and transferred over the port (writes made in one turn are
//     coalesced into one message).
// The port also carries end-of-stream in message mode, and notices a peer that died.
//
// Backpressure: in ring mode a reader that pauses stops taking from its ring, the ring fills
// and the writer's backlog (its bufferedAmount) grows. In message mode posted bytes are gone
// from the writer at once, so the reader acknowledges what it has handed to its session:
// every ACK_EVERY bytes on its own, and at once when the writer asks (onDrain); the writer
// counts what it posted and what was acknowledged.
import type { ConnectionSink, PeerIdentity, RpcTransport, TransportConnection, TransportListener } from "../rpc/transport.js";
import { RingReader, RingWriter, createRingBuffer, sharedMemoryAvailable } from "./ring.js";
import { copyBytes } from "../rpc/byte-queue.js";
import { DrainWaiters } from "./backpressure.js";

export { sharedMemoryAvailable } from "./ring.js";

/** Something connection requests can be posted to and heard on: a MessagePort, a Worker
 *  (web or node:worker_threads), a worker's parentPort or global scope. */
export interface MessageEndpoint {
  postMessage(message: any, transfer?: any): void;
  addEventListener?(type: "message", listener: (ev: { data: any }) => void): void;
  removeEventListener?(type: "message", listener: (ev: { data: any }) => void): void;
  /** node:worker_threads Worker (an EventEmitter): the listener gets the data itself. */
  on?(type: "message", listener: (data: any) => void): unknown;
  off?(type: "message", listener: (data: any) => void): unknown;
  start?(): void;
}

export interface MessagePortTransportOptions {
  /** Carry bytes in SharedArrayBuffer rings when both sides can (default true; false forces
   *  postMessage). Measured (bench/worker.mjs): on Deno a null call is clearly faster over the
   *  ring, on Node 20 and Bun about the same; a thread wake-up (Atomics.waitAsync or a port
   *  message) dominates a round trip either way, and the ring copies once more per direction. */
  sharedMemory?: boolean;
  /** Capacity of each direction's ring in bytes (default 256 KiB). */
  ringBytes?: number;
  /** connect() gives up if the listener does not answer within this many ms (default 10,000). */
  connectTimeoutMs?: number;
}

const TAG = "tsbinder";
/** Message mode: the reader acknowledges delivered bytes at least this often, unasked. */
const ACK_EVERY = 256 * 1024;
const PEER: PeerIdentity = { kind: "local", detail: "message port (same process)" };

type ConnectRequest = { [TAG]: "connect"; name: string; port: MessagePort; ring?: { up: SharedArrayBuffer; down: SharedArrayBuffer } };
type Control = { [TAG]: "accept"; ring: boolean } | { [TAG]: "refuse"; reason: string } | { [TAG]: "end" }
  /** Message mode flow control: "ack?" asks the reader for an "ack" of all it has delivered. */
  | { [TAG]: "ack?" } | { [TAG]: "ack"; delivered: number };

function isControl(x: unknown): x is Control {
  return typeof x === "object" && x !== null && !(x instanceof ArrayBuffer) && TAG in x;
}

/** One connection's port, with its data path (ring or messages). */
export class MessagePortConnection implements TransportConnection {
  readonly canPassFds = false;
  readonly peer: PeerIdentity = PEER;
  private sink: ConnectionSink | null = null;
  private early: Uint8Array[] = [];
  private outbox: Uint8Array[] = [];
  private outboxBytes = 0;
  private flushScheduled = false;
  private txClosed = false;
  private rxEnded = false;
  private earlyEnd: { error?: Error } | null = null;
  private portClosed = false;
  private forceTimer: ReturnType<typeof setTimeout> | null = null;
  private tx: RingWriter | null = null;
  private rx: RingReader | null = null;
  private readonly onMessage = (ev: { data: unknown }) => this.received(ev.data);
  private readonly onClose = () => this.peerGone();
  /** Set while connecting: the listener's answer. */
  answer: ((c: Control) => void) | null = null;
  // message-mode flow control (see the top of this file)
  private posted = 0;
  private acked = 0;
  private askedAck = false;
  private delivered = 0;
  private unacked = 0;
  /** Paused (pauseReading): chunks that arrive wait here; null while reading. */
  private held: Uint8Array[] | null = null;
  /** The writer asked for an ack while we were paused: answered on resume. */
  private ackOwed = false;
  private endAfterHeld = false;
  private readonly drain = new DrainWaiters(() => this.bufferedAmount === 0 || this.portClosed);

  constructor(private readonly port: MessagePort, readonly description: string) {
    port.addEventListener("message", this.onMessage as (ev: MessageEvent) => void);
    // Node (and newer browsers) tell us when the other side's port went away
    port.addEventListener("close", this.onClose);
    port.start();
  }

  /** "ring" (SharedArrayBuffer) or "message" (postMessage): how bytes travel. */
  get mode(): "ring" | "message" { return this.tx ? "ring" : "message"; }

  useRings(tx: SharedArrayBuffer, rx: SharedArrayBuffer): void {
    this.tx = new RingWriter(tx);
    this.rx = new RingReader(rx);
    this.tx.onBacklogDrained = this.drain.check;
  }

  /** Ring mode: what waits outside the ring. Message mode: what is staged for this turn's
   *  message, and what was posted and not yet acknowledged as delivered. */
  get bufferedAmount(): number {
    return this.tx ? this.tx.backlogBytes : this.outboxBytes + this.posted - this.acked;
  }

  onDrain(cb: () => void): void {
    this.drain.add(cb);
    if (!this.tx && this.bufferedAmount > 0) this.askAck();
  }

  /** Ask the reader to acknowledge everything (after what is staged now is posted). */
  private askAck(): void {
    if (this.askedAck || this.portClosed) return;
    this.askedAck = true;
    this.flush();
    this.port.postMessage({ [TAG]: "ack?" } satisfies Control);
  }

  pauseReading(): void {
    if (this.tx) { this.rx!.pause(); return; }
    this.held ??= [];
  }

  resumeReading(): void {
    if (this.tx) { this.rx!.resume(); return; }
    const held = this.held;
    if (!held) return;
    this.held = null;
    // deliver() holds the rest again if the sink pauses once more
    for (const c of held) this.deliver(c);
    if (this.held) return;
    if (this.ackOwed) { this.ackOwed = false; this.ack(); }
    if (this.endAfterHeld) this.peerEnded();
  }

  /** Message mode: hand a chunk to the session and count it for the writer's acks. */
  private deliver(chunk: Uint8Array): void {
    if (this.held) { this.held.push(chunk); return; }
    this.sink!.data(chunk);
    this.delivered += chunk.length;
    this.unacked += chunk.length;
    if (this.unacked >= ACK_EVERY) this.ack();
  }

  private ack(): void {
    this.unacked = 0;
    if (!this.portClosed) this.port.postMessage({ [TAG]: "ack", delivered: this.delivered } satisfies Control);
  }

  start(sink: ConnectionSink): void {
    if (this.sink) throw new Error("start() called twice");
    this.sink = sink;
    for (const c of this.early.splice(0)) this.deliver(c);
    if (this.ackOwed && !this.held) { this.ackOwed = false; this.ack(); }
    // what the peer put in the ring before we started (it may be gone already)
    this.rx?.drainNow((c) => sink.data(c));
    if (this.earlyEnd) { this.endSink(this.earlyEnd.error); return; }
    if (this.rx) {
      void this.rx.run((c) => this.sink!.data(c), () => this.peerEnded());
    }
  }

  write(bytes: Uint8Array, fds?: readonly number[]): void {
    if (fds && fds.length) throw new Error("this transport cannot carry file descriptors");
    if (this.txClosed || this.portClosed || bytes.length === 0) return;
    if (this.tx) {
      // staged: everything written in this turn becomes visible (one wake-up) at its end
      this.tx.write(bytes, false);
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        queueMicrotask(() => { this.flushScheduled = false; this.tx!.publish(); });
      }
      return;
    }
    this.outbox.push(copyBytes(bytes));
    this.outboxBytes += bytes.length;
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      queueMicrotask(() => this.flush());
    }
  }

  close(): void {
    if (this.txClosed) return;
    this.txClosed = true;
    if (this.tx) {
      this.tx.close(() => this.maybeClosePort());
    } else {
      this.flush();
      if (!this.portClosed) this.port.postMessage({ [TAG]: "end" } satisfies Control);
      this.maybeClosePort();
    }
    // a peer that never answers our end must not keep us half-open forever
    if (!this.portClosed) {
      this.forceTimer = setTimeout(() => this.shutdownPort(), 1000);
      (this.forceTimer as { unref?: () => void }).unref?.();
    }
  }

  private flush(): void {
    this.flushScheduled = false;
    if (!this.outbox.length || this.portClosed) return;
    let chunk: Uint8Array;
    if (this.outbox.length === 1) chunk = this.outbox[0]!;
    else {
      chunk = new Uint8Array(this.outboxBytes);
      let at = 0;
      for (const c of this.outbox) { chunk.set(c, at); at += c.length; }
    }
    this.outbox = [];
    this.outboxBytes = 0;
    this.posted += chunk.length;
    // the copy is ours alone: transfer it rather than clone it
    const buf = chunk.byteOffset === 0 && chunk.byteLength === chunk.buffer.byteLength ? chunk.buffer : copyBytes(chunk).buffer;
    this.port.postMessage(buf, [buf]);
  }

  private received(data: unknown): void {
    if (data instanceof ArrayBuffer) {
      const chunk = new Uint8Array(data);
      if (this.sink) this.deliver(chunk); else this.early.push(chunk);
      return;
    }
    if (!isControl(data)) return;
    switch (data[TAG]) {
      case "end":
        // the end comes after the chunks held while paused
        if (this.held) this.endAfterHeld = true; else this.peerEnded();
        return;
      case "ack?":
        if (this.held || !this.sink) this.ackOwed = true; else this.ack();
        return;
      case "ack":
        this.acked = data.delivered;
        this.askedAck = false;
        this.drain.check();
        // someone still waits: more was posted meanwhile
        if (this.drain.waiting) this.askAck();
        return;
    }
    const answer = this.answer;
    this.answer = null;
    answer?.(data);
  }

  /** The peer finished writing (all its bytes have been delivered). */
  private peerEnded(): void {
    if (this.rxEnded) return;
    this.rxEnded = true;
    this.endSink();
    this.maybeClosePort();
  }

  /** The peer's port closed (it closed it after both ends, or its thread died). */
  private peerGone(): void {
    if (this.answer) { const a = this.answer; this.answer = null; a({ [TAG]: "refuse", reason: "the listener's port closed" }); }
    if (this.rx && this.sink && !this.rxEnded) this.rx.drainNow((c) => this.sink!.data(c));
    this.rx?.stop();
    this.tx?.abandon();
    this.shutdownPort();
    if (!this.rxEnded) {
      this.rxEnded = true;
      this.endSink();
    }
  }

  private endSink(error?: Error): void {
    if (!this.sink) { this.earlyEnd ??= { error }; return; }
    const sink = this.sink;
    this.sink = { data() {}, end() {} };
    sink.end(error);
  }

  private maybeClosePort(): void {
    if (this.txClosed && this.rxEnded && (!this.tx || this.tx.isClosed)) this.shutdownPort();
  }

  private shutdownPort(): void {
    if (this.forceTimer) { clearTimeout(this.forceTimer); this.forceTimer = null; }
    if (this.portClosed) return;
    this.portClosed = true;
    this.rx?.stop();
    this.tx?.abandon();
    this.port.removeEventListener("message", this.onMessage as (ev: MessageEvent) => void);
    this.port.removeEventListener("close", this.onClose);
    this.port.close();
    if (!this.rxEnded) { this.rxEnded = true; this.endSink(); }
  }
}

/** Per endpoint: the listeners registered on it by name, and the one message handler. */
class EndpointDispatch {
  readonly names = new Map<string, (req: ConnectRequest) => void>();
  private readonly onEvent = (ev: { data: unknown }) => this.handle(ev.data);
  private readonly onData = (data: unknown) => this.handle(data);
  constructor(private readonly endpoint: MessageEndpoint) {
    if (endpoint.addEventListener) {
      endpoint.addEventListener("message", this.onEvent);
      endpoint.start?.();
    } else if (endpoint.on) {
      endpoint.on("message", this.onData);
    } else {
      throw new TypeError("the endpoint has neither addEventListener nor on");
    }
  }
  detach(): void {
    if (this.endpoint.addEventListener) this.endpoint.removeEventListener?.("message", this.onEvent);
    else this.endpoint.off?.("message", this.onData);
  }
  private handle(data: unknown): void {
    if (typeof data !== "object" || data === null || (data as ConnectRequest)[TAG] !== "connect") return;
    const req = data as ConnectRequest;
    const accept = this.names.get(req.name);
    if (accept) { accept(req); return; }
    req.port.postMessage({ [TAG]: "refuse", reason: `no listener named "${req.name}"` } satisfies Control);
    req.port.close();
  }
}
const dispatchers = new WeakMap<MessageEndpoint, EndpointDispatch>();

/** An RpcTransport over MessagePorts: connect() posts to `endpoint`, listen() hears on it.
 *  Addresses are listener names (any string; several listeners can share an endpoint). */
export class MessagePortTransport implements RpcTransport {
  readonly name = "message-port";
  /** Connections made or accepted here, by data path. */
  readonly stats = { ring: 0, message: 0 };
  private readonly sharedMemory: boolean;
  private readonly ringBytes: number;
  private readonly connectTimeoutMs: number;
  private count = 0;

  constructor(readonly endpoint: MessageEndpoint, options: MessagePortTransportOptions = {}) {
    this.sharedMemory = (options.sharedMemory ?? true) && sharedMemoryAvailable();
    this.ringBytes = options.ringBytes ?? 256 * 1024;
    this.connectTimeoutMs = options.connectTimeoutMs ?? 10_000;
  }

  connect(address: string): Promise<TransportConnection> {
    const { port1, port2 } = new MessageChannel();
    const conn = new MessagePortConnection(port1, `message-port:${address}#${++this.count}`);
    const ring = this.sharedMemory ? { up: createRingBuffer(this.ringBytes), down: createRingBuffer(this.ringBytes) } : undefined;
    return new Promise<TransportConnection>((resolve, reject) => {
      const timer = setTimeout(() => {
        conn.answer = null;
        conn.close();
        reject(new Error(`no answer from message-port listener "${address}" within ${this.connectTimeoutMs} ms`));
      }, this.connectTimeoutMs);
      conn.answer = (c) => {
        clearTimeout(timer);
        if (c[TAG] === "accept") {
          if (c.ring && ring) conn.useRings(ring.up, ring.down);
          this.stats[conn.mode]++;
          resolve(conn);
        } else {
          reject(new Error(`message-port connect to "${address}" refused: ${c[TAG] === "refuse" ? c.reason : "unexpected answer"}`));
        }
      };
      const req: ConnectRequest = { [TAG]: "connect", name: address, port: port2, ...(ring ? { ring } : {}) };
      try {
        this.endpoint.postMessage(req, [port2]);
      } catch (e) {
        clearTimeout(timer);
        reject(e);
      }
    });
  }

  async listen(address: string, onConnection: (conn: TransportConnection) => void): Promise<TransportListener> {
    let d = dispatchers.get(this.endpoint);
    if (!d) { d = new EndpointDispatch(this.endpoint); dispatchers.set(this.endpoint, d); }
    if (d.names.has(address)) throw new Error(`message-port listener "${address}" already exists on this endpoint`);
    const accept = (req: ConnectRequest) => {
      const conn = new MessagePortConnection(req.port, `message-port:${address}#${++this.count}`);
      const ring = !!req.ring && this.sharedMemory;
      if (ring) conn.useRings(req.ring!.down, req.ring!.up);
      req.port.postMessage({ [TAG]: "accept", ring } satisfies Control);
      this.stats[conn.mode]++;
      onConnection(conn);
    };
    d.names.set(address, accept);
    const dispatch = d;
    return {
      address,
      close: async () => {
        if (dispatch.names.get(address) !== accept) return;
        dispatch.names.delete(address);
        if (!dispatch.names.size) { dispatch.detach(); dispatchers.delete(this.endpoint); }
      },
    };
  }
}

/** A MessagePort transport on `endpoint` (see MessagePortTransport). */
export function messagePortTransport(endpoint: MessageEndpoint, options?: MessagePortTransportOptions): MessagePortTransport {
  return new MessagePortTransport(endpoint, options);
}
