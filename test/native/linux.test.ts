// native/linux.ts states each struct layout once; these checks make a wrong offset fail here
// rather than as a corrupted sendmsg: fields tile their struct without overlap and at their
// alignment, and the kernel, through the real Syscalls table, agrees with every layout it
// reads or writes (msghdr, iovec, cmsghdr, sockaddr_un, ucred, pollfd).
import { describe, expect, it } from "vitest";
import {
  AF_UNIX, CMSGHDR, F_DUPFD_CLOEXEC, IOVEC, MESSAGE, MSGHDR, MSG_CMSG_CLOEXEC, MSG_DONTWAIT, POLLFD, POLLIN, SCM_MAX_FD, SOCKADDR_UN,
  SOCK_CLOEXEC, SOCK_NONBLOCK, SOCK_STREAM, UCRED, cmsgAlign, type Layout,
} from "../../native/linux.js";
import { MAX_FDS_PER_MESSAGE } from "../../src/parcel/file-descriptor.js";
import { FdSendQueue, sendmsgBuffer } from "../../native/fd-send-queue.js";
import { controlTruncated, initMessageBuffer, prepareReceive, receivedFds } from "../../native/message.js";
import { peerCredentials } from "../../native/peercred.js";
import { unixSockaddr } from "../../native/fd-socket.js";
import { nodeNative } from "../../runtimes/node/native.js";

const layouts: Record<string, Layout> = { MSGHDR, IOVEC, CMSGHDR, SOCKADDR_UN, UCRED, POLLFD };

describe("native/linux.ts layouts", () => {
  for (const [name, l] of Object.entries(layouts)) {
    it(`${name}: fields in order, aligned, within ${l.size} bytes, the size a multiple of the alignment`, () => {
      const fields = Object.values(l.fields).sort((a, b) => a[0] - b[0]);
      let end = 0;
      for (const [offset, size] of fields) {
        expect(offset).toBeGreaterThanOrEqual(end);
        expect(offset % Math.min(size, l.align)).toBe(0);
        end = offset + size;
      }
      expect(end).toBeLessThanOrEqual(l.size);
      expect(l.size % l.align).toBe(0);
    });
  }

  it("the message buffer: msghdr, iovec and control area do not overlap, and the control area holds libbinder's limit", () => {
    expect(MESSAGE.HDR + MSGHDR.size).toBeLessThanOrEqual(MESSAGE.IOV);
    expect(MESSAGE.IOV + IOVEC.size).toBeLessThanOrEqual(MESSAGE.CTRL);
    expect(MESSAGE.CTRL + MESSAGE.CTRL_LEN).toBeLessThanOrEqual(MESSAGE.DATA);
    expect(SCM_MAX_FD).toBe(MAX_FDS_PER_MESSAGE);
    expect(MESSAGE.CTRL_LEN).toBe(cmsgAlign(CMSGHDR.size + 4 * MAX_FDS_PER_MESSAGE));
  });
});

const sys = nodeNative.syscalls();
describe.skipIf(process.platform !== "linux")("the kernel agrees (koffi's Syscalls)", () => {
  /** A connected pair of non-blocking Unix stream sockets over an abstract address. */
  function pair(): [number, number, number] {
    const s = sys!;
    const { addr, len } = unixSockaddr(`@tsbinder-linux-test-${process.pid}-${Math.random()}`);
    const type = SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC;
    const listener = s.socket(AF_UNIX, type, 0);
    expect(s.bind(listener, addr, len)).toBe(0);
    expect(s.listen(listener, 1)).toBe(0);
    const client = s.socket(AF_UNIX, type, 0);
    expect(s.connect(client, addr, len)).toBe(0);
    const server = s.accept4(listener, SOCK_NONBLOCK | SOCK_CLOEXEC);
    expect(server).toBeGreaterThanOrEqual(0);
    return [listener, client, server];
  }

  it("is loaded (koffi is installed here)", () => {
    expect(sys).not.toBeNull();
  });

  it("sockaddr_un and ucred: SO_PEERCRED names this process, 12 bytes", () => {
    const [l, c, s] = pair();
    try {
      expect(peerCredentials(sys, s)).toEqual({ kind: "unix", pid: process.pid, uid: process.getuid!(), gid: process.getgid!() });
    } finally { for (const fd of [l, c, s]) sys!.close(fd); }
  });

  it("msghdr, iovec, cmsghdr: bytes and descriptors sent by the send queue arrive as they were laid out; pollfd reports them", () => {
    const [l, c, s] = pair();
    try {
      const sent = [sys!.fcntl(0, F_DUPFD_CLOEXEC, 0), sys!.fcntl(0, F_DUPFD_CLOEXEC, 0)];
      const queue = new FdSendQueue(c, () => sendmsgBuffer(sys!, 4096), { close: (fd) => { sys!.close(fd); } });
      queue.push(new Uint8Array([1, 2, 3, 4, 5]), sent);
      expect(queue.flush()).toBe("done");
      // two pollfds: the layout's stride must put the second where poll reads it
      const pfd = new Uint8Array(2 * POLLFD.size);
      const pv = new DataView(pfd.buffer);
      pv.setInt32(0, c, true); pv.setInt16(POLLFD.fields.events[0], POLLIN, true);
      pv.setInt32(POLLFD.size, s, true); pv.setInt16(POLLFD.size + POLLFD.fields.events[0], POLLIN, true);
      expect(sys!.poll(pfd, 2, 1000)).toBe(1);
      expect(pv.getInt16(POLLFD.fields.revents[0], true)).toBe(0);
      expect(pv.getInt16(POLLFD.size + POLLFD.fields.revents[0], true) & POLLIN).toBe(POLLIN);

      const mem = sys!.alloc(MESSAGE.DATA + 64);
      const dv = initMessageBuffer(mem.bytes, mem.address);
      prepareReceive(dv, mem.address, 64);
      expect(sys!.recvmsg(s, mem, MSG_CMSG_CLOEXEC | MSG_DONTWAIT)).toBe(5);
      expect([...mem.bytes.subarray(MESSAGE.DATA, MESSAGE.DATA + 5)]).toEqual([1, 2, 3, 4, 5]);
      expect(controlTruncated(dv)).toBe(false);
      const got = receivedFds(dv)!;
      expect(got).toHaveLength(2);
      for (const fd of got) { expect(fd).toBeGreaterThan(2); sys!.close(fd); }
    } finally { for (const fd of [l, c, s]) sys!.close(fd); }
  });
});
