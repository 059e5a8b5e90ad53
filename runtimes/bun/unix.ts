// Unix-domain sockets with Bun.connect / Bun.listen ({ unix }): a filesystem path, or "@name"
// for a Linux abstract socket.
import { existsSync, statSync, unlinkSync } from "node:fs";
import type { PeerIdentity, RpcTransport, TransportConnection, TransportListener } from "../../src/rpc/transport.js";
import { dial, serve, type BunSocket } from "./socket.js";
import { unixPeerIdentity } from "./peercred.js";

/** "@name" is the Linux abstract namespace (no file); anything else is a path. */
export function socketPath(address: string): string {
  return address.startsWith("@") ? "\0" + address.slice(1) : address;
}

/** A socket file left by a previous run would make listen fail with EADDRINUSE. */
export function removeStaleSocket(address: string): void {
  const path = socketPath(address);
  if (!address.startsWith("@") && existsSync(path) && statSync(path).isSocket()) unlinkSync(path);
}

/** Remove a listener's socket file (abstract sockets have none). */
export function removeSocketFile(address: string): void {
  if (!address.startsWith("@")) { try { unlinkSync(address); } catch { /* already gone */ } }
}

export class BunUnixTransport implements RpcTransport {
  readonly name = "bun-unix";

  /** Who is on the other end: SO_PEERCRED via bun:ffi, taken when the socket opens. */
  protected peerOf(socket: BunSocket): PeerIdentity {
    return unixPeerIdentity(socket);
  }

  connect(address: string): Promise<TransportConnection> {
    return dial({ unix: socketPath(address) }, `unix:${address}`, (s) => this.peerOf(s));
  }

  async listen(address: string, onConnection: (conn: TransportConnection) => void): Promise<TransportListener> {
    removeStaleSocket(address);
    const listener = serve({ unix: socketPath(address) }, () => `unix:${address}`, (s) => this.peerOf(s), onConnection);
    return {
      address,
      // stop accepting; connections already accepted belong to their sessions
      close: async () => {
        listener.stop(false);
        removeSocketFile(address);
      },
    };
  }
}

export const unixTransport = new BunUnixTransport();
