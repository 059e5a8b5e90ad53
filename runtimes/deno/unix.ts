// Unix-domain sockets on Deno's own API (Deno.listen/Deno.connect with transport "unix"): the
// transport when the process has no FFI permission (with it, unix-ffi.ts).
// A filesystem path, or "@name" for a Linux abstract socket (as in the Node adapter).
import type { PeerIdentity, RpcTransport, TransportConnection, TransportListener } from "../../src/rpc/transport.js";
import { DenoConnection } from "./connection.js";
import { removeSocketFile, removeStaleSocket, serveListener } from "./accept.js";
import { socketPath } from "../../src/transports/net.js";

/** Who is on the other end of a Unix connection. SO_PEERCRED would give { kind: "unix", uid,
 *  pid, gid }, but Deno 2 exposes neither the option nor a Deno.Conn's descriptor, so the peer
 *  is anonymous on this transport. With --allow-ffi the adapter owns its Unix sockets through
 *  libc instead (unix-ffi.ts), and reports the credentials. */
export function unixPeer(_conn: Deno.UnixConn): PeerIdentity {
  return { kind: "anonymous", reason: "Deno does not expose SO_PEERCRED (without --allow-ffi)" };
}

export class DenoUnixConnection extends DenoConnection {
  constructor(conn: Deno.UnixConn, address: string) {
    super(conn, unixPeer(conn), `unix:${address}`);
  }
}

export class DenoUnixTransport implements RpcTransport {
  readonly name = "deno-unix";

  async connect(address: string): Promise<TransportConnection> {
    const conn = await Deno.connect({ transport: "unix", path: socketPath(address) });
    return new DenoUnixConnection(conn, address);
  }

  async listen(address: string, onConnection: (conn: TransportConnection) => void): Promise<TransportListener> {
    removeStaleSocket(address);
    const listener = Deno.listen({ transport: "unix", path: socketPath(address) });
    return serveListener(listener, address, (conn) => onConnection(new DenoUnixConnection(conn, address)), () => removeSocketFile(address));
  }
}

export const unixTransport: DenoUnixTransport = new DenoUnixTransport();
