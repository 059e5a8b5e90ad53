// Unix-domain sockets on Deno's own API (Deno.listen/Deno.connect with transport "unix"): the
// transport when the process has no FFI permission (with it, unix-ffi.ts).
// A filesystem path, or "@name" for a Linux abstract socket (as in the Node adapter).
import type { PeerIdentity, RpcTransport, TransportConnection, TransportListener } from "../../src/rpc/transport.js";
import { DenoConnection } from "./connection.js";
import { acceptLoop } from "./accept.js";

/** "@name" is the Linux abstract namespace (no file); anything else is a path. */
function socketPath(address: string): string {
  return address.startsWith("@") ? "\0" + address.slice(1) : address;
}

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
    const path = socketPath(address);
    const file = !address.startsWith("@");
    // a stale socket file from a previous run would make listen fail with AddrInUse
    if (file) {
      try {
        if (Deno.lstatSync(path).isSocket) Deno.removeSync(path);
      } catch { /* no such file */ }
    }
    const listener = Deno.listen({ transport: "unix", path });
    void acceptLoop(listener, (conn) => onConnection(new DenoUnixConnection(conn, address)));
    let closed = false;
    return {
      address,
      // stop accepting; connections already accepted belong to their sessions
      close: async () => {
        if (closed) return;
        closed = true;
        try { listener.close(); } catch { /* already closed */ }
        if (file) { try { Deno.removeSync(path); } catch { /* already gone */ } }
      },
    };
  }
}

export const unixTransport: DenoUnixTransport = new DenoUnixTransport();
