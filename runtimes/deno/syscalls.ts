// The Syscalls table (native/syscalls.ts) through Deno.dlopen. Loaded only when the process has
// the FFI permission (`--allow-ffi`): Deno.permissions is queried without prompting, and
// without it the adapter keeps Deno's own sockets (anonymous peers, no fds). Every call is
// synchronous: poll blocks only the reactor's worker thread, which loads its own table.
import type { NativeBuffer, Syscalls } from "../../native/syscalls.js";

const SYMBOLS = {
  socket: { parameters: ["i32", "i32", "i32"], result: "i32" },
  bind: { parameters: ["i32", "buffer", "u32"], result: "i32" },
  listen: { parameters: ["i32", "i32"], result: "i32" },
  accept4: { parameters: ["i32", "pointer", "pointer", "i32"], result: "i32" },
  connect: { parameters: ["i32", "buffer", "u32"], result: "i32" },
  sendmsg: { parameters: ["i32", "buffer", "i32"], result: "isize" },
  recvmsg: { parameters: ["i32", "buffer", "i32"], result: "isize" },
  send: { parameters: ["i32", "buffer", "usize", "i32"], result: "isize" },
  poll: { parameters: ["buffer", "u64", "i32"], result: "i32" },
  getsockopt: { parameters: ["i32", "i32", "i32", "buffer", "buffer"], result: "i32" },
  shutdown: { parameters: ["i32", "i32"], result: "i32" },
  close: { parameters: ["i32"], result: "i32" },
  // fcntl is variadic; on LP64 Linux an int third argument travels exactly like a named one
  fcntl: { parameters: ["i32", "i32", "i32"], result: "i32" },
  eventfd: { parameters: ["u32", "i32"], result: "i32" },
  read: { parameters: ["i32", "buffer", "usize"], result: "isize" },
  write: { parameters: ["i32", "buffer", "usize"], result: "isize" },
  __errno_location: { parameters: [], result: "pointer" },
} as const;

/** The table over libc, for the calling thread (errno is read at this thread's address). */
export function denoSyscalls(): Syscalls {
  const s = Deno.dlopen("libc.so.6", SYMBOLS).symbols;
  const where = s.__errno_location();
  if (!where) throw new Error("__errno_location returned null");
  const errnoView = new Deno.UnsafePointerView(where);
  // usize arguments go as bigints, as the type says: a number also works but takes Deno's slow
  // FFI path (measured: 450 ns against 250 ns per send(2), the BigInt included)
  return {
    alloc(size: number): NativeBuffer {
      // a JS buffer does not move while referenced
      const bytes = new Uint8Array(new ArrayBuffer(size));
      return { bytes, address: BigInt(Deno.UnsafePointer.value(Deno.UnsafePointer.of(bytes))) };
    },
    socket: (d, t, p) => s.socket(d, t, p),
    bind: (fd, a, l) => s.bind(fd, a as Uint8Array<ArrayBuffer>, l),
    listen: (fd, b) => s.listen(fd, b),
    accept4: (fd, flags) => s.accept4(fd, null, null, flags),
    connect: (fd, a, l) => s.connect(fd, a as Uint8Array<ArrayBuffer>, l),
    sendmsg: (fd, m, f) => Number(s.sendmsg(fd, m.bytes as Uint8Array<ArrayBuffer>, f)),
    recvmsg: (fd, m, f) => Number(s.recvmsg(fd, m.bytes as Uint8Array<ArrayBuffer>, f)),
    send: (fd, b, n, f) => Number(s.send(fd, b as Uint8Array<ArrayBuffer>, BigInt(n), f)),
    poll: (fds, n, t) => s.poll(fds as Uint8Array<ArrayBuffer>, BigInt(n), t),
    getsockopt: (fd, l, n, o, len) => s.getsockopt(fd, l, n, o as Uint8Array<ArrayBuffer>, len as Uint32Array<ArrayBuffer>),
    shutdown: (fd, how) => s.shutdown(fd, how),
    close: (fd) => s.close(fd),
    fcntl: (fd, c, a) => s.fcntl(fd, c, a),
    eventfd: (v, f) => s.eventfd(v, f),
    read: (fd, b, n) => Number(s.read(fd, b as Uint8Array<ArrayBuffer>, BigInt(n))),
    write: (fd, b, n) => Number(s.write(fd, b as Uint8Array<ArrayBuffer>, BigInt(n))),
    errno: () => errnoView.getInt32(),
  };
}

/** The table, or why it is out of reach (no FFI permission, not 64-bit Linux). */
export function loadDenoSyscalls(): { sys: Syscalls } | { sys: null; why: string } {
  if (Deno.build.os !== "linux") return { sys: null, why: `fd passing and peer credentials are implemented for Linux only (os ${Deno.build.os})` };
  if (Deno.build.arch !== "x86_64" && Deno.build.arch !== "aarch64") return { sys: null, why: `fd passing needs a 64-bit Linux (arch ${Deno.build.arch})` };
  try {
    if (Deno.permissions.querySync({ name: "ffi" }).state !== "granted") {
      return { sys: null, why: "no FFI permission (run with --allow-ffi for peer credentials and fd passing)" };
    }
    return { sys: denoSyscalls() };
  } catch (e) {
    return { sys: null, why: `could not load libc through FFI: ${(e as Error).message}` };
  }
}
