// Who is on the other end of a Unix socket: SO_PEERCRED, which the kernel records at connect()
// and the peer cannot forge. Anything that goes wrong reports the peer as anonymous with the
// reason: fail closed, never guess.
import type { PeerIdentity } from "../src/rpc/transport.js";
import { SOL_SOCKET, SO_PEERCRED, UCRED } from "./linux.js";
import type { Syscalls } from "./syscalls.js";

/** SO_PEERCRED of a connected Unix socket descriptor. `sys` null: FFI is out of reach, and
 *  `why` says so. */
export function peerCredentials(sys: Syscalls | null, fd: number, why = "no FFI for SO_PEERCRED"): PeerIdentity {
  if (!sys) return { kind: "anonymous", reason: why };
  if (fd < 0) return { kind: "anonymous", reason: "socket has no file descriptor" };
  const out = new Uint8Array(UCRED.size);
  const len = new Uint32Array([UCRED.size]);
  if (sys.getsockopt(fd, SOL_SOCKET, SO_PEERCRED, out, len) !== 0 || len[0] !== UCRED.size) {
    return { kind: "anonymous", reason: "getsockopt(SO_PEERCRED) failed" };
  }
  const v = new DataView(out.buffer);
  const f = UCRED.fields;
  return { kind: "unix", pid: v.getInt32(f.pid[0], true), uid: v.getUint32(f.uid[0], true), gid: v.getUint32(f.gid[0], true) };
}
