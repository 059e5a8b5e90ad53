// The Syscalls table (native/syscalls.ts) through koffi, a maintained FFI package with prebuilt
// binaries (node:net can neither send nor receive SCM_RIGHTS nor read SO_PEERCRED, and a native
// addon would need a compiler at install time). koffi is an optional dependency, loaded on
// first use: without it (or off 64-bit Linux) fd passing and peer credentials report why.
import { createRequire } from "node:module";
import type { NativeBuffer, Syscalls } from "../../native/syscalls.js";

/* eslint-disable @typescript-eslint/no-explicit-any */
type Koffi = any;

/** The table over a loaded koffi module (the reactor worker loads its own copy by path). */
export function koffiSyscalls(koffi: Koffi): Syscalls {
  const lib = koffi.load("libc.so.6");
  const f = (decl: string) => lib.func(decl);
  // memory from alloc() is koffi's: its pointer object is what sendmsg/recvmsg take
  const handles = new WeakMap<Uint8Array, unknown>();
  const socket = f("int socket(int domain, int type, int protocol)");
  const bind = f("int bind(int fd, const uint8_t *addr, uint32_t len)");
  const listen = f("int listen(int fd, int backlog)");
  const accept4 = f("int accept4(int fd, void *addr, void *len, int flags)");
  const connect = f("int connect(int fd, const uint8_t *addr, uint32_t len)");
  const sendmsg = f("intptr_t sendmsg(int fd, void *msg, int flags)");
  const recvmsg = f("intptr_t recvmsg(int fd, void *msg, int flags)");
  const send = f("intptr_t send(int fd, const uint8_t *buf, uintptr_t n, int flags)");
  const poll = f("int poll(_Inout_ uint8_t *fds, uint64_t nfds, int timeout)");
  const getsockopt = f("int getsockopt(int fd, int level, int optname, _Out_ uint8_t *optval, _Inout_ uint32_t *optlen)");
  const shutdown = f("int shutdown(int fd, int how)");
  const close = f("int close(int fd)");
  // fcntl is variadic; on LP64 Linux an int third argument travels exactly like a named one
  const fcntl = f("int fcntl(int fd, int cmd, int arg)");
  const eventfd = f("int eventfd(unsigned int initval, int flags)");
  const read = f("intptr_t read(int fd, _Out_ uint8_t *buf, uintptr_t n)");
  const write = f("intptr_t write(int fd, const uint8_t *buf, uintptr_t n)");
  return {
    alloc(size: number): NativeBuffer {
      const mem = koffi.alloc("uint8_t", size);
      const bytes = new Uint8Array(koffi.view(mem, size) as ArrayBuffer);
      handles.set(bytes, mem);
      return { bytes, address: koffi.address(mem) as bigint };
    },
    socket, bind, listen, connect, getsockopt, shutdown, close, fcntl, eventfd,
    accept4: (fd, flags) => accept4(fd, null, null, flags),
    sendmsg: (fd, msg, flags) => Number(sendmsg(fd, handles.get(msg.bytes), flags)),
    recvmsg: (fd, msg, flags) => Number(recvmsg(fd, handles.get(msg.bytes), flags)),
    send: (fd, buf, n, flags) => Number(send(fd, buf, n, flags)),
    poll: (fds, nfds, timeout) => poll(fds, nfds, timeout),
    read: (fd, buf, n) => Number(read(fd, buf, n)),
    write: (fd, buf, n) => Number(write(fd, buf, n)),
    errno: () => koffi.errno() as number,
  };
}

/** Load koffi and libc: the table, and where its koffi lives (for the reactor worker), or the
 *  reason it is out of reach. The caller keeps the answer. */
export function loadKoffiSyscalls(): { sys: Syscalls; workerData: { koffiPath: string } } | { sys: null; why: string } {
  if (process.platform !== "linux") return { sys: null, why: `file-descriptor passing and peer credentials are implemented for Linux only (platform ${process.platform})` };
  if (process.arch !== "x64" && process.arch !== "arm64") return { sys: null, why: `file-descriptor passing needs a 64-bit Linux (arch ${process.arch})` };
  try {
    const req = createRequire(import.meta.url);
    const koffiPath = req.resolve("koffi");
    return { sys: koffiSyscalls(req(koffiPath)), workerData: { koffiPath } };
  } catch (e) {
    return { sys: null, why: `koffi (an optional dependency) could not load libc: ${(e as Error).message}` };
  }
}
