// TCP on Deno's own API (Deno.listen/Deno.connect), addresses "host:port". No-delay is set on
// every connection (a binder call is a small frame waiting for a small reply). The peer of a
// plain TCP connection is anonymous.
import type { PeerIdentity, RpcTransport, TransportConnection, TransportListener } from "../../src/rpc/transport.js";
import { DenoConnection } from "./connection.js";
import { formatHostPort, parseHostPort } from "../../src/transports/net.js";
import { serveListener } from "./accept.js";

const TCP_PEER: PeerIdentity = { kind: "anonymous", reason: "plain TCP" };

export class DenoTcpTransport implements RpcTransport {
  readonly name = "deno-tcp";

  async connect(address: string): Promise<TransportConnection> {
    const { host: hostname, port } = parseHostPort(address);
    const conn = await Deno.connect({ transport: "tcp", hostname, port });
    conn.setNoDelay(true);
    return new DenoConnection(conn, TCP_PEER, `tcp:${address}`);
  }

  async listen(address: string, onConnection: (conn: TransportConnection) => void): Promise<TransportListener> {
    const { host: hostname, port } = parseHostPort(address);
    const listener = Deno.listen({ transport: "tcp", hostname, port });
    // the port actually bound (port 0 asks for any free one)
    return serveListener(listener, formatHostPort(hostname, listener.addr.port), (conn) => {
      conn.setNoDelay(true);
      const remote = formatHostPort(conn.remoteAddr.hostname, conn.remoteAddr.port);
      onConnection(new DenoConnection(conn, TCP_PEER, `tcp:${remote}`));
    });
  }
}

export const tcpTransport: DenoTcpTransport = new DenoTcpTransport();
