// Unix-domain sockets owned through libc (Deno.dlopen; libc.ts), for peer credentials
// (SO_PEERCRED) and file-descriptor passing (SCM_RIGHTS), which Deno.connect/Deno.listen cannot
// give: Deno exposes neither the option nor a connection's descriptor. Needs `--allow-ffi`;
// index.ts uses it for Unix sockets when the permission is granted (runtimes/deno/README.md).
//
// Threads and latency. Every socket is non-blocking and all I/O (accept4, recvmsg, sendmsg)
// runs on the main thread, so errno is readable and no buffer is shared with another thread.
// Only readiness waits block: each connection keeps one `poll(fd, POLLIN)` in flight on a
// thread of Deno's blocking pool (the FFI `nonblocking` call), and so does a listener; a
// connection whose socket buffer is full adds a `poll(fd, POLLOUT)` until it drains. So a
// connection costs one pool thread while open, and a read costs one hop from that thread to the
// main thread (the poll's promise) plus the recvmsgs (read on until EAGAIN). Deno's own sockets
// are polled by the event loop on the main thread and pay no such hop: a call costs ~20-30 µs
// more on a quiet machine, more under CPU contention (README). A single reactor thread polling
// every socket would use one thread however many connections, but it needs a wake-up descriptor
// and a rebuilt poll set on every change, and each read would still be one hop; binder
// sessions keep a handful of connections, so the simpler per-socket wait wins.
//
// Closing: the descriptor is closed only when no poll is in flight on it (a number closed
// under a polling thread could be reused by the next open). close() and a failure
// shutdown(SHUT_RDWR) the socket, which wakes every poll on it at once; polls also carry a
// timeout as a backstop.
//
// Writes: sendmsg(MSG_DONTWAIT) from the main thread through the shared send queue
// (src/transports/fd-send-queue.ts: frames written in one turn leave in one sendmsg; the fds of
// a frame ride its first sendmsg, which carries only that frame's bytes, rpc-wire §1.8). Received fds (recvmsg with
// MSG_CMSG_CLOEXEC, room for 253) go to the sink with the chunk they came with; src/ attributes
// them to the message holding the chunk's last byte.
import type { ConnectionSink, PeerIdentity, RpcTransport, TransportConnection, TransportListener } from "../../src/rpc/transport.js";
import { closeRawFds, type FdOps } from "../../src/parcel/file-descriptor.js";
import { FdSendQueue, MSG, initMessageBuffer, sendmsgResult, type SendmsgBuffer } from "../../src/transports/fd-send-queue.js";
import { DrainWaiters, ReadGate } from "../../src/transports/backpressure.js";
import { HandshakeError } from "../../src/rpc/client.js";
import { StatusCode } from "../../src/binder/status.js";
import { C, closeFd, denoLibc, dupCloexec, libcUnavailable, type DenoLibc } from "./libc.js";

/** Bytes per recvmsg / sendmsg. */
const IO_SIZE = 256 * 1024;
const { IOV, CTRL, CTRL_LEN, DATA } = MSG;
/** A poll's backstop: shutdown() wakes it at once; this only bounds a missed wake-up. */
const POLL_TIMEOUT_MS = 2000;
/** A peer that never reads must not keep a closing connection open forever. */
const CLOSE_GRACE_MS = 1000;
/** recvmsg calls per readiness before polling again (fairness between connections). */
const READS_PER_WAKE = 16;

interface IoBuffer { bytes: Uint8Array; dv: DataView; base: bigint }

/** One native-addressable message buffer (fd-send-queue.ts has the layout). Main thread only,
 *  so one for receiving and one for sending serve every socket of the process. */
function ioBuffer(): IoBuffer {
  const bytes = new Uint8Array(new ArrayBuffer(DATA + IO_SIZE));
  const base = BigInt(Deno.UnsafePointer.value(Deno.UnsafePointer.of(bytes)));
  return { bytes, dv: initMessageBuffer(bytes, base), base };
}
let recvBuf: IoBuffer | null = null;
let sendBuf: SendmsgBuffer | null = null;

