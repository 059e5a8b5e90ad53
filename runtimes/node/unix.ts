// Unix-domain sockets for Node: a filesystem path, or "@name" for a Linux abstract socket.
import * as net from "node:net";
import type { PeerIdentity, RpcTransport, TransportConnection, TransportListener } from "../../src/rpc/transport.js";
import { LentReads, NodeSocketConnection, acceptedConnection, koffiFdOps, type SocketFdOps } from "./socket.js";
import { unixPeerIdentity } from "./peercred.js";
import { removeSocketFile, removeStaleSocket, socketPath } from "./socket-file.js";


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

  async connect(address: string): Promise<TransportConnection> {
    const reads = new LentReads();
    const socket = await connectUnixSocket(address, { onread: reads.onread });
    return new NodeSocketConnection(socket, this.libc.identity(socket), `unix:${address}`, reads, this.libc.ops.sender(socket));
  }

  listen(address: string, onConnection: (conn: TransportConnection) => void): Promise<TransportListener> {
    return listenUnixSocket(address, { pauseOnConnect: true }, (socket) => {
      // credentials are taken at accept, before any byte is read
      onConnection(acceptedConnection(socket, this.libc.identity(socket), `unix:${address}`, this.libc.ops));
    });
  }
}

/** A Unix socket connect does not wait while the listener's backlog is full: it fails with
 *  EAGAIN at once (a thousand clients connecting together meet it). Retry, as a blocking
 *  connect would wait (native/fd-socket.ts does too): every 20 ms at first, then less
 *  often, for up to the server's default handshake timeout. */
const CONNECT_RETRY_MS = 20;
const CONNECT_RETRY_MAX_MS = 250;
const CONNECT_PATIENCE_MS = 10_000;
/** The listen backlog (the kernel caps it at net.core.somaxconn): node's default, 511, is
 *  less than the connections a server admits at once (maxConnections, 4,096). */
const LISTEN_BACKLOG = 4096;

/** A connected node:net Unix socket (`opts`: more net.connect options, e.g. onread). */
export async function connectUnixSocket(address: string, opts: Omit<net.NetConnectOpts, "path" | "port"> = {}): Promise<net.Socket> {
  const deadline = Date.now() + CONNECT_PATIENCE_MS;
  for (let wait = CONNECT_RETRY_MS; ; wait = Math.min(wait * 2, CONNECT_RETRY_MAX_MS)) {
    try {
      return await new Promise<net.Socket>((resolve, reject) => {
        const socket = net.connect({ ...opts, path: socketPath(address) } as net.NetConnectOpts);
        socket.once("connect", () => { socket.off("error", reject); resolve(socket); });
        socket.once("error", reject);
      });
    } catch (e) {
      if ((e as { code?: string }).code !== "EAGAIN" || Date.now() + wait > deadline) throw e;
      await new Promise((r) => setTimeout(r, wait));
    }
  }
}

/** A node:net server on a Unix socket; removes a stale socket file first (it would make
 *  listen fail with EADDRINUSE) and the file again on close. Closing stops accepting only:
 *  connections already accepted belong to their sessions. */
export function listenUnixSocket(address: string, opts: net.ServerOpts, onSocket: (s: net.Socket) => void): Promise<TransportListener> {
  const path = socketPath(address);
  removeStaleSocket(address);
  return new Promise((resolve, reject) => {
    const server = net.createServer(opts, onSocket);
    server.once("error", reject);
    server.listen({ path, backlog: LISTEN_BACKLOG }, () => {
      server.off("error", reject);
      resolve({
        address,
        close: async () => {
          server.close();
          removeSocketFile(address);
        },
      });
    });
  });
}

export const unixTransport = new NodeUnixTransport();
