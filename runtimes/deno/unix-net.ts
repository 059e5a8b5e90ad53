// Unix-domain sockets through Deno's node:net, for sessions that pass no file descriptors,
// when the process has the FFI permission. Deno's node:net sockets, unlike Deno.Conn, have an
// OS descriptor (`_handle.fd`), so libc (Deno.dlopen, syscalls.ts) can read the peer's
// credentials (SO_PEERCRED) from it, and send frames with send(2) straight from the caller's
// memory, while Deno's event loop does the waiting: no thread hop per read, which the
// fd-passing transport (unix-ffi.ts: the reactor thread's recvmsg, then a message) pays.
// The connection itself is the Node adapter's (node:net is the same API);
// only the libc calls are Deno's.
import type * as net from "node:net";
import type { PeerIdentity, TransportConnection, TransportListener } from "../../src/rpc/transport.js";
import type { SocketFdOps } from "../node/socket.js";
import { NodeUnixTransport } from "../node/unix.js";
import { directSender } from "../node/direct-send.js";
import { socketFd } from "../node/peercred.js";
import { peerCredentials } from "../../native/peercred.js";
import type { Syscalls } from "../../native/syscalls.js";
import { accelerated, denoNative } from "./native.js";

function need(): Syscalls {
  const sys = denoNative.syscalls();
  if (!sys) throw new Error(denoNative.unavailable());
  return sys;
}

/** send(2) and descriptor re-wrapping on node:net sockets: the accelerated tier
 *  (native.ts), off with TSBINDER_ACCELERATE=0. */
const ops: SocketFdOps = {
  dup: (fd) => (accelerated() ? denoNative.dup(fd) : -1),
  close: (fd) => { need().close(fd); },
  sender: (socket) => (accelerated() ? directSender(socket, need()) : null),
};

/** The peer of a connected node:net Unix socket, from SO_PEERCRED (anonymous, with the reason,
 *  if its descriptor cannot be read). */
function identity(socket: net.Socket): PeerIdentity {
  return peerCredentials(denoNative.syscalls(), socketFd(socket), denoNative.unavailable());
}

/** The Node adapter's Unix transport with Deno's libc calls (it needs the FFI permission). */
export class DenoNetUnixTransport extends NodeUnixTransport {
  override readonly name: string = "deno-net-unix";

  constructor() { super({ identity, ops }); }

  override connect(address: string): Promise<TransportConnection> {
    need();
    return super.connect(address);
  }

  override listen(address: string, onConnection: (conn: TransportConnection) => void): Promise<TransportListener> {
    need();
    return super.listen(address, onConnection);
  }
}

export const unixNetTransport: DenoNetUnixTransport = new DenoNetUnixTransport();
