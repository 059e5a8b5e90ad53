// Unix-domain sockets with Bun.connect / Bun.listen ({ unix }): a filesystem path, or "@name"
// for a Linux abstract socket.
import type { PeerIdentity, RpcTransport, TransportConnection, TransportListener } from "../../src/rpc/transport.js";
import { dial, serve, type BunSocket } from "./socket.js";
import { unixPeerIdentity } from "./peercred.js";
import { removeSocketFile, removeStaleSocket, socketPath } from "../node/socket-file.js";


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
