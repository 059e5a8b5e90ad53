// Who is on the other end of a Unix socket: SO_PEERCRED (Linux), read with getsockopt through
// koffi, a maintained FFI package with prebuilt binaries (node:net does not expose it, and a
// native addon would need a compiler at install time). The kernel records the peer's
// credentials at connect(); they cannot be forged by the peer. Anything that goes wrong
// reports the peer as anonymous with the reason: fail closed, never guess.
import { createRequire } from "node:module";
import type { Socket } from "node:net";
import type { PeerIdentity } from "../../src/rpc/transport.js";

const SOL_SOCKET = 1;
const SO_PEERCRED = 17;

type GetSockOpt = (fd: number, level: number, name: number, out: Buffer, len: number[]) => number;
let getsockopt: GetSockOpt | null | undefined;
let unavailable = "";

function load(): GetSockOpt | null {
  if (getsockopt !== undefined) return getsockopt;
  getsockopt = null;
  if (process.platform !== "linux") {
    unavailable = `SO_PEERCRED is Linux-only (platform ${process.platform})`;
    return null;
  }
  try {
    const koffi = createRequire(import.meta.url)("koffi");
    const libc = koffi.load("libc.so.6");
    getsockopt = libc.func("int getsockopt(int fd, int level, int optname, _Out_ uint8_t *optval, _Inout_ uint32_t *optlen)") as GetSockOpt;
  } catch (e) {
    unavailable = `koffi could not load libc: ${(e as Error).message}`;
  }
  return getsockopt;
}

/** The socket's file descriptor (node keeps it on its internal handle). */
export function socketFd(socket: Socket): number {
  const fd = (socket as unknown as { _handle?: { fd?: number } })._handle?.fd;
  return typeof fd === "number" && fd >= 0 ? fd : -1;
}

export function unixPeerIdentity(socket: Socket): PeerIdentity {
  return unixPeerIdentityOfFd(socketFd(socket));
}

/** SO_PEERCRED of a Unix socket descriptor (the fd-passing transport owns raw descriptors). */
export function unixPeerIdentityOfFd(fd: number): PeerIdentity {
  const fn = load();
  if (!fn) return { kind: "anonymous", reason: unavailable };
  if (fd < 0) return { kind: "anonymous", reason: "socket has no file descriptor" };
  const out = Buffer.alloc(12);
  const len = [12];
  if (fn(fd, SOL_SOCKET, SO_PEERCRED, out, len) !== 0 || len[0] !== 12) {
    return { kind: "anonymous", reason: "getsockopt(SO_PEERCRED) failed" };
  }
  return { kind: "unix", pid: out.readInt32LE(0), uid: out.readUInt32LE(4), gid: out.readUInt32LE(8) };
}
