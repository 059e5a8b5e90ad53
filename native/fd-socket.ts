// Unix-domain sockets that carry file descriptors, owned through libc from socket()/accept4()
// on (a runtime's own sockets read with read()/recv(), and the kernel drops SCM_RIGHTS
// descriptors sent to them): the connect, the listener and the transport, written once over
// Syscalls. Reads and accepts happen on the reactor thread (reactor.ts); writes are sendmsg
// from the main thread (fd-connection.ts, fd-send-queue.ts). The peer's identity is
// SO_PEERCRED of the descriptor, taken before any byte is read.
import type { RpcTransport, TransportConnection, TransportListener } from "../src/rpc/transport.js";
import { ReactorFdConnection, type FdConnectionIo } from "./fd-connection.js";
import { sendmsgBuffer, type SendmsgBuffer } from "./fd-send-queue.js";
import { AF_UNIX, Errno, F_DUPFD_CLOEXEC, SOCKADDR_UN, SOCK_CLOEXEC, SOCK_NONBLOCK, SOCK_STREAM } from "./linux.js";
import { peerCredentials } from "./peercred.js";
import type { FdReactorHost } from "./reactor-host.js";
import type { Syscalls } from "./syscalls.js";

/** Bytes per sendmsg. */
const SEND_SIZE = 256 * 1024;
/** A full accept queue makes a non-blocking connect fail with EAGAIN: retry this long. */
const CONNECT_RETRY_MS = 5000;
const CONNECT_RETRY_STEP_MS = 5;
const LISTEN_BACKLOG = 4096;

/** What the fd sockets need from a runtime. */
export interface FdRuntime {
  readonly sys: Syscalls;
  /** The process's reactor (started on first use). */
  reactor(): FdReactorHost;
  /** An error for a failed call, in the runtime's style (`target`: the address). */
  error(call: string, errno: number, target?: string): Error;
  /** Remove a socket file left by an earlier run (it would make bind fail), and the
   *  listener's own file when it closes. */
  removeStaleSocket(path: string): void;
  removeSocketFile(path: string): void;
}

/** A struct sockaddr_un for `address` ("@name": the Linux abstract namespace) and its length. */
export function unixSockaddr(address: string): { addr: Uint8Array; len: number } {
  const abstract = address.startsWith("@");
  const name = new TextEncoder().encode(abstract ? address.slice(1) : address);
  const room = SOCKADDR_UN.fields.path[1] - 1; // a path's NUL, or an abstract name's leading NUL
  if (name.length > room) throw new RangeError(`Unix socket address too long (${name.length} bytes, at most ${room}): ${address}`);
  const addr = new Uint8Array(SOCKADDR_UN.size);
  new DataView(addr.buffer).setUint16(SOCKADDR_UN.fields.family[0], AF_UNIX, true);
  const path = SOCKADDR_UN.fields.path[0];
  addr.set(name, abstract ? path + 1 : path);
  return { addr, len: path + 1 + name.length };
}

/** A close-on-exec duplicate of `fd`. */
export function dupCloexec(sys: Syscalls, fd: number): number {
  const n = sys.fcntl(fd, F_DUPFD_CLOEXEC, 0);
  if (n < 0) throw new Error(`fcntl(F_DUPFD_CLOEXEC) on fd ${fd} failed: errno ${sys.errno()}`);
  return n;
}

function unixSocket(rt: FdRuntime): number {
  const fd = rt.sys.socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) throw rt.error("socket", rt.sys.errno());
  return fd;
}

