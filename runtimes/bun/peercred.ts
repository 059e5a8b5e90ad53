// Who is on the other end of a Bun Unix socket: SO_PEERCRED of its descriptor
// (native/peercred.ts) through bun:ffi. Bun's socket carries its descriptor as `fd` (not in
// its type declarations); without it, or off Linux, the peer is anonymous with the reason.
import type { PeerIdentity } from "../../src/rpc/transport.js";
import { peerCredentials } from "../../native/peercred.js";
import { bunNative } from "./native.js";

export function unixPeerIdentity(socket: object): PeerIdentity {
  const fd = (socket as { fd?: unknown }).fd;
  if (typeof fd !== "number" || fd < 0) return { kind: "anonymous", reason: "Bun socket exposes no file descriptor" };
  return peerCredentials(bunNative.syscalls(), fd, bunNative.unavailable());
}
