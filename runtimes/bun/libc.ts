// The libc calls the Bun adapter needs for file-descriptor passing, through bun:ffi (Bun's
// sockets read with recv() and write with send(): the kernel drops SCM_RIGHTS descriptors, so
// an fd-carrying socket is owned through libc from socket()/accept() on). Linux only: the
// msghdr/cmsghdr/sockaddr_un layouts and the constants below are Linux's, LP64 (x64, arm64).
import { dlopen, FFIType, ptr, read, type Pointer } from "bun:ffi";
import { constants } from "node:os";

export interface Libc {
  socket(domain: number, type: number, protocol: number): number;
  connect(fd: number, addr: Uint8Array, len: number): number;
  bind(fd: number, addr: Uint8Array, len: number): number;
  listen(fd: number, backlog: number): number;
  sendmsg(fd: number, msg: Uint8Array, flags: number): number;
  close(fd: number): number;
  fcntl(fd: number, cmd: number, arg: number): number;
  write(fd: number, buf: Uint8Array, n: number): number;
  eventfd(initval: number, flags: number): number;
  getsockopt(fd: number, level: number, name: number, out: Uint8Array, len: Uint32Array): number;
  /** errno of the last failed call on this thread (read right after it). */
  errno(): number;
}

export const O = {
  AF_UNIX: 1,
  SOCK_STREAM: 1,
  SOCK_NONBLOCK: 0x800,
  SOCK_CLOEXEC: 0x80000,
  F_DUPFD_CLOEXEC: 1030,
  EFD_CLOEXEC: 0x80000,
  EFD_NONBLOCK: 0x800,
  MSG_DONTWAIT: 0x40,
  MSG_NOSIGNAL: 0x4000,
  SOL_SOCKET: 1,
  SCM_RIGHTS: 1,
  SO_PEERCRED: 17,
  EINTR: 4,
  EAGAIN: 11,
} as const;

let libc: Libc | null | undefined;
let failure = "";

/** libc through bun:ffi, or null (see libcUnavailable()) off 64-bit Linux or without it. */
export function loadLibc(): Libc | null {
  if (libc !== undefined) return libc;
  libc = null;
  if (process.platform !== "linux") {
    failure = `file-descriptor passing is implemented for Linux only (platform ${process.platform})`;
    return null;
  }
  if (process.arch !== "x64" && process.arch !== "arm64") {
    failure = `file-descriptor passing needs a 64-bit Linux (arch ${process.arch})`;
    return null;
  }
  try {
    const { i32, u32, u64, i64_fast, ptr: P } = FFIType;
    const lib = dlopen("libc.so.6", {
      socket: { args: [i32, i32, i32], returns: i32 },
      connect: { args: [i32, P, u32], returns: i32 },
      bind: { args: [i32, P, u32], returns: i32 },
      listen: { args: [i32, i32], returns: i32 },
      sendmsg: { args: [i32, P, i32], returns: i64_fast },
      close: { args: [i32], returns: i32 },
      // fcntl is variadic; on LP64 Linux an int third argument travels exactly like a named one
      fcntl: { args: [i32, i32, i32], returns: i32 },
      write: { args: [i32, P, u64], returns: i64_fast },
      eventfd: { args: [u32, i32], returns: i32 },
      getsockopt: { args: [i32, i32, i32, P, P], returns: i32 },
      __errno_location: { args: [], returns: P },
    });
    const s = lib.symbols;
    // errno lives at a per-thread address: this is the main thread's, fixed for its lifetime
    const errnoAt = s.__errno_location() as Pointer;
    libc = {
      socket: (d, t, p) => s.socket(d, t, p),
      connect: (fd, a, l) => s.connect(fd, a, l),
      bind: (fd, a, l) => s.bind(fd, a, l),
      listen: (fd, b) => s.listen(fd, b),
      sendmsg: (fd, m, f) => Number(s.sendmsg(fd, m, f)),
      close: (fd) => s.close(fd),
      fcntl: (fd, c, a) => s.fcntl(fd, c, a),
      write: (fd, b, n) => Number(s.write(fd, b, n)),
      eventfd: (v, f) => s.eventfd(v, f),
      getsockopt: (fd, l, n, o, len) => s.getsockopt(fd, l, n, o, len),
      errno: () => read.i32(errnoAt, 0),
    };
  } catch (e) {
    failure = `bun:ffi could not load libc: ${(e as Error).message}`;
  }
  return libc;
}

export function libcUnavailable(): string { return failure; }

function need(): Libc {
  const c = loadLibc();
  if (!c) throw new Error(failure);
  return c;
}

const errnoNames = new Map<number, string>(Object.entries(constants.errno).map(([k, v]) => [v as number, k]));

/** An Error like Node's system errors: `${syscall} ${CODE} ${target}` with .code and .errno. */
export function sysError(syscall: string, errno: number, target?: string): Error & { code: string; errno: number; syscall: string } {
  const code = errnoNames.get(errno) ?? `E${errno}`;
  return Object.assign(new Error(`${syscall} ${code}${target ? ` ${target}` : ""}`), { code, errno: -errno, syscall });
}

/** A close-on-exec duplicate of `fd`. */
export function dupCloexec(fd: number): number {
  const c = need();
  const n = c.fcntl(fd, O.F_DUPFD_CLOEXEC, 0);
  if (n < 0) throw sysError("fcntl(F_DUPFD_CLOEXEC)", c.errno(), `fd ${fd}`);
  return n;
}

export function closeFd(fd: number): void {
  if (fd < 0) return;
  loadLibc()?.close(fd);
}

/** A struct sockaddr_un for `path` ("\0name" for the abstract namespace) and its length. */
export function sockaddrUn(path: string): { addr: Uint8Array; len: number } {
  const name = new TextEncoder().encode(path);
  const abstract = name[0] === 0;
  // sun_path is 108 bytes; a filesystem path needs its terminating NUL in it
  if (name.length > (abstract ? 108 : 107)) throw sysError("bind", 36 /* ENAMETOOLONG */, path);
  const addr = new Uint8Array(110);
  addr[0] = O.AF_UNIX; // sa_family_t, little-endian u16
  addr.set(name, 2);
  return { addr, len: 2 + name.length + (abstract ? 0 : 1) };
}

/** SO_PEERCRED of a connected Unix socket, or null. */
export function peerCred(fd: number): { pid: number; uid: number; gid: number } | null {
  const c = loadLibc();
  if (!c || fd < 0) return null;
  const out = new Uint8Array(12);
  const len = new Uint32Array([12]);
  if (c.getsockopt(fd, O.SOL_SOCKET, O.SO_PEERCRED, out, len) !== 0 || len[0] !== 12) return null;
  const v = new DataView(out.buffer);
  return { pid: v.getInt32(0, true), uid: v.getUint32(4, true), gid: v.getUint32(8, true) };
}

/** The address of a typed array's memory, for pointers stored inside C structs. */
export function addressOf(view: Uint8Array): bigint {
  return BigInt(ptr(view));
}
