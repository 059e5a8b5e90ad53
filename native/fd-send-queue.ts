// The sending half of a Unix socket that carries file descriptors (SCM_RIGHTS), written once
// over the Syscalls table (syscalls.ts). One message buffer in native memory and a sendmsg(2)
// over it (sendmsgBuffer) serve every socket of a thread; the queue
// decides what each sendmsg carries:
//   - a frame with fds goes alone in its first sendmsg, the fds attached, once everything
//     queued before it has gone (rpc-wire §1.8: libbinder takes fds only while it reads a
//     message's header, and the kernel hands them to the first recvmsg that reads a byte of
//     their sendmsg; so they must ride on a sendmsg that starts with their message's first
//     byte; connection.ts reads them the same way);
//   - frames without fds are gathered, up to the buffer's size, into one sendmsg;
//   - what the socket did not take stays queued (EAGAIN: the caller waits for POLLOUT).
import { closeRawFds, MAX_FDS_PER_MESSAGE, type FdCloser } from "../src/parcel/file-descriptor.js";
import { Errno, MESSAGE, MSG_DONTWAIT, MSG_NOSIGNAL } from "./linux.js";
import { initMessageBuffer, setDataLength, setSendControl } from "./message.js";
import type { Syscalls } from "./syscalls.js";

/** One message buffer in native memory and sendmsg(2) over it. */
export interface SendmsgBuffer {
  /** MESSAGE.DATA + dataSize bytes, at native address `base`. */
  readonly bytes: Uint8Array;
  readonly base: bigint;
  /** Payload room per sendmsg. */
  readonly dataSize: number;
  /** sendmsg(fd, msghdr at bytes, MSG_DONTWAIT | MSG_NOSIGNAL): bytes sent, or -errno. */
  send(fd: number): number;
}

/** A message buffer with `dataSize` bytes of payload room, sending through `sys`. */
export function sendmsgBuffer(sys: Syscalls, dataSize: number): SendmsgBuffer {
  const mem = sys.alloc(MESSAGE.DATA + dataSize);
  return {
    bytes: mem.bytes,
    base: mem.address,
    dataSize,
    send: (fd) => {
      const sent = sys.sendmsg(fd, mem, MSG_DONTWAIT | MSG_NOSIGNAL);
      return sent < 0 ? -(sys.errno() || Errno.EIO) : sent;
    },
  };
}

interface Pending { bytes: Uint8Array; off: number; fds: readonly number[] | undefined }

export class FdSendQueue {
  private readonly queue: Pending[] = [];
  private queuedBytes = 0;
  private dv: DataView | null = null;

  /** `buffer` is asked for on the first send (one per process is enough: sends are synchronous). */
  constructor(private readonly fd: number, private readonly buffer: () => SendmsgBuffer,
      private readonly closer: FdCloser) {}

  get length(): number { return this.queue.length; }

  /** Bytes queued and not yet taken by the socket. */
  get bufferedBytes(): number { return this.queuedBytes; }

  /** Queue a frame. `fds` now belong to the queue: closed once sent (the kernel holds its own
   *  references then) or when dropped. */
  push(bytes: Uint8Array, fds?: readonly number[]): void {
    if (fds && fds.length > MAX_FDS_PER_MESSAGE) {
      closeRawFds(this.closer, fds);
      throw new RangeError(`${fds.length} file descriptors in one message (at most ${MAX_FDS_PER_MESSAGE})`);
    }
    if (bytes.length === 0) { closeRawFds(this.closer, fds); return; }
    this.queue.push({ bytes, off: 0, fds: fds && fds.length ? fds : undefined });
    this.queuedBytes += bytes.length;
  }

  /** Send until the queue is empty ("done"), the socket is full ("blocked": wait for POLLOUT
   *  and flush again), or sendmsg fails (the errno; the connection is broken). */
  flush(): "done" | "blocked" | { errno: number } {
    if (!this.queue.length) return "done";
    const io = this.buffer();
    const dv = (this.dv ??= initMessageBuffer(io.bytes, io.base));
    const { bytes, dataSize } = io;
    while (this.queue.length) {
      const head = this.queue[0]!;
      const fds = head.fds;
      let len = 0;
      if (fds) {
        len = Math.min(head.bytes.length - head.off, dataSize);
        bytes.set(head.bytes.subarray(head.off, head.off + len), MESSAGE.DATA);
      } else {
        for (const e of this.queue) {
          if (e.fds) break;
          const n = Math.min(e.bytes.length - e.off, dataSize - len);
          bytes.set(e.bytes.subarray(e.off, e.off + n), MESSAGE.DATA + len);
          len += n;
          if (len === dataSize) break;
        }
      }
      setSendControl(dv, io.base, fds);
      setDataLength(dv, len);
      const sent = io.send(this.fd);
      if (sent < 0) {
        if (-sent === Errno.EINTR) continue;
        if (-sent === Errno.EAGAIN) return "blocked";
        return { errno: -sent };
      }
      if (fds) {
        // the kernel holds its own references now
        closeRawFds(this.closer, fds);
        head.fds = undefined;
      }
      let left = sent;
      this.queuedBytes -= sent;
      while (left > 0 && this.queue.length) {
        const e = this.queue[0]!;
        const n = Math.min(e.bytes.length - e.off, left);
        e.off += n;
        left -= n;
        if (e.off === e.bytes.length) this.queue.shift();
      }
    }
    return "done";
  }

  /** Forget what was not sent, closing its fds. */
  drop(): void {
    for (const p of this.queue) closeRawFds(this.closer, p.fds);
    this.queue.length = 0;
    this.queuedBytes = 0;
  }
}
