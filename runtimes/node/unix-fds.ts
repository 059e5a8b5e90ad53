// Unix-domain sockets that carry file descriptors (SCM_RIGHTS), for Node on Linux.
//
// node:net sets the connection up (connect, or accept with pauseOnConnect so libuv never
// reads), then we take a close-on-exec duplicate of its descriptor and destroy the net.Socket:
// from then on all I/O on the socket is ours. Reads: the fd reactor worker (fd-reactor.ts).
// Writes: sendmsg from the main thread through the shared send queue (non-blocking; POLLOUT
// through the reactor when the socket buffer is full). What each sendmsg carries (a frame's fds
// on its first sendmsg, frames without fds gathered) is src/transports/fd-send-queue.ts.
import * as net from "node:net";
import type { PeerIdentity, RpcTransport, TransportConnection, TransportListener } from "../../src/rpc/transport.js";
import { closeSync } from "node:fs";
import type { FdOps } from "../../src/parcel/file-descriptor.js";
import { MSG, sendmsgResult, type SendmsgBuffer } from "../../src/transports/fd-send-queue.js";
import { ReactorFdConnection, type FdConnectionIo } from "../../src/transports/fd-connection.js";
import { fdReactor } from "./fd-reactor.js";
import { closeFd, dupCloexec, libcUnavailable, loadLibc, O, type Libc } from "./libc.js";
import { socketFd, unixPeerIdentityOfFd } from "./peercred.js";
import { connectUnixSocket, listenUnixSocket } from "./unix.js";
import { HandshakeError } from "../../src/rpc/client.js";
import { StatusCode } from "../../src/binder/status.js";

const SEND_SIZE = 256 * 1024;

/** One native message buffer for every sendmsg of the process (the main thread sends
 *  synchronously). */
let sendBuffer: SendmsgBuffer | null = null;
function nodeSendBuffer(c: Libc): SendmsgBuffer {
  if (sendBuffer) return sendBuffer;
  const size = MSG.DATA + SEND_SIZE;
  const mem = c.koffi.alloc("uint8_t", size);
  sendBuffer = {
    bytes: new Uint8Array(c.koffi.view(mem, size) as ArrayBuffer),
    base: c.koffi.address(mem) as bigint,
    dataSize: SEND_SIZE,
    send: (fd) => sendmsgResult(Number(c.sendmsg(fd, mem, O.MSG_DONTWAIT | O.MSG_NOSIGNAL)), c.errno),
  };
  return sendBuffer;
}

const NODE_IO: FdConnectionIo = {
  reactor: fdReactor,
  sendBuffer: () => nodeSendBuffer(loadLibc()!),
  closeFd,
  sendError: (errno) => new Error(`sendmsg failed: errno ${errno}`),
};

/** A Unix socket with fd passing: the shared connection (src/transports/fd-connection.ts) over
 *  koffi's libc and the reactor thread. */
export class NodeUnixFdConnection extends ReactorFdConnection {
  /** `fd`: a connected Unix stream socket, owned by this object from now on. */
  constructor(fd: number, peer: PeerIdentity, description: string) {
    super(fd, peer, description, NODE_IO);
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
    // nothing can be waiting to be read yet: the server speaks only after our header
    return connectUnixSocket(address).then((socket) => takeOver(socket, `unix:${address}`));
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

/** The Node platform's fd ops: received descriptors are handed out as duplicates
 *  (Parcel.readFileDescriptor) and the session sends duplicates (dup through libc, close
 *  through node:fs). */
export const nodeFdOps: FdOps = Object.freeze({
  close: (fd: number) => { try { closeSync(fd); } catch { /* already closed */ } },
  dup: dupCloexec,
});
