// The Syscalls table (native/syscalls.ts) through bun:ffi. Bun's own sockets read with recv()
// and write with send(), so the kernel would drop SCM_RIGHTS descriptors sent to them; fd
// sockets are libc's from socket()/accept4() on (native/fd-socket.ts).
import { dlopen, FFIType, ptr, read as peek, type Pointer } from "bun:ffi";
import type { NativeBuffer, Syscalls } from "../../native/syscalls.js";

const { i32, u32, u64, i64_fast, ptr: P } = FFIType;

/** The table over libc, for the calling thread (errno is read at this thread's address). */
export function bunSyscalls(): Syscalls {
  const s = dlopen("libc.so.6", {
    socket: { args: [i32, i32, i32], returns: i32 },
    bind: { args: [i32, P, u32], returns: i32 },
    listen: { args: [i32, i32], returns: i32 },
    accept4: { args: [i32, P, P, i32], returns: i32 },
    connect: { args: [i32, P, u32], returns: i32 },
    sendmsg: { args: [i32, P, i32], returns: i64_fast },
    recvmsg: { args: [i32, P, i32], returns: i64_fast },
    send: { args: [i32, P, u64, i32], returns: i64_fast },
    poll: { args: [P, u64, i32], returns: i32 },
    getsockopt: { args: [i32, i32, i32, P, P], returns: i32 },
    shutdown: { args: [i32, i32], returns: i32 },
    close: { args: [i32], returns: i32 },
    // fcntl is variadic; on LP64 Linux an int third argument travels exactly like a named one
    fcntl: { args: [i32, i32, i32], returns: i32 },
    eventfd: { args: [u32, i32], returns: i32 },
    read: { args: [i32, P, u64], returns: i64_fast },
    write: { args: [i32, P, u64], returns: i64_fast },
    __errno_location: { args: [], returns: P },
  }).symbols;
  // errno lives at a per-thread address, fixed for the thread's lifetime
  const errnoAt = s.__errno_location() as Pointer;
  return {
    alloc(size: number): NativeBuffer {
      // a JS buffer does not move while referenced (bun:ffi's ptr() relies on it too)
      const bytes = new Uint8Array(size);
      return { bytes, address: BigInt(ptr(bytes)) };
    },
    socket: (d, t, p) => s.socket(d, t, p),
    bind: (fd, a, l) => s.bind(fd, a, l),
    listen: (fd, b) => s.listen(fd, b),
    accept4: (fd, flags) => s.accept4(fd, null, null, flags),
    connect: (fd, a, l) => s.connect(fd, a, l),
    sendmsg: (fd, m, f) => Number(s.sendmsg(fd, m.bytes, f)),
    recvmsg: (fd, m, f) => Number(s.recvmsg(fd, m.bytes, f)),
    send: (fd, b, n, f) => Number(s.send(fd, b, n, f)),
    poll: (fds, n, t) => s.poll(fds, n, t),
    getsockopt: (fd, l, n, o, len) => s.getsockopt(fd, l, n, o, len),
    shutdown: (fd, how) => s.shutdown(fd, how),
    close: (fd) => s.close(fd),
    fcntl: (fd, c, a) => s.fcntl(fd, c, a),
    eventfd: (v, f) => s.eventfd(v, f),
    read: (fd, b, n) => Number(s.read(fd, b, n)),
    write: (fd, b, n) => Number(s.write(fd, b, n)),
    errno: () => peek.i32(errnoAt, 0),
  };
}

/** The table, or why it is out of reach (off 64-bit Linux). */
export function loadBunSyscalls(): { sys: Syscalls } | { sys: null; why: string } {
  if (process.platform !== "linux") return { sys: null, why: `file-descriptor passing is implemented for Linux only (platform ${process.platform})` };
  if (process.arch !== "x64" && process.arch !== "arm64") return { sys: null, why: `file-descriptor passing needs a 64-bit Linux (arch ${process.arch})` };
  try {
    return { sys: bunSyscalls() };
  } catch (e) {
    return { sys: null, why: `bun:ffi could not load libc: ${(e as Error).message}` };
  }
}