function denoSendBuffer(c: DenoLibc): SendmsgBuffer {
  const { bytes, base } = ioBuffer();
  return {
    bytes, base, dataSize: IO_SIZE,
    send: (fd) => sendmsgResult(Number(c.sym.sendmsg(fd, bytes, C.MSG_DONTWAIT | C.MSG_NOSIGNAL)), c.errno),
  };
}

function need(): DenoLibc {
  const c = denoLibc();
  if (!c) throw new Error(libcUnavailable());
  return c;
}

/** "@name" is the Linux abstract namespace (no file); anything else is a path. */
function sockaddr(address: string): { addr: Uint8Array; len: number } {
  const abstract = address.startsWith("@");
  const name = new TextEncoder().encode(abstract ? address.slice(1) : address);
  if (name.length > 107) throw new Error(`Unix socket path too long (${name.length} bytes, at most 107): ${address}`);
  const addr = new Uint8Array(110);
  addr[0] = C.AF_UNIX; // sa_family (little-endian u16)
  addr.set(name, abstract ? 3 : 2);
  // a path is NUL-terminated; an abstract name is exactly its bytes after the leading NUL
  return { addr, len: abstract ? 3 + name.length : 2 + name.length + 1 };
}

/** An error for a failed socket call, as Deno's own errors where one fits. */
function sysError(what: string, errno: number, address: string): Error {
  const msg = `${what} ${address}: errno ${errno}`;
  switch (errno) {
    case C.ENOENT: return new Deno.errors.NotFound(`${msg} (no such file)`);
    case C.ECONNREFUSED: return new Deno.errors.ConnectionRefused(`${msg} (connection refused)`);
    case C.EACCES: return new Deno.errors.PermissionDenied(`${msg} (permission denied)`);
    case C.EADDRINUSE: return new Deno.errors.AddrInUse(`${msg} (address in use)`);
    default: return new Error(msg);
  }
}

/** SO_PEERCRED of a connected Unix socket: fail closed (anonymous, with the reason). */
export function peerCredentials(fd: number): PeerIdentity {
  const c = denoLibc();
  if (!c) return { kind: "anonymous", reason: libcUnavailable() };
  const out = new Uint8Array(new ArrayBuffer(12));
  const len = new Uint32Array([12]);
  if (c.sym.getsockopt(fd, C.SOL_SOCKET, C.SO_PEERCRED, out, len) !== 0 || len[0] !== 12) {
    return { kind: "anonymous", reason: "getsockopt(SO_PEERCRED) failed" };
  }
  const dv = new DataView(out.buffer);
  return { kind: "unix", pid: dv.getInt32(0, true), uid: dv.getUint32(4, true), gid: dv.getUint32(8, true) };
}

/** A readiness wait: `poll` on one descriptor, on a pool thread. */
class Waiter {
  private readonly pfd = new Uint8Array(new ArrayBuffer(8));
  private readonly dv = new DataView(this.pfd.buffer);
  constructor(fd: number, events: number) {
    this.dv.setInt32(0, fd, true);
    this.dv.setInt16(4, events, true);
  }
  /** revents, 0 on timeout or EINTR. */
  async wait(c: DenoLibc, timeout = POLL_TIMEOUT_MS): Promise<number> {
    this.dv.setInt16(6, 0, true);
    const r = await c.sym.poll(this.pfd, 1n, timeout);
    return r > 0 ? this.dv.getInt16(6, true) : 0;
  }
}

export class DenoUnixFfiConnection implements TransportConnection {
  readonly canPassFds = true;
  private sink: ConnectionSink | null = null;
  private readonly c: DenoLibc;
  private readonly queue: FdSendQueue;
  private scheduled = false;
  private waitingWritable = false;
  private closing = false;
  /** shut down: no more I/O; the descriptor is closed once no poll is in flight */
  private down = false;
  private fdClosed = false;
  private polls = 0;
  private ended = false;

