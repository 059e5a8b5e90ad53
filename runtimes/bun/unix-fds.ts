// Unix-domain sockets that carry file descriptors (SCM_RIGHTS), for Bun on Linux: the fd
// sockets of native/ (fd-socket.ts: sockets owned through libc, read by the reactor worker)
// over bun:ffi (native.ts).
import { closeSync } from "node:fs";
import type { FdOps } from "../../src/parcel/file-descriptor.js";
import { FdUnixTransport } from "../../native/fd-socket.js";
import { fdsNotAllowed } from "../node/fd-runtime.js";
import { bunNative } from "./native.js";

export const unixFdTransport: FdUnixTransport = new FdUnixTransport("bun-unix-fds", bunNative.runtime, fdsNotAllowed);

/** The Bun platform's fd ops (received descriptors are handed out as duplicates, and the
 *  session sends duplicates): dup through libc (it throws where bun:ffi has no libc), close
 *  through libc too where it loads (cheaper than fs.closeSync), else node:fs. */
export const bunFdOps: FdOps = Object.freeze({
  close: (fd: number) => {
    const sys = bunNative.syscalls();
    if (sys) sys.close(fd);
    else { try { closeSync(fd); } catch { /* already closed */ } }
  },
  dup: bunNative.dup,
});
