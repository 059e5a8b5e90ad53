// Who is on the other end of a Unix socket in Bun: SO_PEERCRED through bun:ffi. Bun's socket
// carries its descriptor as `fd` (not in its type declarations); without it, or off Linux,
// the peer is anonymous with the reason: fail closed, never guess.
import { dlopen, FFIType, ptr } from "bun:ffi";
import type { PeerIdentity } from "../../src/rpc/transport.js";

const SOL_SOCKET = 1;
const SO_PEERCRED = 17;

type Libc = { symbols: { getsockopt(fd: number, level: number, name: number, out: unknown, len: unknown): number } };
let libc: Libc | null | undefined;
let unavailable = "";

function load(): Libc | null {
  if (libc !== undefined) return libc;
  libc = null;
  if (process.platform !== "linux") {
    unavailable = `SO_PEERCRED is Linux-only (platform ${process.platform})`;
    return null;
  }
  try {
    libc = dlopen("libc.so.6", {
      getsockopt: { args: [FFIType.i32, FFIType.i32, FFIType.i32, FFIType.ptr, FFIType.ptr], returns: FFIType.i32 },
    }) as unknown as Libc;
  } catch (e) {
    unavailable = `bun:ffi could not load libc: ${(e as Error).message}`;
  }
  return libc;
}

export function unixPeerIdentity(socket: object): PeerIdentity {
  const lib = load();
  if (!lib) return { kind: "anonymous", reason: unavailable };
  const fd = (socket as { fd?: unknown }).fd;
  if (typeof fd !== "number" || fd < 0) return { kind: "anonymous", reason: "Bun socket exposes no file descriptor" };
  const out = new Uint8Array(12);
  const len = new Uint32Array([12]);
  if (lib.symbols.getsockopt(fd, SOL_SOCKET, SO_PEERCRED, ptr(out), ptr(len)) !== 0 || len[0] !== 12) {
    return { kind: "anonymous", reason: "getsockopt(SO_PEERCRED) failed" };
  }
  const v = new DataView(out.buffer);
  return { kind: "unix", pid: v.getInt32(0, true), uid: v.getUint32(4, true), gid: v.getUint32(8, true) };
}