  /** `fd`: a connected, non-blocking Unix stream socket, owned by this object from now on. */
  constructor(private readonly fd: number, readonly peer: PeerIdentity, readonly description: string) {
    this.c = need();
    this.queue = new FdSendQueue(fd, () => (sendBuf ??= denoSendBuffer(this.c)), denoFdOps);
  }

  start(sink: ConnectionSink): void {
    if (this.sink) throw new Error("DenoUnixFfiConnection.start called twice");
    this.sink = sink;
    if (this.down) { queueMicrotask(() => this.finish()); return; }
    void this.readLoop();
  }

  private async readLoop(): Promise<void> {
    const waiter = new Waiter(this.fd, C.POLLIN);
    let error: Error | undefined;
    this.polls++;
    try {
      while (!this.down) {
        // paused (pauseReading): no poll for input, so the peer's bytes wait in the kernel
        if (this.gate.closed) { await this.gate.closed; continue; }
        const rev = await waiter.wait(this.c);
        if (this.down) break;
        if (rev === 0 || this.gate.closed) continue;
        if (rev & C.POLLNVAL) { error = new Error("socket error: descriptor not open (POLLNVAL)"); break; }
        const r = this.receive();
        if (r === "eof") break;
        if (r instanceof Error) { error = r; break; }
      }
    } catch (e) {
      error = e instanceof Error ? e : new Error(String(e));
    } finally {
      this.polls--;
    }
    // the stream ended (or we closed it): nothing more is read or written; the session does
    // not call close() on a connection that ended by itself, so release it here
    this.shutDown();
    this.finish(error);
  }

  /** recvmsg until the socket is drained (EAGAIN) or a fair share was read. */
  private receive(): "again" | "eof" | Error {
    const c = this.c;
    const b = (recvBuf ??= ioBuffer());
    for (let i = 0; i < READS_PER_WAKE && !this.down && !this.gate.closed; i++) {
      b.dv.setBigUint64(32, b.base + BigInt(CTRL), true); // msg_control
      b.dv.setBigUint64(40, BigInt(CTRL_LEN), true); // msg_controllen
      b.dv.setInt32(48, 0, true); // msg_flags
      b.dv.setBigUint64(IOV + 8, BigInt(IO_SIZE), true); // iov_len
      const got = Number(c.sym.recvmsg(this.fd, b.bytes, C.MSG_DONTWAIT | C.MSG_CMSG_CLOEXEC));
      if (got < 0) {
        const errno = c.errno();
        if (errno === C.EAGAIN || errno === C.EINTR) return "again";
        return new Error(`recvmsg failed: errno ${errno}`);
      }
      let fds: number[] | undefined;
      const clen = Number(b.dv.getBigUint64(40, true));
      for (let off = CTRL; off + 16 <= CTRL + clen;) {
        const len = Number(b.dv.getBigUint64(off, true));
        if (len < 16) break;
        if (b.dv.getInt32(off + 8, true) === C.SOL_SOCKET && b.dv.getInt32(off + 12, true) === C.SCM_RIGHTS) {
          fds ??= [];
          for (let p = off + 16; p + 4 <= off + len; p += 4) fds.push(b.dv.getInt32(p, true));
        }
        off += (len + 7) & ~7;
      }
      if (b.dv.getInt32(48, true) & C.MSG_CTRUNC) {
        closeRawFds(denoFdOps, fds);
        return new Error("peer sent more file descriptors than one message may carry (MSG_CTRUNC)");
      }
      if (got === 0) { closeRawFds(denoFdOps, fds); return "eof"; }
      // the buffer is reused by the next recvmsg: the sink gets a copy
      const chunk = b.bytes.slice(DATA, DATA + got);
      if (this.sink && !this.closing) this.sink.data(chunk, fds);
      else closeRawFds(denoFdOps, fds);
      // read on until EAGAIN: a stream recvmsg also stops short where the descriptors attached to
      // the data change, and a syscall is cheaper than another trip through poll
    }
    return "again";
  }

