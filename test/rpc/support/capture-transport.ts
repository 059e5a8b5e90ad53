// An in-process transport that carries fds through the real send queue
// (native/fd-send-queue.ts) over a message buffer in JS memory, and records what each
// sendmsg(2) would have carried: its bytes and its SCM_RIGHTS. Each recorded sendmsg is
// delivered to the other end as one chunk with duplicates of its fds, as a Unix socket whose
// reader takes one sendmsg per recvmsg would. `maxSend` makes sendmsg take at most that many
// bytes (a full socket buffer), so partial sends happen too.
import type { ConnectionSink, PeerIdentity, RpcTransport, TransportConnection, TransportListener } from "../../../src/rpc/transport.js";
import { FdSendQueue, type SendmsgBuffer } from "../../../native/fd-send-queue.js";
import { MESSAGE as MSG } from "../../../native/linux.js";
import { closeRawFds, dupRawFd } from "../../../src/parcel/file-descriptor.js";
import { nodeFdOps as fdOps } from "../../../runtimes/node/unix-fds.js";

export interface Sendmsg { bytes: Uint8Array; fds: number }

const LOCAL: PeerIdentity = { kind: "local", detail: "capture" };

class CaptureEnd implements TransportConnection {
  readonly canPassFds = true;
  readonly peer = LOCAL;
  other!: CaptureEnd;
  readonly sent: Sendmsg[] = [];
  private sink: ConnectionSink | null = null;
  private readonly inbox: [Uint8Array, number[] | undefined][] = [];
  private readonly queue: FdSendQueue;
  private scheduled = false;
  private closed = false;

  constructor(readonly description: string, maxSend: number) {
    const data = 64 * 1024;
    const bytes = new Uint8Array(MSG.DATA + data);
    const dv = new DataView(bytes.buffer);
    const buffer: SendmsgBuffer = {
      bytes, base: 0n, dataSize: data,
      send: () => {
        const len = Number(dv.getBigUint64(MSG.IOV + 8, true));
        const take = Math.min(len, maxSend);
        const fds: number[] = [];
        if (dv.getBigUint64(MSG.HDR + 40, true) !== 0n) {
          const n = (Number(dv.getBigUint64(MSG.CTRL, true)) - 16) / 4;
          // the kernel's own references: the queue closes the sender's once this returns
          for (let i = 0; i < n; i++) fds.push(dupRawFd(fdOps, dv.getInt32(MSG.CTRL + 16 + i * 4, true)));
        }
        const chunk = bytes.slice(MSG.DATA, MSG.DATA + take);
        this.sent.push({ bytes: chunk, fds: fds.length });
        this.other.receive(chunk, fds.length ? fds : undefined);
        return take;
      },
    };
    this.queue = new FdSendQueue(-1, () => buffer, fdOps);
  }

  start(sink: ConnectionSink): void {
    this.sink = sink;
    this.deliver();
  }

  write(bytes: Uint8Array, fds?: readonly number[]): void {
    if (this.closed) { closeRawFds(fdOps, fds); return; }
    this.queue.push(bytes.slice(), fds);
    if (this.scheduled) return;
    this.scheduled = true;
    // frames written in the same turn leave together, as with ReactorFdConnection
    queueMicrotask(() => {
      this.scheduled = false;
      if (!this.closed) this.queue.flush(); // (a partial sendmsg is followed by the next at once)
    });
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.queue.drop();
    queueMicrotask(() => { this.other.end(); this.end(); });
  }

  private receive(chunk: Uint8Array, fds: number[] | undefined): void {
    if (this.closed) { closeRawFds(fdOps, fds); return; }
    this.inbox.push([chunk, fds]);
    queueMicrotask(() => this.deliver());
  }

  private deliver(): void {
    if (!this.sink) return;
    for (const [chunk, fds] of this.inbox.splice(0)) this.sink.data(chunk, fds);
  }

  private ended = false;
  private end(): void {
    if (this.ended) return;
    this.ended = true;
    for (const [, fds] of this.inbox.splice(0)) closeRawFds(fdOps, fds);
    this.sink?.end();
  }
}

/** connect()/listen() by name; `ends` lists every end made, server ends first of each pair. */
export function captureTransport(maxSend = Infinity): RpcTransport & { ends: { server: CaptureEnd; client: CaptureEnd }[] } {
  const listeners = new Map<string, (tc: TransportConnection) => void>();
  const ends: { server: CaptureEnd; client: CaptureEnd }[] = [];
  return {
    name: "capture",
    ends,
    async connect(address) {
      const accept = listeners.get(address);
      if (!accept) throw new Error(`nothing listens on ${address}`);
      const client = new CaptureEnd(`capture:${address}:client`, maxSend);
      const server = new CaptureEnd(`capture:${address}:server`, maxSend);
      client.other = server;
      server.other = client;
      ends.push({ server, client });
      accept(server);
      return client;
    },
    async listen(address, onConnection): Promise<TransportListener> {
      listeners.set(address, onConnection);
      return { address, close: async () => { listeners.delete(address); } };
    },
  };
}
