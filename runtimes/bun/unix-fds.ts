// Unix-domain sockets that carry file descriptors (SCM_RIGHTS), for Bun on Linux.
//
// Bun's sockets read with recv() as soon as a socket opens, so a descriptor sent to one would
// be dropped by the kernel; these sockets are therefore never Bun's: clients are made with
// libc socket()+connect(), servers with socket()+bind()+listen() and accept4() in the reactor
// worker. Reads: the fd reactor (fd-reactor.ts). Writes: sendmsg from the main thread
// (non-blocking; POLLOUT through the reactor when the socket buffer is full). The fds of a
// frame ride the first sendmsg of that frame, which carries only that frame's bytes (rpc-wire
// §1.8; connection.ts relies on it on receive). Frames without fds written in the same turn
// leave in one sendmsg. The peer's identity is SO_PEERCRED of the descriptor, taken before any
// byte is read.
import type { ConnectionSink, PeerIdentity, RpcTransport, TransportConnection, TransportListener } from "../../src/rpc/transport.js";
import { closeRawFds, MAX_FDS_PER_MESSAGE, setFdOps } from "../../src/parcel/file-descriptor.js";
import { HandshakeError } from "../../src/rpc/client.js";
import { StatusCode } from "../../src/binder/status.js";
import { fdReactor, type FdReactor, type ReactorClient } from "./fd-reactor.js";
import { addressOf, closeFd, dupCloexec, libcUnavailable, loadLibc, O, peerCred, sockaddrUn, sysError, type Libc } from "./libc.js";
import { removeSocketFile, removeStaleSocket, socketPath } from "./unix.js";

const SEND_SIZE = 256 * 1024;
const CTRL = 128;
const DATA = 2048;
/** A full accept queue makes a non-blocking connect fail with EAGAIN: retry this long. */
const CONNECT_RETRY_MS = 5000;
/** A closing connection whose peer does not read is cut after this long. */
const CLOSE_GRACE_MS = 1000;

/** One buffer for every sendmsg of the process (the main thread sends synchronously). */
let scratch: { mem: Uint8Array; dv: DataView } | null = null;
function sendBuffer(): NonNullable<typeof scratch> {
  if (scratch) return scratch;
  const mem = new Uint8Array(DATA + SEND_SIZE);
  const base = addressOf(mem);
  const dv = new DataView(mem.buffer);
  // struct msghdr at 0: no name, one iovec at 64 pointing at DATA
  dv.setBigUint64(0, 0n, true);
  dv.setUint32(8, 0, true);
  dv.setBigUint64(16, base + 64n, true);
  dv.setBigUint64(24, 1n, true);
  dv.setInt32(48, 0, true);
  dv.setBigUint64(64, base + BigInt(DATA), true);
  scratch = { mem, dv };
  return scratch;
}
let ctrlAddress = 0n;

interface Pending { bytes: Uint8Array; off: number; fds: readonly number[] | undefined }

function peerOf(fd: number): PeerIdentity {
  const cred = peerCred(fd);
  return cred ? { kind: "unix", ...cred } : { kind: "anonymous", reason: "getsockopt(SO_PEERCRED) failed" };
}

export class BunUnixFdConnection implements TransportConnection, ReactorClient {
  readonly canPassFds = true;
  private sink: ConnectionSink | null = null;
  private id = 0;
  /** The reactor this socket is registered with (a dead one is not replaced under us). */
  private reactor: FdReactor | null = null;
  private readonly queue: Pending[] = [];
  private scheduled = false;
  private waitingWritable = false;
  private closing = false;
  private finalized = false;
  private ended = false;
  private readonly libc: Libc;

  /** `fd`: a connected, non-blocking Unix stream socket, owned by this object from now on. */
  constructor(private readonly fd: number, readonly peer: PeerIdentity, readonly description: string) {
    this.libc = loadLibc()!;
  }

