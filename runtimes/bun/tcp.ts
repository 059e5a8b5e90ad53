// TCP with Bun.connect / Bun.listen ({ hostname, port }). Addresses are "host:port"
// ("[v6]:port" for IPv6 literals); port 0 listens on an ephemeral port, and the listener's
// address reports the bound one. Plain TCP authenticates nobody: peers are anonymous.
import type { PeerIdentity, RpcTransport, TransportConnection, TransportListener } from "../../src/rpc/transport.js";
import { formatHostPort, parseHostPort } from "../../src/transports/net.js";
import { dial, serve, type BunSocket } from "./socket.js";

const TCP_PEER: PeerIdentity = { kind: "anonymous", reason: "plain TCP" };

/** "host:port" of the other end of an accepted socket. */
export function remoteOf(socket: BunSocket): string {
  return formatHostPort(socket.remoteAddress, socket.remotePort);
}

export class BunTcpTransport implements RpcTransport {
  readonly name = "bun-tcp";

  connect(address: string): Promise<TransportConnection> {
    const { host, port } = parseHostPort(address);
    return dial({ hostname: host, port }, `tcp:${address}`, () => TCP_PEER);
  }

  async listen(address: string, onConnection: (conn: TransportConnection) => void): Promise<TransportListener> {
    const { host, port } = parseHostPort(address);
    const listener = serve({ hostname: host, port }, (s) => `tcp:${remoteOf(s)}`, () => TCP_PEER, onConnection);
    return {
      address: formatHostPort(host, listener.port ?? port),
      close: async () => { listener.stop(false); },
    };
  }
}

export const tcpTransport = new BunTcpTransport();
