// The libc calls the Deno adapter's FFI Unix transport needs (unix-ffi.ts), through Deno.dlopen.
// Loaded only when the process has the FFI permission (`--allow-ffi`): Deno.permissions is
// queried without prompting, and without the permission the adapter keeps its Deno.connect/
// Deno.listen transport. Linux only (x86_64, aarch64): the struct layouts and constants in
// unix-ffi.ts are LP64 Linux's.
//
// Every call runs on the main thread except `poll`, declared nonblocking: Deno runs it on a
// thread of its blocking pool and returns a promise. errno is thread-local, so it is read (on
// the main thread) only after the synchronous calls.

const SYMBOLS = {
  socket: { parameters: ["i32", "i32", "i32"], result: "i32" },
  bind: { parameters: ["i32", "buffer", "u32"], result: "i32" },
  listen: { parameters: ["i32", "i32"], result: "i32" },
  accept4: { parameters: ["i32", "pointer", "pointer", "i32"], result: "i32" },
  connect: { parameters: ["i32", "buffer", "u32"], result: "i32" },
  getsockopt: { parameters: ["i32", "i32", "i32", "buffer", "buffer"], result: "i32" },
  recvmsg: { parameters: ["i32", "buffer", "i32"], result: "isize" },
  sendmsg: { parameters: ["i32", "buffer", "i32"], result: "isize" },
  send: { parameters: ["i32", "buffer", "usize", "i32"], result: "isize" },
  shutdown: { parameters: ["i32", "i32"], result: "i32" },
  close: { parameters: ["i32"], result: "i32" },
  fcntl: { parameters: ["i32", "i32", "i32"], result: "i32" },
  /** Waits for readiness on a pool thread (the only call that may block). */
  poll: { parameters: ["buffer", "u64", "i32"], result: "i32", nonblocking: true },
  __errno_location: { parameters: [], result: "pointer" },
} as const;

export type LibcSymbols = Deno.DynamicLibrary<typeof SYMBOLS>["symbols"];

export interface DenoLibc {
  readonly sym: LibcSymbols;
  /** errno of the last failed synchronous call (main thread). */
  errno(): number;
}

/** Linux constants (x86_64 and aarch64 share them). */
export const C = {
  AF_UNIX: 1,
  SOCK_STREAM: 1,
  SOCK_NONBLOCK: 0x800,
  SOCK_CLOEXEC: 0x80000,
  SOL_SOCKET: 1,
  SO_PEERCRED: 17,
  SCM_RIGHTS: 1,
  MSG_CTRUNC: 0x8,
  MSG_DONTWAIT: 0x40,
  MSG_NOSIGNAL: 0x4000,
  MSG_CMSG_CLOEXEC: 0x40000000,
  SHUT_RDWR: 2,
  F_DUPFD_CLOEXEC: 1030,
  POLLIN: 0x1,
  POLLOUT: 0x4,
  POLLERR: 0x8,
  POLLHUP: 0x10,
  POLLNVAL: 0x20,
  EINTR: 4,
  EAGAIN: 11,
  ENOENT: 2,
  EACCES: 13,
  EADDRINUSE: 98,
  ECONNREFUSED: 111,
  EPIPE: 32,
  ECONNRESET: 104,
  EMFILE: 24,
  ENFILE: 23,
} as const;

let libc: DenoLibc | null | undefined;
let why = "";

/** libc, or null when FFI is not allowed or not supported here (see libcUnavailable()). */
export function denoLibc(): DenoLibc | null {
  if (libc !== undefined) return libc;
  libc = null;
  if (Deno.build.os !== "linux") {
    why = `the FFI Unix transport is implemented for Linux only (os ${Deno.build.os})`;
    return null;
  }
  if (Deno.build.arch !== "x86_64" && Deno.build.arch !== "aarch64") {
    why = `the FFI Unix transport needs a 64-bit Linux (arch ${Deno.build.arch})`;
    return null;
  }
  try {
    if (Deno.permissions.querySync({ name: "ffi" }).state !== "granted") {
      why = "no FFI permission (run with --allow-ffi for peer credentials and fd passing)";
      return null;
    }
    const lib = Deno.dlopen("libc.so.6", SYMBOLS);
    const where = lib.symbols.__errno_location();
    if (!where) throw new Error("__errno_location returned null");
    const view = new Deno.UnsafePointerView(where);
    libc = { sym: lib.symbols, errno: () => view.getInt32() };
  } catch (e) {
    why = `could not load libc through FFI: ${(e as Error).message}`;
  }
  return libc;
}

/** Why denoLibc() returned null. */
export function libcUnavailable(): string { return why; }

/** A close-on-exec duplicate of `fd`. */
export function dupCloexec(fd: number): number {
  const c = denoLibc();
  if (!c) throw new Error(why);
  const n = c.sym.fcntl(fd, C.F_DUPFD_CLOEXEC, 0);
  if (n < 0) throw new Error(`fcntl(F_DUPFD_CLOEXEC) on fd ${fd} failed: errno ${c.errno()}`);
  return n;
}

export function closeFd(fd: number): void {
  if (fd < 0) return;
  denoLibc()?.sym.close(fd);
}
