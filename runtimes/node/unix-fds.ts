// Unix-domain sockets that carry file descriptors (SCM_RIGHTS), for Node on Linux.
//
// node:net sets the connection up (connect, or accept with pauseOnConnect so libuv never
// reads), then we take a close-on-exec duplicate of its descriptor and destroy the net.Socket:
// from then on all I/O on the socket is ours. Reads: the fd reactor worker (fd-reactor.ts).
// Writes: sendmsg from the main thread (non-blocking; POLLOUT through the reactor when the
// socket buffer is full). The fds of a frame ride the first sendmsg of that frame, which
// carries only that frame's bytes (rpc-wire §1.8; connection.ts relies on it on receive).
//
// Frames without fds written in the same turn leave in one sendmsg, as with node:net's cork.
import * as net from "node:net";
import type { ConnectionSink, PeerIdentity, RpcTransport, TransportConnection, TransportListener } from "../../src/rpc/transport.js";
import { closeRawFds, MAX_FDS_PER_MESSAGE, setFdOps } from "../../src/parcel/file-descriptor.js";
import { fdReactor, type ReactorClient } from "./fd-reactor.js";
import { closeFd, dupCloexec, libcUnavailable, loadLibc, O, type Libc } from "./libc.js";
import { socketFd, unixPeerIdentityOfFd } from "./peercred.js";
import { listenUnixSocket, socketPath } from "./unix.js";
import { HandshakeError } from "../../src/rpc/client.js";
import { StatusCode } from "../../src/binder/status.js";

const SEND_SIZE = 256 * 1024;
const CTRL = 128;
const DATA = 2048;

/** One native buffer for every sendmsg of the process (the main thread sends synchronously). */
let scratch: { mem: unknown; base: bigint; dv: DataView; u8: Uint8Array } | null = null;
function sendBuffer(c: Libc): NonNullable<typeof scratch> {
  if (scratch) return scratch;
  const mem = c.koffi.alloc("uint8_t", DATA + SEND_SIZE);
  const base = c.koffi.address(mem) as bigint;
  const ab = c.koffi.view(mem, DATA + SEND_SIZE) as ArrayBuffer;
  const dv = new DataView(ab);
  // struct msghdr at 0: no name, one iovec at 64 pointing at DATA
  dv.setBigUint64(0, 0n, true);
  dv.setUint32(8, 0, true);
  dv.setBigUint64(16, base + 64n, true);
  dv.setBigUint64(24, 1n, true);
  dv.setInt32(48, 0, true);
  dv.setBigUint64(64, base + BigInt(DATA), true);
  scratch = { mem, base, dv, u8: new Uint8Array(ab) };
  return scratch;
}

interface Pending { bytes: Uint8Array; off: number; fds: readonly number[] | undefined }

export class NodeUnixFdConnection implements TransportConnection, ReactorClient {
  readonly canPassFds = true;
  private sink: ConnectionSink | null = null;
  private id = 0;
  private readonly queue: Pending[] = [];
  private scheduled = false;
  private waitingWritable = false;
  private closing = false;
  private finalized = false;
  private ended = false;
  private readonly libc: Libc;

  /** `fd`: a connected Unix stream socket, owned by this object from now on. */
  constructor(private readonly fd: number, readonly peer: PeerIdentity, readonly description: string) {
    this.libc = loadLibc()!;
  }

  start(sink: ConnectionSink): void {
    this.sink = sink;
    if (this.finalized) return;
    try {
      this.id = fdReactor().add(this.fd, this);
    } catch (e) {
      this.finalized = true;
      closeFd(this.fd);
      queueMicrotask(() => this.finish(e as Error));
    }
  }

  write(bytes: Uint8Array, fds?: readonly number[]): void {
    if (this.closing || this.finalized) { closeRawFds(fds); return; }
    if (fds && fds.length > MAX_FDS_PER_MESSAGE) {
      closeRawFds(fds);
      throw new RangeError(`${fds.length} file descriptors in one message (at most ${MAX_FDS_PER_MESSAGE})`);
    }
    if (bytes.length === 0) { closeRawFds(fds); return; }
    this.queue.push({ bytes, off: 0, fds: fds && fds.length ? fds : undefined });
    if (!this.scheduled && !this.waitingWritable) {
      this.scheduled = true;
      queueMicrotask(this.flushTask);
    }
  }

  private readonly flushTask = () => {
    this.scheduled = false;
    this.flush();
  };