  /** Closed while reading is paused: the read loop polls for nothing meanwhile. */
  private readonly gate = new ReadGate();

  pauseReading(): void { if (!this.down) this.gate.pause(); }

  resumeReading(): void { this.gate.resume(); }

  /** Bytes accepted by write() and not yet taken by the socket. */
  get bufferedAmount(): number { return this.queue.bufferedBytes; }

  private readonly drain = new DrainWaiters(() => this.queue.length === 0 || this.down);

  onDrain(cb: () => void): void { this.drain.add(cb); }

  write(bytes: Uint8Array, fds?: readonly number[]): void {
    if (this.closing || this.down) { closeRawFds(denoFdOps, fds); return; }
    this.queue.push(bytes, fds);
    if (!this.scheduled && !this.waitingWritable) {
      // frames written in the same synchronous run leave together
      this.scheduled = true;
      queueMicrotask(this.flushTask);
    }
  }

  private readonly flushTask = () => {
    this.scheduled = false;
    this.flush();
  };

  private flush(): void {
    if (this.down) return;
    const r = this.queue.flush();
    if (r === "blocked") { void this.waitWritable(); return; }
    if (r !== "done") {
      this.fail(new Error(r.errno === C.EPIPE || r.errno === C.ECONNRESET
        ? `connection closed by the peer (sendmsg: errno ${r.errno})` : `sendmsg failed: errno ${r.errno}`));
      return;
    }
    this.drain.check();
    if (this.closing) this.shutDown();
  }

  /** The socket buffer is full: wait (on a pool thread) until it drains, then flush. */
  private async waitWritable(): Promise<void> {
    if (this.waitingWritable) return;
    this.waitingWritable = true;
    const waiter = new Waiter(this.fd, C.POLLOUT);
    this.polls++;
    try {
      while (!this.down) {
        const rev = await waiter.wait(this.c);
        if (rev & (C.POLLOUT | C.POLLERR | C.POLLHUP | C.POLLNVAL)) break;
      }
    } catch (e) {
      this.fail(e instanceof Error ? e : new Error(String(e)));
    } finally {
      this.polls--;
      this.waitingWritable = false;
    }
    if (this.down) this.release();
    else this.flush();
  }

  close(): void {
    if (this.closing || this.down) return;
    this.closing = true;
    if (this.queue.length === 0 && !this.scheduled) { this.shutDown(); return; }
    // queued frames go first; a peer that never reads must not keep us half-open forever
    const timer = setTimeout(() => this.shutDown(), CLOSE_GRACE_MS);
    Deno.unrefTimer(timer);
  }

  private fail(e: Error): void {
    this.finish(e);
    this.shutDown();
  }

  private finish(error?: Error): void {
    if (this.ended) return;
    this.ended = true;
    this.sink?.end(error);
  }

  /** No more I/O: drop what was not sent, wake every poll (shutdown), close when none is left. */
  private shutDown(): void {
    if (!this.down) {
      this.down = true;
      this.queue.drop();
      this.resumeReading();
      queueMicrotask(this.drain.check);
      this.c.sym.shutdown(this.fd, C.SHUT_RDWR);
      // a connection never started has no read loop to report its end
      if (!this.sink) this.ended = true;
    }
    this.release();
  }

  private release(): void {
    if (this.fdClosed || this.polls > 0) return;
    this.fdClosed = true;
    this.c.sym.close(this.fd);
  }
}

/** A new non-blocking, close-on-exec Unix stream socket. */
function newSocket(c: DenoLibc): number {
  const fd = c.sym.socket(C.AF_UNIX, C.SOCK_STREAM | C.SOCK_NONBLOCK | C.SOCK_CLOEXEC, 0);
  if (fd < 0) throw new Error(`socket(AF_UNIX) failed: errno ${c.errno()}`);
  return fd;
}

/** Unix-domain sockets through libc: peer credentials and fd passing (Linux, `--allow-ffi`).
 *  Addresses: a path, or "@name" for the abstract namespace. */
