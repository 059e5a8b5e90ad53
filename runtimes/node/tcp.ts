// TCP for Node: addresses are "host:port" ("[v6]:port" for IPv6 literals); port 0 listens on
// an ephemeral port, and the listener's address reports the bound one. TCP_NODELAY is set on
// every socket (NodeSocketConnection does it): binder frames are small request/reply pairs.
// There is no peer authentication on plain TCP: peers are { kind: "anonymous" }.
import * as net from "node:net";
import type { PeerIdentity, RpcTransport, TransportConnection, TransportListener } from "../../src/rpc/transport.js";
import { formatHostPort, parseHostPort } from "../../src/transports/net.js";
import { LentReads, NodeSocketConnection, acceptedConnection } from "./socket.js";
import { directSender } from "./direct-send.js";

const TCP_PEER: PeerIdentity = { kind: "anonymous", reason: "plain TCP" };

/** The address a node:net server is bound to, as "host:port". */
export function boundAddress(server: net.Server, requestedHost: string): string {
  const a = server.address();
  if (a && typeof a === "object") return formatHostPort(requestedHost || a.address, a.port);
  return String(a);
}

export class NodeTcpTransport implements RpcTransport {
  readonly name = "node-tcp";

  connect(address: string): Promise<TransportConnection> {
    const { host, port } = parseHostPort(address);
    return new Promise((resolve, reject) => {
      const reads = new LentReads();
      const socket = net.connect({ host, port, noDelay: true, onread: reads.onread });
      socket.once("connect", () => {
        socket.off("error", reject);
        resolve(new NodeSocketConnection(socket, TCP_PEER, `tcp:${address}`, reads, directSender(socket)));
      });
      socket.once("error", reject);
    });
  }

  listen(address: string, onConnection: (conn: TransportConnection) => void): Promise<TransportListener> {
    const { host, port } = parseHostPort(address);
    return new Promise((resolve, reject) => {
      const server = net.createServer({ noDelay: true, pauseOnConnect: true }, (socket) => {
        const remote = formatHostPort(socket.remoteAddress ?? "?", socket.remotePort ?? 0);
        onConnection(acceptedConnection(socket, TCP_PEER, `tcp:${remote}`));
      });
      server.once("error", reject);
      server.listen({ host, port }, () => {
        server.off("error", reject);
        resolve({ address: boundAddress(server, host), close: async () => { server.close(); } });
      });
    });
  }
}

export const tcpTransport = new NodeTcpTransport();
