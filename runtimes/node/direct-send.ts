// Frames written with send(2) on the socket's descriptor (through koffi), not through the
// socket's Writable stream. Same syscall, same bytes; what it skips is node's per-write
// machinery: a WriteWrap, stream state, an after-write tick. That machinery is cheap on its own
// (the raw echo runs as fast either way), but once any async hook is enabled (and
// AsyncLocalStorage enables one, as tsbinder's server does for getCallingIdentity, and as APM
// and tracing tools do) every write also runs init/before/after hooks: a raw echo with one
// empty init hook goes from 22 to 31 µs per round trip, and back to 23 µs with send(2)
// (bench/README.md, "Where the time goes").
//
// Order is kept by one rule: a frame is sent directly only while node's stream holds nothing
// (writableLength 0). A frame the kernel does not take whole goes, for its rest, to the
// stream, and every later frame follows it there until the stream has drained. Errors are left
// to the stream as well: a failed send(2) hands the frame to socket.write(), which meets the
// same error and reports it the way node always does ('error', 'close').
import type { Socket } from "node:net";
import { Errno, MSG_DONTWAIT, MSG_NOSIGNAL } from "../../native/linux.js";
import type { Syscalls } from "../../native/syscalls.js";
import { accelerated } from "./fd-runtime.js";
import { nodeNative } from "./native.js";
import { socketFd } from "./peercred.js";

const FLAGS = MSG_DONTWAIT | MSG_NOSIGNAL;

/** What the order rule reads of the socket's stream. */
export interface StreamState { readonly writableLength: number; readonly writable: boolean }

/** send(2) for a plain (not TLS) connected net.Socket: how many bytes of `bytes` the kernel
 *  took, or -1 if it took none or must not be asked (the stream holds bytes, or the socket is
 *  no longer writable). Null where send(2) is out of reach (no koffi, not Linux, no
 *  descriptor) or the accelerated tier is off (native.ts). The caller queues what was not
 *  taken on the stream. `sys`: another runtime's table (Deno's node:net sockets have
 *  descriptors too; runtimes/deno/unix-net.ts). */
export function directSender(socket: Socket, sys: Syscalls | null = accelerated() ? nodeNative.syscalls() : null): ((bytes: Uint8Array) => number) | null {
  return sendOnFd(socketFd(socket), socket, sys);
}

/** The same on descriptor `fd`, with `stream` the Writable whose queue the rule respects. */
export function sendOnFd(fd: number, stream: StreamState, sys: Syscalls | null): ((bytes: Uint8Array) => number) | null {
  if (!sys || fd < 0) return null;
  return (bytes) => {
    if (stream.writableLength !== 0 || !stream.writable) return -1;
    let n: number;
    do n = sys.send(fd, bytes, bytes.length, FLAGS); while (n < 0 && sys.errno() === Errno.EINTR);
    return n > 0 ? n : -1;
  };
}