  private flush(): void {
    if (this.finalized) return;
    const c = this.libc;
    const s = sendBuffer(c);
    while (this.queue.length) {
      const head = this.queue[0]!;
      let len = 0;
      const fds = head.fds;
      if (fds) {
        // a frame with fds: alone in its first sendmsg, fds attached
        len = Math.min(head.bytes.length - head.off, SEND_SIZE);
        s.u8.set(head.bytes.subarray(head.off, head.off + len), DATA);
        const clen = 16 + fds.length * 4;
        s.dv.setBigUint64(CTRL, BigInt(clen), true);
        s.dv.setInt32(CTRL + 8, O.SOL_SOCKET, true);
        s.dv.setInt32(CTRL + 12, O.SCM_RIGHTS, true);
        for (let i = 0; i < fds.length; i++) s.dv.setInt32(CTRL + 16 + i * 4, fds[i]!, true);
        s.dv.setBigUint64(32, s.base + BigInt(CTRL), true);
        s.dv.setBigUint64(40, BigInt((clen + 7) & ~7), true);
      } else {
        for (const e of this.queue) {
          if (e.fds) break;
          const n = Math.min(e.bytes.length - e.off, SEND_SIZE - len);
          s.u8.set(e.bytes.subarray(e.off, e.off + n), DATA + len);
          len += n;
          if (len === SEND_SIZE) break;
        }
        s.dv.setBigUint64(32, 0n, true);
        s.dv.setBigUint64(40, 0n, true);
      }
      s.dv.setBigUint64(72, BigInt(len), true);
      const sent = Number(c.sendmsg(this.fd, s.mem, O.MSG_DONTWAIT | O.MSG_NOSIGNAL));
      if (sent < 0) {
        const errno = c.errno();
        if (errno === O.EINTR) continue;
        if (errno === O.EAGAIN) {
          this.waitingWritable = true;
          fdReactor().wantWritable(this.id);
          return;
        }
        this.fail(new Error(`sendmsg failed: errno ${errno}`));
        return;
      }
      if (fds) {
        // the kernel holds its own references now
        closeRawFds(fds);
        head.fds = undefined;
      }
      let left = sent;
      while (left > 0 && this.queue.length) {
        const e = this.queue[0]!;
        const n = Math.min(e.bytes.length - e.off, left);
        e.off += n;
        left -= n;
        if (e.off === e.bytes.length) this.queue.shift();
      }
    }
    if (this.closing) this.finalize();
  }

  onWritable(): void {
    this.waitingWritable = false;
    this.flush();
  }

  onData(bytes: Uint8Array, fds: number[] | undefined): void {
    if (this.finalized || !this.sink) { closeRawFds(fds); return; }
    this.sink.data(bytes, fds);
  }

  onEnd(error?: Error): void { this.finish(error); }

  onClosed(): void { this.finish(); }

  private finish(error?: Error): void {
    if (this.ended) return;
    this.ended = true;
    this.sink?.end(error);
  }

  private fail(e: Error): void {
    this.finish(e);
    this.finalize();
  }

  close(): void {
    if (this.closing || this.finalized) return;
    this.closing = true;
    if (this.queue.length === 0) { this.finalize(); return; }
    // a peer that never reads must not keep us half-open forever
    setTimeout(() => this.finalize(), 1000).unref?.();
  }

  /** Drop what was not sent and hand the descriptor back to the reactor to close. */
  private finalize(): void {
    if (this.finalized) return;
    this.finalized = true;
    for (const p of this.queue) closeRawFds(p.fds);
    this.queue.length = 0;
    if (this.id) fdReactor().remove(this.id);
    else { closeFd(this.fd); queueMicrotask(() => this.finish()); }
  }
}

/** Take a connected net.Socket's descriptor over (a duplicate; the socket is destroyed). */
function takeOver(socket: net.Socket, description: string): NodeUnixFdConnection {
  const fd = socketFd(socket);
  if (fd < 0) { socket.destroy(); throw new Error("socket has no file descriptor"); }
  let own: number;
  try { own = dupCloexec(fd); } finally { socket.destroy(); }
  // credentials are taken before any byte is read
  return new NodeUnixFdConnection(own, unixPeerIdentityOfFd(own), description);
}

/** Unix-domain sockets whose connections carry file descriptors (Linux). connectUnix picks it
 *  for `fileDescriptors: true`, listenUnix when `fdModes` includes FdMode.UNIX. */
export class NodeUnixFdTransport implements RpcTransport {
  readonly name = "node-unix-fds";

  /** Why fd passing is unavailable here, or null when it works. */
  static unavailable(): string | null {
    return loadLibc() ? null : libcUnavailable();
  }

  connect(address: string): Promise<TransportConnection> {
    const why = NodeUnixFdTransport.unavailable();
    if (why) return Promise.reject(new HandshakeError(why, StatusCode.FDS_NOT_ALLOWED));
    return new Promise((resolve, reject) => {
      const socket = net.connect({ path: socketPath(address) });
      socket.once("connect", () => {
        socket.off("error", reject);
        // nothing can be waiting to be read yet: the server speaks only after our header
        try { resolve(takeOver(socket, `unix:${address}`)); } catch (e) { reject(e); }
      });
      socket.once("error", reject);
    });
  }

  listen(address: string, onConnection: (conn: TransportConnection) => void): Promise<TransportListener> {
    const why = NodeUnixFdTransport.unavailable();
    if (why) return Promise.reject(new Error(why));
    // pauseOnConnect: libuv never reads from accepted sockets, so no byte (and no fd) is lost
    return listenUnixSocket(address, { pauseOnConnect: true }, (socket) => {
      let conn: NodeUnixFdConnection;
      try { conn = takeOver(socket, `unix:${address}`); } catch { return; }
      onConnection(conn);
    });
  }
}

export const unixFdTransport = new NodeUnixFdTransport();

// received descriptors are handed out as duplicates (Parcel.readFileDescriptor) and the
// session sends duplicates: teach the package to make them
setFdOps({ dup: dupCloexec });
