// A node:net socket as a TransportConnection. Used for Unix sockets here (and TCP/TLS later):
// chunks go straight to the session's sink, writes go straight to the socket (Node copies
// nothing: the frame buffer handed to write() is already a private copy).
import type { Socket } from "node:net";
import type { ConnectionSink, PeerIdentity, TransportConnection } from "../../src/rpc/transport.js";
import { setByteAllocator } from "../../src/core/core.js";

// frames copied out of the core land in pooled Buffers, which node's sockets take as they are
setByteAllocator((n) => Buffer.allocUnsafe(n));

export class NodeSocketConnection implements TransportConnection {
  private sink: ConnectionSink | null = null;
  private ended = false;
  readonly canPassFds = false;

  constructor(private readonly socket: Socket, readonly peer: PeerIdentity, readonly description: string) {
    socket.setNoDelay?.(true);
  }

  start(sink: ConnectionSink): void {
    this.sink = sink;
    const finish = (error?: Error) => {
      if (this.ended) return;
      this.ended = true;
      sink.end(error);
    };
    this.socket.on("data", (chunk: Buffer) => sink.data(chunk));
    this.socket.on("end", () => finish());
    this.socket.on("close", () => finish());
    this.socket.on("error", (e) => finish(e));
  }

  write(bytes: Uint8Array, fds?: readonly number[]): void {
    if (fds && fds.length) throw new Error("this transport cannot carry file descriptors");
    if (this.socket.destroyed) return;
    // frames written in the same turn (a DEC_STRONG and its REPLY, a oneway burst) leave in
    // one writev: one syscall and one wakeup of the peer instead of one per frame
    if (!this.corked) {
      this.corked = true;
      this.socket.cork();
      queueMicrotask(this.uncork);
    }
    this.socket.write(bytes);
  }

  private corked = false;
  private readonly uncork = () => {
    this.corked = false;
    this.socket.uncork();
  };

  close(): void {
    if (this.socket.destroyed) return;
    this.socket.end();
    // a peer that never reads must not keep us half-open forever
    setTimeout(() => this.socket.destroy(), 1000).unref?.();
  }
}
