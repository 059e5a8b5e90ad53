// The few libc calls the Node adapter needs for file-descriptor passing, through koffi (a
// maintained FFI package with prebuilt binaries; node:net cannot send or receive SCM_RIGHTS,
// and a native addon would need a compiler at install time). Linux only: the msghdr/cmsghdr
// layouts and constants below are Linux's (LP64: x86_64, aarch64).
import { createRequire } from "node:module";

/* eslint-disable @typescript-eslint/no-explicit-any */
export type Ptr = unknown;

export interface Libc {
  koffi: any;
  /** Resolved path of the koffi package (the reactor worker loads the same copy). */
  koffiPath: string;
  sendmsg(fd: number, msg: Ptr, flags: number): number;
  close(fd: number): number;
  fcntl(fd: number, cmd: number, arg: number): number;
  write(fd: number, buf: Uint8Array, n: number): number;
  eventfd(initval: number, flags: number): number;
  errno(): number;
}

export const O = {
  F_DUPFD_CLOEXEC: 1030,
  EFD_CLOEXEC: 0x80000,
  EFD_NONBLOCK: 0x800,
  MSG_DONTWAIT: 0x40,
  MSG_NOSIGNAL: 0x4000,
  MSG_CMSG_CLOEXEC: 0x40000000,
  SOL_SOCKET: 1,
  SCM_RIGHTS: 1,
  EAGAIN: 11,
  EINTR: 4,
} as const;

let libc: Libc | null | undefined;
let failure = "";

/** libc through koffi, or null (see libcUnavailable()) on other platforms or without koffi. */
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
    const req = createRequire(import.meta.url);
    const koffiPath = req.resolve("koffi");
    const koffi = req(koffiPath);
    const lib = koffi.load("libc.so.6");
    // fcntl is variadic; on LP64 Linux an int third argument travels exactly like a named one
    const fcntl = lib.func("int fcntl(int fd, int cmd, int arg)");
    libc = {
      koffi,
      koffiPath,
      sendmsg: lib.func("intptr_t sendmsg(int fd, void *msg, int flags)"),
      close: lib.func("int close(int fd)"),
      fcntl,
      write: lib.func("intptr_t write(int fd, const uint8_t *buf, uintptr_t n)"),
      eventfd: lib.func("int eventfd(unsigned int initval, int flags)"),
      errno: () => koffi.errno() as number,
    };
  } catch (e) {
    failure = `koffi could not load libc: ${(e as Error).message}`;
  }
  return libc;
}

export function libcUnavailable(): string { return failure; }

function need(): Libc {
  const c = loadLibc();
  if (!c) throw new Error(failure);
  return c;
}

/** A close-on-exec duplicate of `fd`. */
export function dupCloexec(fd: number): number {
  const c = need();
  const n = c.fcntl(fd, O.F_DUPFD_CLOEXEC, 0);
  if (n < 0) throw new Error(`fcntl(F_DUPFD_CLOEXEC) on fd ${fd} failed: errno ${c.errno()}`);
  return n;
}

export function closeFd(fd: number): void {
  if (fd < 0) return;
  const c = loadLibc();
  if (c) c.close(fd);
}
