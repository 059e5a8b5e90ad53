// Which message received fds belong to, checked the way a libbinder peer reads them: a tsbinder
// server answers calls whose replies carry fds in every AIDL shape (returned
// ParcelFileDescriptor, arrays, out and inout arguments, @nullable, fields of a parcelable and
// of a union), its sendmsg(2) boundaries are captured below the real send queue, and a reader
// modelled on AOSP's RpcState/RpcTransportRaw (support/libbinder-reader.ts, not tsbinder's own
// reader) says which message each fd would be given to. Every REPLY must get exactly its own
// fds, the call target's DEC_STRONG before it none, and no fd may arrive with body bytes.
/* eslint-disable @typescript-eslint/no-explicit-any */
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { readSync } from "node:fs";
import { nodePlatform as platform } from "../../runtimes/node/index.js"; // fd close/dup
import { captureTransport, type Sendmsg } from "./support/capture-transport.js";
import { readAsLibbinder } from "./support/libbinder-reader.js";
import { FDS_PER_CALL, loadFdAidl, makeFdService } from "./support/fd-aidl.js";

const REPLY = 1, DEC_STRONG = 2;
let tsb: any;
let gen: Record<string, any>;
beforeAll(async () => ({ tsb, gen } = await loadFdAidl("fd-boundaries")));
const cleanup: (() => unknown)[] = [];
afterEach(async () => { for (const f of cleanup.splice(0).reverse()) await f(); });

function text(pfd: any): string {
  const buf = Buffer.alloc(64);
  const n = readSync(pfd.fd, buf, 0, 64, null);
  pfd.close();
  return buf.subarray(0, n).toString();
}

async function setup(maxSend: number) {
  const transport = captureTransport(maxSend);
  const server = new tsb.RpcServer({ fdModes: [tsb.FdMode.NONE, tsb.FdMode.UNIX], platform });
  server.setRoot(makeFdService(gen, tsb));
  await server.listen(transport, "fds");
  cleanup.push(() => server.shutdown());
  const session = await tsb.connectSession(transport, "fds", { fileDescriptors: true, platform });
  cleanup.push(() => session.shutdown());
  const proxy = gen.IFds.fromBinder(await session.getRoot());
  /** What the server sent (on every connection) while `call` ran. */
  const serverSends = async (call: () => Promise<unknown>): Promise<Sendmsg[][]> => {
    const marks = transport.ends.map((e) => e.server.sent.length);
    await call();
    return transport.ends.map((e, i) => e.server.sent.slice(marks[i] ?? 0));
  };
  return { proxy, serverSends };
}

const calls: [string, number, (p: any) => Promise<void>][] = [
  ["returned ParcelFileDescriptor", FDS_PER_CALL.make, async (p) => { expect(text(await p.make("made"))).toBe("made"); }],
  ["array of 3", 3, async (p) => { expect((await p.many(3)).map(text)).toEqual(["0", "1", "2"]); }],
  ["array of 253 (the most one message carries)", 253, async (p) => { expect((await p.many(253)).map(text).at(-1)).toBe("252"); }],
  ["@nullable, present", FDS_PER_CALL.maybe, async (p) => { expect(text(await p.maybe(true))).toBe("maybe"); }],
  ["@nullable, null", 0, async (p) => { expect(await p.maybe(false)).toBeNull(); }],
  ["fields of a parcelable", FDS_PER_CALL.pair, async (p) => { const r = await p.pair(); expect([text(r.a), text(r.b)]).toEqual(["a1", "b1"]); }],
  ["a union's field", FDS_PER_CALL.unionFd, async (p) => { expect(text((await p.unionFd()).value)).toBe("union"); }],
  ["out parcelable", FDS_PER_CALL.outFd, async (p) => {
    const h = tsb.holder(null);
    await p.outFd(h);
    expect([text(h.value.a), text(h.value.b)]).toEqual(["a2", "b2"]);
  }],
];

describe.runIf(process.platform === "linux")("fds in replies, read as libbinder reads them", () => {
  for (const maxSend of [Infinity, 7]) {
    const how = maxSend === Infinity ? "whole sendmsgs" : `sendmsgs of at most ${maxSend} bytes`;
    for (const [what, count, call] of calls) {
      it(`${what} (${how})`, async () => {
        const { proxy, serverSends } = await setup(maxSend);
        const perConnection = await serverSends(() => call(proxy));
        const messages = perConnection.flatMap(readAsLibbinder);
        const replies = messages.filter((m) => m.command === REPLY);
        expect(replies).toHaveLength(1);
        // the call target's reference comes back before the reply (libbinder flushExcessBinderRefs)
        expect(messages.map((m) => m.command)).toEqual([DEC_STRONG, REPLY]);
        expect(messages.map((m) => m.fds), "fds per message [DEC_STRONG, REPLY]").toEqual([0, count]);
        expect(messages.map((m) => m.droppedInBody), "fds that would arrive during a body read").toEqual([0, 0]);
      });
    }
  }
});
