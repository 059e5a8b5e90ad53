// Unix-domain sockets that carry file descriptors (SCM_RIGHTS), for Node on Linux: the fd
// sockets of native/ (fd-socket.ts: sockets owned through libc, read by the reactor worker)
// over koffi (native.ts). Bun's adapter has the same transport over bun:ffi.
import { closeSync } from "node:fs";
import type { FdOps } from "../../src/parcel/file-descriptor.js";
import { FdUnixTransport } from "../../native/fd-socket.js";
import { fdsNotAllowed } from "./fd-runtime.js";
import { nodeNative } from "./native.js";

export const unixFdTransport: FdUnixTransport = new FdUnixTransport("node-unix-fds", nodeNative.runtime, fdsNotAllowed);

/** The Node platform's fd ops: received descriptors are handed out as duplicates
 *  (Parcel.readFileDescriptor) and the session sends duplicates (dup through libc, koffi
 *  loaded by the first one; close through node:fs). */
export const nodeFdOps: FdOps = Object.freeze({
  close: (fd: number) => { try { closeSync(fd); } catch { /* already closed */ } },
  dup: nodeNative.dup,
});