  start(sink: ConnectionSink): void {
    if (this.sink) throw new Error("start() called twice");
    this.sink = sink;
    if (this.finalized) return;
    try {
      this.reactor = fdReactor();
      this.id = this.reactor.add(this.fd, this);
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

  /** Bytes accepted by write() and not yet taken by the socket. */
  get bufferedAmount(): number {
    let n = 0;
    for (const p of this.queue) n += p.bytes.length - p.off;
    return n;
  }

  private readonly flushTask = () => {
    this.scheduled = false;
    this.flush();
  };

  private flush(): void {
    if (this.finalized) return;
    const c = this.libc;
    const s = sendBuffer();
    if (!ctrlAddress) ctrlAddress = addressOf(s.mem) + BigInt(CTRL);
    while (this.queue.length) {
      const head = this.queue[0]!;
      let len = 0;
      const fds = head.fds;
      if (fds) {
        // a frame with fds: alone in its first sendmsg, fds attached
        len = Math.min(head.bytes.length - head.off, SEND_SIZE);
        s.mem.set(head.bytes.subarray(head.off, head.off + len), DATA);
        const clen = 16 + fds.length * 4;
        s.dv.setBigUint64(CTRL, BigInt(clen), true);
        s.dv.setInt32(CTRL + 8, O.SOL_SOCKET, true);
        s.dv.setInt32(CTRL + 12, O.SCM_RIGHTS, true);
        for (let i = 0; i < fds.length; i++) s.dv.setInt32(CTRL + 16 + i * 4, fds[i]!, true);
        s.dv.setBigUint64(32, ctrlAddress, true);
        s.dv.setBigUint64(40, BigInt((clen + 7) & ~7), true);
      } else {
        for (const e of this.queue) {
          if (e.fds) break;
          const n = Math.min(e.bytes.length - e.off, SEND_SIZE - len);
          s.mem.set(e.bytes.subarray(e.off, e.off + n), DATA + len);
          len += n;
          if (len === SEND_SIZE) break;
        }
        s.dv.setBigUint64(32, 0n, true);
        s.dv.setBigUint64(40, 0n, true);
      }
      s.dv.setBigUint64(72, BigInt(len), true);
      const sent = c.sendmsg(this.fd, s.mem, O.MSG_DONTWAIT | O.MSG_NOSIGNAL);
      if (sent < 0) {
        const errno = c.errno();
        if (errno === O.EINTR) continue;
        if (errno === O.EAGAIN) {
          this.waitingWritable = true;
          this.reactor!.wantWritable(this.id);
          return;
        }
        this.fail(sysError("sendmsg", errno));
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
    const t = setTimeout(() => this.finalize(), CLOSE_GRACE_MS);
    (t as { unref?: () => void }).unref?.();
  }

  /** Drop what was not sent and hand the descriptor back to the reactor to close. */
  private finalize(): void {
    if (this.finalized) return;
    this.finalized = true;
    for (const p of this.queue) closeRawFds(p.fds);
    this.queue.length = 0;
    if (this.reactor?.remove(this.id)) return;
    closeFd(this.fd);
    queueMicrotask(() => this.finish());
  }
}

/** A new non-blocking, close-on-exec Unix stream socket. */
function unixSocket(c: Libc): number {
  const fd = c.socket(O.AF_UNIX, O.SOCK_STREAM | O.SOCK_NONBLOCK | O.SOCK_CLOEXEC, 0);
  if (fd < 0) throw sysError("socket", c.errno());
  return fd;
}

/** Unix-domain sockets whose connections carry file descriptors (Linux). connectUnix picks it
 *  for `fileDescriptors: true`, listenUnix when `fdModes` includes FdMode.UNIX. */
export class BunUnixFdTransport implements RpcTransport {
  readonly name = "bun-unix-fds";

  /** Why fd passing is unavailable here, or null when it works. */
  static unavailable(): string | null {
    return loadLibc() ? null : libcUnavailable();
  }

  async connect(address: string): Promise<TransportConnection> {
    const why = BunUnixFdTransport.unavailable();
    if (why) throw new HandshakeError(why, StatusCode.FDS_NOT_ALLOWED);
    const c = loadLibc()!;
    const { addr, len } = sockaddrUn(socketPath(address));
    const fd = unixSocket(c);
    try {
      const deadline = Date.now() + CONNECT_RETRY_MS;
      for (;;) {
        if (c.connect(fd, addr, len) === 0) break;
        const errno = c.errno();
        if (errno === O.EINTR) continue;
        // the server's accept queue is full (Unix sockets never return EINPROGRESS): wait
        if (errno === O.EAGAIN && Date.now() < deadline) { await new Promise((r) => setTimeout(r, 5)); continue; }
        throw sysError("connect", errno, address);
      }
    } catch (e) {
      c.close(fd);
      throw e;
    }
    // nothing can be waiting to be read yet: the server speaks only after our header
    return new BunUnixFdConnection(fd, peerOf(fd), `unix:${address}`);
  }

  async listen(address: string, onConnection: (conn: TransportConnection) => void): Promise<TransportListener> {
    const why = BunUnixFdTransport.unavailable();
    if (why) throw new Error(why);
    const c = loadLibc()!;
    removeStaleSocket(address);
    const { addr, len } = sockaddrUn(socketPath(address));
    const fd = unixSocket(c);
    if (c.bind(fd, addr, len) !== 0 || c.listen(fd, 511) !== 0) {
      const errno = c.errno();
      c.close(fd);
      throw sysError("listen", errno, address);
    }
    let id: number;
    let reactor: FdReactor;
    try {
      reactor = fdReactor();
      id = reactor.listen(fd, {
        // credentials are taken at accept; the reactor reads nothing until start()
        onAccept: (conn) => onConnection(new BunUnixFdConnection(conn, peerOf(conn), `unix:${address}`)),
        onAcceptError: () => { /* retried by the reactor (out of descriptors) */ },
        onClosed: () => {},
      });
    } catch (e) {
      c.close(fd);
      removeSocketFile(address);
      throw e;
    }
    let closed = false;
    return {
      address,
      // stop accepting; connections already accepted belong to their sessions
      close: async () => {
        if (closed) return;
        closed = true;
        if (!reactor.remove(id)) c.close(fd);
        removeSocketFile(address);
      },
    };
  }
}

export const unixFdTransport = new BunUnixFdTransport();

/** Teach the package to close and duplicate descriptors through libc (received descriptors
 *  are handed out as duplicates, and the session sends duplicates). False where libc is not
 *  available through bun:ffi. */
export function installFdOps(): boolean {
  if (!loadLibc()) return false;
  setFdOps({ close: closeFd, dup: dupCloexec });
  return true;
}