/** A connected, non-blocking Unix stream socket. */
export async function connectFdSocket(rt: FdRuntime, address: string): Promise<number> {
  const { sys } = rt;
  const { addr, len } = unixSockaddr(address);
  const fd = unixSocket(rt);
  try {
    const deadline = Date.now() + CONNECT_RETRY_MS;
    for (;;) {
      if (sys.connect(fd, addr, len) === 0) return fd;
      const errno = sys.errno();
      if (errno === Errno.EINTR) continue;
      // the server's accept queue is full (Unix sockets never return EINPROGRESS): wait
      if (errno === Errno.EAGAIN && Date.now() < deadline) { await new Promise((r) => setTimeout(r, CONNECT_RETRY_STEP_MS)); continue; }
      throw rt.error("connect", errno, address);
    }
  } catch (e) {
    sys.close(fd);
    throw e;
  }
}

/** The sendmsg buffer of a runtime's main thread (one per Syscalls table: sends are synchronous). */
const sendBuffers = new WeakMap<Syscalls, SendmsgBuffer>();

function connectionIo(rt: FdRuntime): FdConnectionIo {
  const { sys } = rt;
  return {
    reactor: () => rt.reactor(),
    sendBuffer: () => {
      let b = sendBuffers.get(sys);
      if (!b) sendBuffers.set(sys, (b = sendmsgBuffer(sys, SEND_SIZE)));
      return b;
    },
    closeFd: (fd) => { sys.close(fd); },
    sendError: (errno) => rt.error("sendmsg", errno),
  };
}

/** Unix-domain sockets whose connections carry file descriptors (Linux): the adapters' connectUnix
 *  picks it for `fileDescriptors: true`, listenUnix when `fdModes` includes FdMode.UNIX.
 *  `load` gives the runtime, or why fd passing is out of reach here (`unavailable` makes the
 *  error for that). */
export class FdUnixTransport implements RpcTransport {
  private io: FdConnectionIo | null = null;

  constructor(readonly name: string, private readonly load: () => FdRuntime | string,
      private readonly unavailable: (why: string) => Error) {}

  /** Why fd passing is out of reach here, or null when it works. */
  whyUnavailable(): string | null {
    const rt = this.load();
    return typeof rt === "string" ? rt : null;
  }

  private runtime(): FdRuntime {
    const rt = this.load();
    if (typeof rt === "string") throw this.unavailable(rt);
    return rt;
  }

  /** A connection over a connected socket `fd` (owned by the connection from now on). */
  private connection(rt: FdRuntime, fd: number, description: string): TransportConnection {
    this.io ??= connectionIo(rt);
    return new ReactorFdConnection(fd, peerCredentials(rt.sys, fd), description, this.io);
  }

  async connect(address: string): Promise<TransportConnection> {
    const rt = this.runtime();
    const fd = await connectFdSocket(rt, address);
    // nothing can be waiting to be read yet: the server speaks only after our header
    return this.connection(rt, fd, `unix:${address}`);
  }

  async listen(address: string, onConnection: (conn: TransportConnection) => void): Promise<TransportListener> {
    const rt = this.runtime();
    const { sys } = rt;
    rt.removeStaleSocket(address);
    const { addr, len } = unixSockaddr(address);
    const fd = unixSocket(rt);
    if (sys.bind(fd, addr, len) !== 0 || sys.listen(fd, LISTEN_BACKLOG) !== 0) {
      const errno = sys.errno();
      sys.close(fd);
      throw rt.error("listen", errno, address);
    }
    let reactor: FdReactorHost;
    let id: number;
    try {
      reactor = rt.reactor();
      id = reactor.listen(fd, {
        // credentials are taken at accept; the reactor reads nothing until start()
        onAccept: (conn) => onConnection(this.connection(rt, conn, `unix:${address}`)),
        onAcceptError: () => { /* retried by the reactor (out of descriptors) */ },
        onClosed: () => {},
      });
    } catch (e) {
      sys.close(fd);
      rt.removeSocketFile(address);
      throw e;
    }
    let closed = false;
    return {
      address,
      // stop accepting; connections already accepted belong to their sessions
      close: async () => {
        if (closed) return;
        closed = true;
        if (!reactor.remove(id)) sys.close(fd);
        rt.removeSocketFile(address);
      },
    };
  }
}

