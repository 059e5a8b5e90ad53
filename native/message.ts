// Filling and reading the message buffer of sendmsg/recvmsg (layout: linux.ts MESSAGE): the
// msghdr's fixed fields, the SCM_RIGHTS control message of a send, and the descriptors a
// receive brought. The send queue (fd-send-queue.ts), the reactor (reactor.ts) and Deno's
// per-connection reader all go through these, so a msghdr is written in this file only.
import { CMSGHDR, IOVEC, MESSAGE, MSGHDR, MSG_CTRUNC, SCM_RIGHTS, SOL_SOCKET, cmsgAlign } from "./linux.js";

const H = MSGHDR.fields;
const C = CMSGHDR.fields;

/** Set the fixed msghdr fields of a message buffer at native address `base`: no name, one
 *  iovec pointing at the data area. Returns a view for the per-call fields. */
export function initMessageBuffer(bytes: Uint8Array, base: bigint): DataView {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  dv.setBigUint64(MESSAGE.HDR + H.name[0], 0n, true);
  dv.setUint32(MESSAGE.HDR + H.namelen[0], 0, true);
  dv.setBigUint64(MESSAGE.HDR + H.iov[0], base + BigInt(MESSAGE.IOV), true);
  dv.setBigUint64(MESSAGE.HDR + H.iovlen[0], 1n, true);
  dv.setInt32(MESSAGE.HDR + H.flags[0], 0, true);
  dv.setBigUint64(MESSAGE.IOV + IOVEC.fields.base[0], base + BigInt(MESSAGE.DATA), true);
  return dv;
}

/** The data length of the next call (the iovec's length). */
export function setDataLength(dv: DataView, len: number): void {
  dv.setBigUint64(MESSAGE.IOV + IOVEC.fields.len[0], BigInt(len), true);
}

/** Attach `fds` as one SCM_RIGHTS control message, or none (`fds` undefined). */
export function setSendControl(dv: DataView, base: bigint, fds: readonly number[] | undefined): void {
  dv.setInt32(MESSAGE.HDR + H.flags[0], 0, true);
  if (!fds) {
    dv.setBigUint64(MESSAGE.HDR + H.control[0], 0n, true);
    dv.setBigUint64(MESSAGE.HDR + H.controllen[0], 0n, true);
    return;
  }
  const clen = CMSGHDR.size + fds.length * 4;
  dv.setBigUint64(MESSAGE.CTRL + C.len[0], BigInt(clen), true);
  dv.setInt32(MESSAGE.CTRL + C.level[0], SOL_SOCKET, true);
  dv.setInt32(MESSAGE.CTRL + C.type[0], SCM_RIGHTS, true);
  for (let i = 0; i < fds.length; i++) dv.setInt32(MESSAGE.CTRL + CMSGHDR.size + i * 4, fds[i]!, true);
  dv.setBigUint64(MESSAGE.HDR + H.control[0], base + BigInt(MESSAGE.CTRL), true);
  dv.setBigUint64(MESSAGE.HDR + H.controllen[0], BigInt(cmsgAlign(clen)), true);
}

/** Make room for a receive of up to `dataLen` bytes and SCM_MAX_FD descriptors. */
export function prepareReceive(dv: DataView, base: bigint, dataLen: number): void {
  dv.setBigUint64(MESSAGE.HDR + H.control[0], base + BigInt(MESSAGE.CTRL), true);
  dv.setBigUint64(MESSAGE.HDR + H.controllen[0], BigInt(MESSAGE.CTRL_LEN), true);
  dv.setInt32(MESSAGE.HDR + H.flags[0], 0, true);
  setDataLength(dv, dataLen);
}

/** The descriptors a receive brought (SCM_RIGHTS messages, in order), or undefined. */
export function receivedFds(dv: DataView): number[] | undefined {
  let fds: number[] | undefined;
  const clen = Number(dv.getBigUint64(MESSAGE.HDR + H.controllen[0], true));
  for (let off = MESSAGE.CTRL; off + CMSGHDR.size <= MESSAGE.CTRL + clen;) {
    const len = Number(dv.getBigUint64(off + C.len[0], true));
    if (len < CMSGHDR.size) break;
    if (dv.getInt32(off + C.level[0], true) === SOL_SOCKET && dv.getInt32(off + C.type[0], true) === SCM_RIGHTS) {
      fds ??= [];
      for (let p = off + CMSGHDR.size; p + 4 <= off + len; p += 4) fds.push(dv.getInt32(p, true));
    }
    off += cmsgAlign(len);
  }
  return fds;
}

/** Whether the kernel dropped descriptors that did not fit (MSG_CTRUNC). */
export function controlTruncated(dv: DataView): boolean {
  return (dv.getInt32(MESSAGE.HDR + H.flags[0], true) & MSG_CTRUNC) !== 0;
}
