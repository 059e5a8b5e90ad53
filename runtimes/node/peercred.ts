// Who is on the other end of a node:net Unix socket: SO_PEERCRED of its descriptor
// (native/peercred.ts) through koffi. node:net exposes neither the option nor, officially, the
// descriptor; without either the peer is anonymous with the reason.
import type { Socket } from "node:net";
import type { PeerIdentity } from "../../src/rpc/transport.js";
import { peerCredentials } from "../../native/peercred.js";
import { nodeNative } from "./native.js";

/** The socket's file descriptor (node keeps it on its internal handle), or -1. */
export function socketFd(socket: Socket): number {
  const fd = (socket as unknown as { _handle?: { fd?: number } })._handle?.fd;
  return typeof fd === "number" && fd >= 0 ? fd : -1;
}

export function unixPeerIdentity(socket: Socket): PeerIdentity {
  return peerCredentials(nodeNative.syscalls(), socketFd(socket), nodeNative.unavailable());
}
