// Memory after a spike. Wasm linear memory never shrinks, so what matters is that the core's
// allocator reuses what was freed: 100 peers each start a big frame and leave, then 100 more
// do the same, and the second spike must not grow linear memory at all (its size is exact, so
// it is asserted; RSS is printed for the record, not asserted). A large scratch area is given
// back too. Runs in its own forked process (vitest's forks pool).
import { describe, expect, it } from "vitest";
import { Binder, Parcel, RpcServer, type IBinder } from "../../src/index.js";
import { transactCall, writeNoException } from "../../src/codegen.js";
import { connectSession, memoryPair, memoryTransport, type TransportConnection } from "../../src/transport.js";
import { core, scratch } from "../../src/core/core.js";
import { until } from "../rpc/helpers.js";
import { Command, encodeConnectionHeader, encodeConnectionInit, encodeTransaction, encodeWireHeader } from "../../src/wire/structs.js";

const D = "test.ISpike";
class Echo extends Binder {
  constructor() { super(D); }
  protected onTransact(_code: number, data: Parcel, reply: Parcel): boolean {
    data.enforceInterface(D);
    writeNoException(reply);
    reply.writeInt32(data.readInt32() + 1);
    return true;
  }
}

const MiB = 1024 * 1024;
const PEERS = 100;
// 1 MiB each keeps the suite light on a shared machine; TSBINDER_SPIKE_MIB=4 is the spike
const SENT = Number(process.env.TSBINDER_SPIKE_MIB ?? 1) * MiB;
const CLAIMED = 2 * SENT;

/** A peer that shakes hands (wire v1), then sends the TRANSACT header of a CLAIMED-byte body and
 *  SENT bytes of it, and stops there. */
async function partialFramePeer(server: RpcServer, i: number): Promise<TransportConnection> {
  // each peer a user of its own, so per-identity caps do not decide what this measures
  const [c, theirs] = memoryPair({ description: `spike-${i}`, peer: { kind: "unix", uid: 20_000 + i, gid: 20_000 + i, pid: 1_000 + i } });
  void server.accept(theirs);
  // the server's RpcNewSessionResponse (8 bytes) says the session is up
  let got = 0;
  const answered = new Promise<void>((resolve, reject) => c.start({
    data: (chunk) => { got += chunk.length; if (got >= 8) resolve(); },
    end: () => reject(new Error("the server closed a spike peer")),
  }));
  c.write(encodeConnectionHeader({ version: 1, options: 0, fdMode: 0, sessionId: null }));
  c.write(encodeConnectionInit());
  await answered;
  const t = encodeTransaction(1, { address: { options: 0, id: 0 }, code: 0, flags: 0, asyncNumber: 0n, parcelDataSize: CLAIMED - 40 });
  c.write(encodeWireHeader(Command.TRANSACT, CLAIMED));
  c.write(t);
  c.write(new Uint8Array(SENT - t.length).fill(0x5a));
  return c;
}

const rssMiB = () => Math.round(process.memoryUsage().rss / MiB);
const linearMiB = () => Math.round(core.memory.buffer.byteLength / MiB);

describe("memory after a spike", () => {
  // first, while linear memory is still small (a fresh process): the big block is the only one
  it("a large scratch area is given back once small requests follow", () => {
    scratch(32 * MiB);
    const size = core.memory.buffer.byteLength;
    // a small request frees the big block: a parcel of about its size then fits where it was
    // (the allocator reuses it) instead of growing linear memory
    scratch(16);
    const p = new Parcel({ capacity: 32 * MiB - 1024, owned: true });
    try {
      expect(core.memory.buffer.byteLength).toBe(size);
    } finally { p.dispose(); }
  });

  it(`${PEERS} peers x ${SENT / MiB} MiB partial frames, gone, then again: linear memory does not grow the second time`, async () => {
    // A peer the server stopped reading (the incoming-bytes budget was full) is not seen to
    // hang up until it is read again: the frame timeout is what ends it and frees its frame
    // (docs/limits.md). A short one here, so the second spike starts on a clean server.
    const server = new RpcServer({ allowAnonymous: true, frameTimeoutMs: 200 });
    const name = `spike-${Math.random()}`;
    await server.listen(memoryTransport, name);
    server.setRoot(new Echo());
    const good = await connectSession(memoryTransport, name);
    const root = (await good.getRoot()) as IBinder;
    // the memory transport delivers in write order, one microtask queue for all connections:
    // once a call written after the peers' bytes is answered, the server has taken them all
    const call = (v: number) => transactCall(root, D, 1, 0, (p) => p.writeInt32(v), (r) => r.readInt32());
    try {
      expect(await call(1)).toBe(2);
      const before = { rss: rssMiB(), linear: linearMiB() };
      const rounds: { peak: number; peakRss: number; after: number; afterRss: number }[] = [];
      for (let round = 0; round < 2; round++) {
        const peers = await Promise.all(Array.from({ length: PEERS }, (_, i) => partialFramePeer(server, i)));
        expect(await call(round)).toBe(round + 1);
        const peak = core.memory.buffer.byteLength, peakRss = rssMiB();
        for (const c of peers) c.close();
        expect(await call(10 + round)).toBe(11 + round);
        await until(() => server.sessionCount === 1);
        globalThis.gc?.();
        rounds.push({ peak, peakRss, after: core.memory.buffer.byteLength, afterRss: rssMiB() });
      }
      console.log(`spike: RSS before ${before.rss} MiB, peak ${rounds[0]!.peakRss} / ${rounds[1]!.peakRss} MiB, after ${rounds[0]!.afterRss} / ${rounds[1]!.afterRss} MiB; ` +
        `linear memory before ${before.linear} MiB, peak ${rounds[0]!.peak / MiB} / ${rounds[1]!.peak / MiB} MiB`);
      // the first spike held at least what the peers sent; the second reused it all
      expect(rounds[0]!.peak).toBeGreaterThanOrEqual(PEERS * SENT);
      expect(rounds[1]!.peak).toBe(rounds[0]!.peak);
      expect(rounds[1]!.after).toBe(rounds[0]!.after);
      // and memory freed by the spike serves ordinary work without growing
      const big = new Parcel({ capacity: 64 * MiB, owned: true });
      try {
        big.writeByteArray(new Uint8Array(32 * MiB));
        expect(core.memory.buffer.byteLength).toBe(rounds[0]!.peak);
      } finally { big.dispose(); }
    } finally {
      await good.shutdown();
      await server.shutdown();
    }
  });

});