export class DenoUnixFfiTransport implements RpcTransport {
  readonly name = "deno-unix-ffi";

  /** Why this transport cannot run here, or null when it can. */
  static unavailable(): string | null {
    return denoLibc() ? null : libcUnavailable();
  }

  async connect(address: string): Promise<TransportConnection> {
    const why = DenoUnixFfiTransport.unavailable();
    if (why) throw new HandshakeError(why, StatusCode.FDS_NOT_ALLOWED);
    const c = need();
    const { addr, len } = sockaddr(address);
    const fd = newSocket(c);
    try {
      // a non-blocking Unix connect completes at once, or fails with EAGAIN while the
      // listener's backlog is full: retry for up to 2 s (as a blocking connect would wait)
      if (c.sym.connect(fd, addr, len) !== 0) {
        let errno = c.errno();
        for (let tries = 0; errno === C.EAGAIN && tries < 100; tries++) {
          await new Promise((r) => setTimeout(r, 20));
          errno = c.sym.connect(fd, addr, len) === 0 ? 0 : c.errno();
        }
        if (errno !== 0) throw sysError("connect to", errno, address);
      }
    } catch (e) {
      c.sym.close(fd);
      throw e;
    }
    // the kernel recorded the listener's credentials at connect; nothing read yet
    return new DenoUnixFfiConnection(fd, peerCredentials(fd), `unix:${address}`);
  }

  async listen(address: string, onConnection: (conn: TransportConnection) => void): Promise<TransportListener> {
    const why = DenoUnixFfiTransport.unavailable();
    if (why) throw new Error(why);
    const c = need();
    const file = !address.startsWith("@");
    // a stale socket file from a previous run would make bind fail with EADDRINUSE
    if (file) {
      try {
        if (Deno.lstatSync(address).isSocket) Deno.removeSync(address);
      } catch { /* no such file */ }
    }
    const { addr, len } = sockaddr(address);
    const fd = newSocket(c);
    if (c.sym.bind(fd, addr, len) !== 0 || c.sym.listen(fd, 511) !== 0) {
      const errno = c.errno();
      c.sym.close(fd);
      throw sysError("listen on", errno, address);
    }
    let closed = false;
    const done = this.acceptLoop(c, fd, address, () => closed, onConnection);
    return {
      address,
      // stop accepting; connections already accepted belong to their sessions
      close: async () => {
        if (closed) return;
        closed = true;
        c.sym.shutdown(fd, C.SHUT_RDWR); // wakes the poll
        await done;
        if (file) { try { Deno.removeSync(address); } catch { /* already gone */ } }
      },
    };
  }

  private async acceptLoop(c: DenoLibc, fd: number, address: string, closed: () => boolean,
      onConnection: (conn: TransportConnection) => void): Promise<void> {
    const waiter = new Waiter(fd, C.POLLIN);
    try {
      while (!closed()) {
        const rev = await waiter.wait(c);
        if (closed()) break;
        if (rev === 0) continue;
        for (;;) {
          const conn = c.sym.accept4(fd, null, null, C.SOCK_NONBLOCK | C.SOCK_CLOEXEC);
          if (conn < 0) {
            const errno = c.errno();
            if (errno === C.EAGAIN || errno === C.EINTR) break;
            // out of descriptors, a connection reset before it was accepted: pause, go on
            await new Promise((r) => setTimeout(r, 50));
            break;
          }
          // credentials are taken before any byte is read
          onConnection(new DenoUnixFfiConnection(conn, peerCredentials(conn), `unix:${address}`));
        }
      }
    } finally {
      c.sym.close(fd);
    }
  }
}

export const unixFfiTransport: DenoUnixFfiTransport = new DenoUnixFfiTransport();

/** Closing and duplicating raw descriptors through libc (the Deno platform's, when FFI is
 *  allowed): received fds are owned by their parcels, and sent ones are duplicates. */
export const denoFdOps: FdOps = Object.freeze({ close: closeFd, dup: dupCloexec });
