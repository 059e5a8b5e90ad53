// Which message a libbinder reader gives received fds to, modelled from AOSP, not from
// tsbinder's reader (src/rpc/connection.ts):
//   - RpcState::getAndExecuteCommand and waitForReply read each message's 16-byte
//     RpcWireHeader with interruptableReadFully(..., &ancillaryFds): every recvmsg(2) of that
//     read has a control buffer, and the fds of all of them are collected for this message
//     (RpcTransportRaw.cpp); the body is read after, with no control buffer (ancillaryFds
//     nullptr), so fds that arrive during a body read are discarded by the kernel (MSG_CTRUNC);
//   - a DEC_STRONG's fds are dropped (processDecStrong ignores them);
//   - the kernel attaches a sendmsg's fds to its first skb and gives them to the first recvmsg
//     that reads any byte of it (unix_stream_read_generic: unix_detach_fds on first touch).
// So a sendmsg's fds belong to the message whose header contains the sendmsg's first byte.
import type { Sendmsg } from "./capture-transport.js";

export interface ReadMessage { command: number; bodySize: number; fds: number; droppedInBody: number }

/** The messages of a versioned-wire byte stream cut into `sends`, with the fds libbinder's
 *  reader would give each. */
export function readAsLibbinder(sends: readonly Sendmsg[]): ReadMessage[] {
  const total = sends.reduce((n, s) => n + s.bytes.length, 0);
  const stream = new Uint8Array(total);
  const starts: { at: number; fds: number }[] = [];
  let at = 0;
  for (const s of sends) {
    stream.set(s.bytes, at);
    if (s.fds) starts.push({ at, fds: s.fds });
    at += s.bytes.length;
  }
  const fdsStartingIn = (from: number, to: number) => starts.filter((s) => s.at >= from && s.at < to).reduce((n, s) => n + s.fds, 0);
  const dv = new DataView(stream.buffer);
  const out: ReadMessage[] = [];
  for (let pos = 0; pos + 16 <= total;) {
    const command = dv.getUint32(pos, true);
    const bodySize = dv.getUint32(pos + 4, true);
    out.push({ command, bodySize, fds: fdsStartingIn(pos, pos + 16), droppedInBody: fdsStartingIn(pos + 16, pos + 16 + bodySize) });
    pos += 16 + bodySize;
  }
  return out;
}
