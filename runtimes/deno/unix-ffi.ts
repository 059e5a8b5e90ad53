// Unix-domain sockets owned through libc, for peer credentials (SO_PEERCRED) and
// file-descriptor passing (SCM_RIGHTS), which Deno.connect/Deno.listen cannot give (Deno
// exposes neither the option nor a connection's descriptor): the fd sockets of native/
// (fd-socket.ts, read by the reactor worker) over Deno.dlopen. Needs `--allow-ffi`; index.ts
// uses it for sessions that pass fds when the permission is granted (README.md).
import type { FdOps } from "../../src/parcel/file-descriptor.js";
import { FdUnixTransport } from "../../native/fd-socket.js";
import { fdsNotAllowed } from "../node/fd-runtime.js";
import { denoNative } from "./native.js";

export const unixFfiTransport: FdUnixTransport = new FdUnixTransport("deno-unix-ffi", denoNative.runtime, fdsNotAllowed);

/** The Deno platform's fd ops, with the FFI permission: close and dup through libc (Deno 2 has
 *  no Deno.close(fd)). */
export const denoFdOps: FdOps = Object.freeze({
  close: (fd: number) => { denoNative.syscalls()?.close(fd); },
  dup: denoNative.dup,
});
