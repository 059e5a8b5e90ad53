// The system calls fd sockets need, as one typed table over plain numbers and byte arrays.
// Everything in native/ (the reactor, the fd socket and listener, peer credentials) is written
// against this interface once; each runtime supplies only the table, through its FFI
// (runtimes/node/syscalls.ts: koffi; runtimes/bun/syscalls.ts: bun:ffi;
// runtimes/deno/syscalls.ts: Deno.dlopen). Struct layouts and constants: linux.ts.
//
// Calls return what libc returns (-1 on failure; errno() then says why, read right after the
// call on the same thread). Buffers whose native address is stored inside another struct (a
// msghdr points at its iovec, control area and data) come from alloc(), which gives memory
// with a stable address; any other byte array is passed by reference for the call only.

/** Memory at a stable native address: `bytes` views it, `address` is where it starts. */
export interface NativeBuffer {
  readonly bytes: Uint8Array;
  readonly address: bigint;
}

export interface Syscalls {
  /** Memory that stays at one native address while referenced (freed with the last reference). */
  alloc(size: number): NativeBuffer;

  socket(domain: number, type: number, protocol: number): number;
  bind(fd: number, addr: Uint8Array, len: number): number;
  listen(fd: number, backlog: number): number;
  /** accept4(fd, NULL, NULL, flags): the new descriptor or -1. */
  accept4(fd: number, flags: number): number;
  connect(fd: number, addr: Uint8Array, len: number): number;
  /** sendmsg/recvmsg over a msghdr at the start of `msg` (see linux.ts MESSAGE): bytes or -1. */
  sendmsg(fd: number, msg: NativeBuffer, flags: number): number;
  recvmsg(fd: number, msg: NativeBuffer, flags: number): number;
  /** send(2) of `n` bytes of `buf` (the direct-write acceleration for plain sockets). */
  send(fd: number, buf: Uint8Array, n: number, flags: number): number;
  /** poll over `nfds` struct pollfd in `fds`. Blocks the calling thread (the reactor's). */
  poll(fds: Uint8Array, nfds: number, timeoutMs: number): number;
  getsockopt(fd: number, level: number, name: number, out: Uint8Array, len: Uint32Array): number;
  shutdown(fd: number, how: number): number;
  close(fd: number): number;
  /** fcntl with an int argument (F_DUPFD_CLOEXEC). */
  fcntl(fd: number, cmd: number, arg: number): number;
  eventfd(initval: number, flags: number): number;
  read(fd: number, buf: Uint8Array, n: number): number;
  write(fd: number, buf: Uint8Array, n: number): number;
  /** errno of the last failed call on this thread. */
  errno(): number;
}
