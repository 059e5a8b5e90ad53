// The sending half of a Unix socket that carries file descriptors (SCM_RIGHTS), written once
// for the three runtimes' libc bindings (Node: koffi, Bun: bun:ffi, Deno: Deno.dlopen). An
// adapter supplies one message buffer in native memory and a sendmsg(2) over it; the queue
// decides what each sendmsg carries:
//   - a frame with fds goes alone in its first sendmsg, the fds attached, once everything
//     queued before it has gone (rpc-wire §1.8: libbinder takes fds only while it reads a
//     message's header, and the kernel hands them to the first recvmsg that reads a byte of
//     their sendmsg; so they must ride on a sendmsg that starts with their message's first
//     byte; connection.ts reads them the same way);
//   - frames without fds are gathered, up to the buffer's size, into one sendmsg;
//   - what the socket did not take stays queued (EAGAIN: the caller waits for POLLOUT).
// Linux only (fd passing is), so the errno values and the struct layouts are Linux x86-64/arm64.
import { closeRawFds, MAX_FDS_PER_MESSAGE, type FdCloser } from "../parcel/file-descriptor.js";

/** Layout of the message buffer: struct msghdr, one iovec, control area, data. */
export const MSG = {
  /** struct msghdr (56 bytes): name 0, namelen 8, iov 16, iovlen 24, control 32, controllen 40, flags 48. */
  HDR: 0,
  /** struct iovec: base, len. */
  IOV: 64,
  /** cmsghdr + fds (room for MAX_FDS_PER_MESSAGE). */
  CTRL: 128,
  CTRL_LEN: (16 + MAX_FDS_PER_MESSAGE * 4 + 7) & ~7,
  /** Message bytes. */
  DATA: 2048,
} as const;

export const LINUX = { EINTR: 4, EIO: 5, EAGAIN: 11, SOL_SOCKET: 1, SCM_RIGHTS: 1 } as const;

/** What SendmsgBuffer.send returns for sendmsg's result `sent` (-1 with errno: -errno). */
export function sendmsgResult(sent: number, errno: () => number): number {
  return sent < 0 ? -(errno() || LINUX.EIO) : sent;
}

/** One message buffer in native memory and sendmsg(2) over it. */
export interface SendmsgBuffer {
  /** MSG.DATA + dataSize bytes, at native address `base`. */
  readonly bytes: Uint8Array;
  readonly base: bigint;
  /** Payload room per sendmsg. */
  readonly dataSize: number;
  /** sendmsg(fd, msghdr at bytes, MSG_DONTWAIT | MSG_NOSIGNAL): bytes sent, or -errno. */
  send(fd: number): number;
}

/** A message buffer of `dataSize` payload bytes over `bytes` (at native address `base`), with
 *  the fixed msghdr fields set: no name, one iovec pointing at the data area. */
export function initMessageBuffer(bytes: Uint8Array, base: bigint): DataView {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  dv.setBigUint64(MSG.HDR, 0n, true); // msg_name
  dv.setUint32(MSG.HDR + 8, 0, true); // msg_namelen
  dv.setBigUint64(MSG.HDR + 16, base + BigInt(MSG.IOV), true); // msg_iov
  dv.setBigUint64(MSG.HDR + 24, 1n, true); // msg_iovlen
  dv.setInt32(MSG.HDR + 48, 0, true); // msg_flags
  dv.setBigUint64(MSG.IOV, base + BigInt(MSG.DATA), true); // iov_base
  return dv;
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
        bytes.set(head.bytes.subarray(head.off, head.off + len), MSG.DATA);
        const clen = 16 + fds.length * 4;
        dv.setBigUint64(MSG.CTRL, BigInt(clen), true); // cmsg_len
        dv.setInt32(MSG.CTRL + 8, LINUX.SOL_SOCKET, true);
        dv.setInt32(MSG.CTRL + 12, LINUX.SCM_RIGHTS, true);
        for (let i = 0; i < fds.length; i++) dv.setInt32(MSG.CTRL + 16 + i * 4, fds[i]!, true);
        dv.setBigUint64(MSG.HDR + 32, io.base + BigInt(MSG.CTRL), true);
        dv.setBigUint64(MSG.HDR + 40, BigInt((clen + 7) & ~7), true);
      } else {
        for (const e of this.queue) {
          if (e.fds) break;
          const n = Math.min(e.bytes.length - e.off, dataSize - len);
          bytes.set(e.bytes.subarray(e.off, e.off + n), MSG.DATA + len);
          len += n;
          if (len === dataSize) break;
        }
        dv.setBigUint64(MSG.HDR + 32, 0n, true);
        dv.setBigUint64(MSG.HDR + 40, 0n, true);
      }
      dv.setInt32(MSG.HDR + 48, 0, true);
      dv.setBigUint64(MSG.IOV + 8, BigInt(len), true);
      const sent = io.send(this.fd);
      if (sent < 0) {
        if (-sent === LINUX.EINTR) continue;
        if (-sent === LINUX.EAGAIN) return "blocked";
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
