// An in-memory transport whose connections carry a chosen peer identity (a uid, a
// certificate), and whose server ends honour pauseReading/resumeReading: chunks that arrive
// while paused wait in the fake "socket" and are counted, so tests can see a server stop
// reading (budgets, oneways waiting their turn) without a kernel.
import { memoryPair } from "../../src/transports/memory.js";
import type { PeerIdentity, RpcServer } from "../../src/index.js";
import type { ConnectionSink, RpcTransport, TransportConnection, TransportListener } from "../../src/transport.js";

export class PausableEnd implements TransportConnection {
  private sink: ConnectionSink | null = null;
  private paused = false;
  private readonly waiting: Uint8Array[] = [];
  /** How often the server paused this connection. */
  pauses = 0;

  constructor(private readonly inner: TransportConnection) {}

  get peer(): PeerIdentity { return this.inner.peer; }
  get canPassFds(): boolean { return false; }
  get description(): string { return this.inner.description; }
  get isPaused(): boolean { return this.paused; }
  /** Bytes the peer sent that wait in the socket while reads are paused. */
  get waitingBytes(): number { return this.waiting.reduce((n, c) => n + c.length, 0); }

  start(sink: ConnectionSink): void {
    this.sink = sink;
    this.inner.start({
      data: (chunk) => { if (this.paused) this.waiting.push(chunk); else sink.data(chunk); },
      end: (e) => sink.end(e),
    });
  }
  write(bytes: Uint8Array): void { this.inner.write(bytes); }
  get bufferedAmount(): number { return this.inner.bufferedAmount; }
  onDrain(cb: () => void): void { this.inner.onDrain(cb); }
  close(): void { this.inner.close(); }
  pauseReading(): void { this.paused = true; this.pauses++; }
  resumeReading(): void {
    this.paused = false;
    while (!this.paused && this.waiting.length) this.sink!.data(this.waiting.shift()!);
  }
}

/** connect() reaches `server` over a memory pair whose ends say they are `peer`. */
export class PeerTransport implements RpcTransport {
  readonly name = "peer-memory";
  /** The server ends, in the order connected. */
  readonly accepted: PausableEnd[] = [];
  constructor(private readonly server: RpcServer, private readonly peer: PeerIdentity) {}

  async connect(): Promise<TransportConnection> {
    const [client, server] = memoryPair({ description: `peer-memory:${this.accepted.length}`, peer: this.peer });
    const end = new PausableEnd(server);
    this.accepted.push(end);
    queueMicrotask(() => { void this.server.accept(end); });
    return client;
  }

  async listen(): Promise<TransportListener> { throw new Error("connect() only"); }
}

export const uid = (n: number): PeerIdentity => ({ kind: "unix", uid: n, pid: 1, gid: n });
