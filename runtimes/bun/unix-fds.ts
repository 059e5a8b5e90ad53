// Unix-domain sockets that carry file descriptors (SCM_RIGHTS), for Bun on Linux.
//
// Bun's sockets read with recv() as soon as a socket opens, so a descriptor sent to one would
// be dropped by the kernel; these sockets are therefore never Bun's: clients are made with
// libc socket()+connect(), servers with socket()+bind()+listen() and accept4() in the reactor
// worker. Reads: the fd reactor (fd-reactor.ts). Writes: sendmsg from the main thread through
// the shared send queue (src/transports/fd-send-queue.ts: a frame's fds ride its first
// sendmsg; frames without fds written in the same turn leave together), non-blocking, with
// POLLOUT through the reactor when the socket buffer is full. The peer's identity is
// SO_PEERCRED of the descriptor, taken before any byte is read.
import type { PeerIdentity, RpcTransport, TransportConnection, TransportListener } from "../../src/rpc/transport.js";
import { closeSync } from "node:fs";
import type { FdOps } from "../../src/parcel/file-descriptor.js";
import { MSG, sendmsgResult, type SendmsgBuffer } from "../../src/transports/fd-send-queue.js";
import { ReactorFdConnection, type FdConnectionIo } from "../../src/transports/fd-connection.js";
import { HandshakeError } from "../../src/rpc/client.js";
import { StatusCode } from "../../src/binder/status.js";
import { fdReactor, type FdReactor } from "./fd-reactor.js";
import { addressOf, closeFd, dupCloexec, libcUnavailable, loadLibc, O, peerCred, sockaddrUn, sysError, type Libc } from "./libc.js";
import { removeSocketFile, removeStaleSocket, socketPath } from "./unix.js";

const SEND_SIZE = 256 * 1024;
/** A full accept queue makes a non-blocking connect fail with EAGAIN: retry this long. */
const CONNECT_RETRY_MS = 5000;

/** One native message buffer for every sendmsg of the process (the main thread sends
 *  synchronously). */
let sendBuffer: SendmsgBuffer | null = null;
function bunSendBuffer(c: Libc): SendmsgBuffer {
  if (sendBuffer) return sendBuffer;
  const bytes = new Uint8Array(MSG.DATA + SEND_SIZE);
  sendBuffer = {
    bytes,
    base: addressOf(bytes),
    dataSize: SEND_SIZE,
    send: (fd) => sendmsgResult(c.sendmsg(fd, bytes, O.MSG_DONTWAIT | O.MSG_NOSIGNAL), c.errno),
  };
  return sendBuffer;
}

function peerOf(fd: number): PeerIdentity {
  const cred = peerCred(fd);
  return cred ? { kind: "unix", ...cred } : { kind: "anonymous", reason: "getsockopt(SO_PEERCRED) failed" };
}

const BUN_IO: FdConnectionIo = {
  reactor: fdReactor,
  sendBuffer: () => bunSendBuffer(loadLibc()!),
  closeFd,
  sendError: (errno) => sysError("sendmsg", errno),
};

/** A Unix socket with fd passing: the shared connection (src/transports/fd-connection.ts) over
 *  bun:ffi's libc and the reactor worker. */
export class BunUnixFdConnection extends ReactorFdConnection {
  /** `fd`: a connected, non-blocking Unix stream socket, owned by this object from now on. */
  constructor(fd: number, peer: PeerIdentity, description: string) {
    super(fd, peer, description, BUN_IO);
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

/** The Bun platform's fd ops (received descriptors are handed out as duplicates, and the
 *  session sends duplicates): dup through libc (it throws where bun:ffi has no libc), close
 *  through node:fs, which works everywhere. */
export const bunFdOps: FdOps = Object.freeze({
  close: (fd: number) => { try { closeSync(fd); } catch { /* already closed */ } },
  dup: dupCloexec,
});
