// Linux's numbers for fd sockets, in one place: the constants (x86_64 and aarch64 share every
// one used here) and the struct layouts of LP64 Linux (64-bit pointers and size_t), as byte
// offsets. Every file that builds or reads a msghdr, a pollfd or a ucred takes them from here;
// test/native/linux.test.ts checks that each layout's fields tile its size without overlap and
// that the kernel agrees where it reports a size (SO_PEERCRED, poll, recvmsg).

/** Protocol families, socket types and flags (socket(2), accept4(2)). */
export const AF_UNIX = 1;
export const SOCK_STREAM = 1;
export const SOCK_NONBLOCK = 0x800;
export const SOCK_CLOEXEC = 0x80000;

/** Socket options and control messages. */
export const SOL_SOCKET = 1;
export const SO_PEERCRED = 17;
export const SCM_RIGHTS = 1;

/** send/recv flags. */
export const MSG_CTRUNC = 0x8;
export const MSG_DONTWAIT = 0x40;
export const MSG_NOSIGNAL = 0x4000;
export const MSG_CMSG_CLOEXEC = 0x40000000;

export const SHUT_RDWR = 2;
export const F_DUPFD_CLOEXEC = 1030;
export const EFD_NONBLOCK = 0x800;
export const EFD_CLOEXEC = 0x80000;

/** poll(2) events. */
export const POLLIN = 0x1;
export const POLLOUT = 0x4;
export const POLLERR = 0x8;
export const POLLHUP = 0x10;
export const POLLNVAL = 0x20;

/** errno values. */
export const Errno = {
  EPERM: 1,
  ENOENT: 2,
  EINTR: 4,
  EIO: 5,
  EBADF: 9,
  EAGAIN: 11,
  ENOMEM: 12,
  EACCES: 13,
  EINVAL: 22,
  ENFILE: 23,
  EMFILE: 24,
  EPIPE: 32,
  ENAMETOOLONG: 36,
  ENOTSOCK: 88,
  EPROTOTYPE: 91,
  EADDRINUSE: 98,
  ECONNABORTED: 103,
  ECONNRESET: 104,
  ENOBUFS: 105,
  ENOTCONN: 107,
  ETIMEDOUT: 110,
  ECONNREFUSED: 111,
} as const;

const errnoNames = new Map<number, string>(Object.entries(Errno).map(([k, v]) => [v, k]));

/** An Error in the style of Node's system errors: `${call} ${CODE} ${target}`, with .code,
 *  .errno (negative, as libuv's) and .syscall. */
export function sysError(call: string, errno: number, target?: string): Error & { code: string; errno: number; syscall: string } {
  const code = errnoNames.get(errno) ?? `E${errno}`;
  return Object.assign(new Error(`${call} ${code}${target ? ` ${target}` : ""}`), { code, errno: -errno, syscall: call });
}

/** A layout: the struct's size and alignment, and each field's offset and size. */
export interface Layout {
  readonly size: number;
  readonly align: number;
  readonly fields: Readonly<Record<string, readonly [offset: number, size: number]>>;
}

/** struct msghdr (<sys/socket.h>). */
export const MSGHDR = {
  size: 56, align: 8,
  fields: { name: [0, 8], namelen: [8, 4], iov: [16, 8], iovlen: [24, 8], control: [32, 8], controllen: [40, 8], flags: [48, 4] },
} as const satisfies Layout;

/** struct iovec (<sys/uio.h>). */
export const IOVEC = { size: 16, align: 8, fields: { base: [0, 8], len: [8, 8] } } as const satisfies Layout;

/** struct cmsghdr: the header of one control message; its data follows, aligned to 8. */
export const CMSGHDR = { size: 16, align: 8, fields: { len: [0, 8], level: [8, 4], type: [12, 4] } } as const satisfies Layout;

/** struct sockaddr_un (<sys/un.h>): a family and 108 bytes of path. */
export const SOCKADDR_UN = { size: 110, align: 2, fields: { family: [0, 2], path: [2, 108] } } as const satisfies Layout;

/** struct ucred (SO_PEERCRED). */
export const UCRED = { size: 12, align: 4, fields: { pid: [0, 4], uid: [4, 4], gid: [8, 4] } } as const satisfies Layout;

/** struct pollfd (<poll.h>). */
export const POLLFD = { size: 8, align: 4, fields: { fd: [0, 4], events: [4, 2], revents: [6, 2] } } as const satisfies Layout;

/** The most descriptors one SCM_RIGHTS message carries (the kernel's SCM_MAX_FD; libbinder's
 *  per-message limit, MAX_FDS_PER_MESSAGE in src/parcel, is the same number). */
export const SCM_MAX_FD = 253;

/** CMSG_ALIGN: control messages are padded to 8 bytes. */
export function cmsgAlign(n: number): number {
  return (n + 7) & ~7;
}

/** The message buffer every sendmsg/recvmsg of the package uses, in native memory: a msghdr,
 *  one iovec, a control area with room for SCM_MAX_FD, then the data. The msghdr
 *  points at the iovec and the control area, the iovec at the data, so the buffer needs a
 *  stable native address (Syscalls.alloc). */
export const MESSAGE = {
  HDR: 0,
  IOV: 64,
  CTRL: 128,
  CTRL_LEN: cmsgAlign(CMSGHDR.size + SCM_MAX_FD * 4),
  DATA: 2048,
} as const;
