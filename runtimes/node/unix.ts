// Unix-domain sockets for Node: a filesystem path, or "@name" for a Linux abstract socket.
import * as net from "node:net";
import { unlinkSync, existsSync, statSync } from "node:fs";
import type { PeerIdentity, RpcTransport, TransportConnection, TransportListener } from "../../src/rpc/transport.js";
import { LentReads, NodeSocketConnection, acceptedConnection, koffiFdOps, type SocketFdOps } from "./socket.js";
import { unixPeerIdentity } from "./peercred.js";

/** "@name" is the Linux abstract namespace (no file); anything else is a path. */
export function socketPath(address: string): string {
  return address.startsWith("@") ? "\0" + address.slice(1) : address;
}

/** How a node:net Unix socket learns who its peer is, and the libc calls for it: Node's are
 *  koffi's; Deno's node:net sockets use Deno's FFI (runtimes/deno/unix-net.ts). */
export interface UnixSocketLibc {
  identity(socket: net.Socket): PeerIdentity;
  ops: SocketFdOps;
}

const koffiLibc: UnixSocketLibc = { identity: unixPeerIdentity, ops: koffiFdOps };

export class NodeUnixTransport implements RpcTransport {
  readonly name: string = "node-unix";

  constructor(private readonly libc: UnixSocketLibc = koffiLibc) {}

  connect(address: string): Promise<TransportConnection> {
    return new Promise((resolve, reject) => {
      const reads = new LentReads();
      const socket = net.connect({ path: socketPath(address), onread: reads.onread });
      socket.once("connect", () => {
        socket.off("error", reject);
        resolve(new NodeSocketConnection(socket, this.libc.identity(socket), `unix:${address}`, reads, this.libc.ops.sender(socket)));
      });
      socket.once("error", reject);
    });
  }

  listen(address: string, onConnection: (conn: TransportConnection) => void): Promise<TransportListener> {
    return listenUnixSocket(address, { pauseOnConnect: true }, (socket) => {
      // credentials are taken at accept, before any byte is read
      onConnection(acceptedConnection(socket, this.libc.identity(socket), `unix:${address}`, this.libc.ops));
    });
  }
}

/** A node:net server on a Unix socket; removes a stale socket file first (it would make
 *  listen fail with EADDRINUSE) and the file again on close. Closing stops accepting only:
 *  connections already accepted belong to their sessions. */
export function listenUnixSocket(address: string, opts: net.ServerOpts, onSocket: (s: net.Socket) => void): Promise<TransportListener> {
  const path = socketPath(address);
  if (!address.startsWith("@") && existsSync(path) && statSync(path).isSocket()) unlinkSync(path);
  return new Promise((resolve, reject) => {
    const server = net.createServer(opts, onSocket);
    server.once("error", reject);
    server.listen(path, () => {
      server.off("error", reject);
      resolve({
        address,
        close: async () => {
          server.close();
          if (!address.startsWith("@")) { try { unlinkSync(path); } catch { /* already gone */ } }
        },
      });
    });
  });
}

export const unixTransport = new NodeUnixTransport();
