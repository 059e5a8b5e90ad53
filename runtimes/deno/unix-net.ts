// Unix-domain sockets through Deno's node:net, for sessions that pass no file descriptors,
// when the process has the FFI permission. Deno's node:net sockets, unlike Deno.Conn, have an
// OS descriptor (`_handle.fd`), so libc (Deno.dlopen, libc.ts) can read the peer's
// credentials (SO_PEERCRED) from it, and send frames with send(2) straight from the caller's
// memory, while Deno's event loop does the waiting: no thread hop per read, which the
// fd-passing transport (unix-ffi.ts: poll on a pool thread, then recvmsg) pays.
// Measured on 2 vCPUs, same core: a null call 108 µs over unix-ffi.ts, about 50 µs here
// (bench/README.md). The connection itself is the Node adapter's (node:net is the same API);
// only the libc calls are Deno's.
import type * as net from "node:net";
import type { PeerIdentity, TransportConnection, TransportListener } from "../../src/rpc/transport.js";
import type { SocketFdOps } from "../node/socket.js";
import { NodeUnixTransport } from "../node/unix.js";
import { directSender } from "../node/direct-send.js";
import { socketFd } from "../node/peercred.js";
import { closeFd, denoLibc, dupCloexec, libcUnavailable, type DenoLibc } from "./libc.js";
import { peerCredentials } from "./unix-ffi.js";

function need(): DenoLibc {
  const c = denoLibc();
  if (!c) throw new Error(libcUnavailable());
  return c;
}

/** send(2) through Deno's FFI on a node:net socket's descriptor. */
function sender(socket: net.Socket): ((bytes: Uint8Array) => number) | null {
  const c = need();
  // The length goes as a bigint, as the usize type says: a number also works, but it takes
  // Deno's slow FFI path (measured: 450 ns against 250 ns per send(2), the BigInt included)
  return directSender(socket, (fd, buf, n, flags) => Number(c.sym.send(fd, buf, BigInt(n), flags)), c.errno);
}

const ops: SocketFdOps = { dup: dupCloexec, close: closeFd, sender };

/** The peer of a connected node:net Unix socket, from SO_PEERCRED (anonymous, with the reason,
 *  if its descriptor cannot be read). */
function identity(socket: net.Socket): PeerIdentity {
  const fd = socketFd(socket);
  return fd >= 0 ? peerCredentials(fd) : { kind: "anonymous", reason: "no descriptor for the socket" };
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
