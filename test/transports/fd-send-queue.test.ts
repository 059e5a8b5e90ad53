// The shared sending half of the fd-passing sockets (Node, Bun and Deno all use it), against a
// fake sendmsg that records what each call carried and takes as much as it is told to.
import { describe, expect, it } from "vitest";
import { FdSendQueue, type SendmsgBuffer } from "../../native/fd-send-queue.js";
import { MESSAGE as MSG, SCM_RIGHTS, SOL_SOCKET, Errno } from "../../native/linux.js";

const closed: number[] = [];
const closer = { close: (fd: number) => { closed.push(fd); } };

interface Sent { bytes: number[]; fds: number[] }

/** A message buffer whose sendmsg reads the msghdr back the way the kernel would. */
function fakeSendmsg(dataSize: number, takes: (len: number, call: number) => number) {
  const base = 0x10000n;
  const bytes = new Uint8Array(MSG.DATA + dataSize);
  const dv = new DataView(bytes.buffer);
  const sent: Sent[] = [];
  let calls = 0;
  const buffer: SendmsgBuffer = {
    bytes, base, dataSize,
    send: () => {
      const len = Number(dv.getBigUint64(MSG.IOV + 8, true));
      expect(dv.getBigUint64(MSG.IOV, true)).toBe(base + BigInt(MSG.DATA));
      const r = takes(len, calls++);
      if (r < 0) return r;
      const control = dv.getBigUint64(MSG.HDR + 32, true);
      const fds: number[] = [];
      if (control !== 0n) {
        expect(control).toBe(base + BigInt(MSG.CTRL));
        const clen = Number(dv.getBigUint64(MSG.CTRL, true));
        expect(dv.getInt32(MSG.CTRL + 8, true)).toBe(SOL_SOCKET);
        expect(dv.getInt32(MSG.CTRL + 12, true)).toBe(SCM_RIGHTS);
        for (let p = MSG.CTRL + 16; p < MSG.CTRL + clen; p += 4) fds.push(dv.getInt32(p, true));
      }
      sent.push({ bytes: Array.from(bytes.subarray(MSG.DATA, MSG.DATA + r)), fds });
      return r;
    },
  };
  return { buffer, sent };
}

const frame = (n: number, v: number) => new Uint8Array(n).fill(v);

describe("FdSendQueue", () => {
  it("gathers frames without fds into one sendmsg, and sends a frame with fds alone, fds on its first sendmsg", () => {
    const { buffer, sent } = fakeSendmsg(1024, (len) => len);
    const q = new FdSendQueue(3, () => buffer, closer);
    q.push(frame(4, 1));
    q.push(frame(4, 2));
    q.push(frame(6, 3), [900001, 900002]);
    q.push(frame(2, 4));
    expect(q.flush()).toBe("done");
    expect(sent).toEqual([
      { bytes: [1, 1, 1, 1, 2, 2, 2, 2], fds: [] },
      { bytes: [3, 3, 3, 3, 3, 3], fds: [900001, 900002] },
      { bytes: [4, 4], fds: [] },
    ]);
    expect(closed).toEqual(expect.arrayContaining([900001, 900002])); // the kernel has its own now
    expect(q.length).toBe(0);
  });

  it("short writes, EINTR and EAGAIN: every byte goes out once and in order; fds only with the frame's first bytes", () => {
    // takes 5 bytes, then EINTR, then EAGAIN, then everything
    const plan = [5, -Errno.EINTR, -Errno.EAGAIN];
    const { buffer, sent } = fakeSendmsg(8, (len, call) => (call < plan.length ? Math.min(plan[call]!, len) : len));
    const q = new FdSendQueue(3, () => buffer, closer);
    const a = Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    q.push(a, [900010]);
    expect(q.flush()).toBe("blocked");
    expect(q.bufferedBytes).toBe(7);
    expect(q.flush()).toBe("done");
    expect(sent.flatMap((s) => s.bytes)).toEqual(Array.from(a));
    expect(sent[0]!.fds).toEqual([900010]);
    expect(sent.slice(1).every((s) => s.fds.length === 0)).toBe(true);
    // the data area is 8 bytes: no sendmsg carried more
    expect(sent.every((s) => s.bytes.length <= 8)).toBe(true);
  });

  it("a failed sendmsg reports its errno; drop() closes the fds of frames never sent", () => {
    const { buffer } = fakeSendmsg(64, () => -32 /* EPIPE */);
    const q = new FdSendQueue(3, () => buffer, closer);
    q.push(frame(4, 1), [900020]);
    q.push(frame(4, 2), [900021]);
    expect(q.flush()).toEqual({ errno: 32 });
    q.drop();
    expect(closed).toEqual(expect.arrayContaining([900020, 900021]));
    expect(q.length).toBe(0);
  });

  it("refuses more fds than one message may carry (and closes them); ignores empty frames", () => {
    const { buffer, sent } = fakeSendmsg(64, (len) => len);
    const q = new FdSendQueue(3, () => buffer, closer);
    const many = Array.from({ length: 254 }, (_, i) => 910000 + i);
    expect(() => q.push(frame(4, 1), many)).toThrow(RangeError);
    expect(closed).toEqual(expect.arrayContaining(many));
    q.push(new Uint8Array(0), [900030]);
    expect(closed).toContain(900030);
    expect(q.flush()).toBe("done");
    expect(sent).toEqual([]);
  });
});
