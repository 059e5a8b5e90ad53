// Backpressure end to end (issue 17, failure 1), over Node Unix sockets: a peer that does not
// read its replies makes the server stop reading that peer's calls once the connection holds
// limits.maxOutgoingQueueBytes unsent (the peer sees a full socket), not buffer without bound;
// other sessions are served meanwhile, and once the peer reads again every reply arrives, in
// order. And a client that outruns a slow-reading server waits instead of growing its queue.
import { afterEach, describe, expect, it } from "vitest";
import { RpcServer, FLAG_ONEWAY, type IBinder } from "../../src/index.js";
import { connectSession } from "../../src/transport.js";
import { unixTransport } from "../../runtimes/node/index.js";
import { DEFAULT_OUTGOING_HIGH_WATER } from "../../src/rpc/engine/connection.js";
import { socketPath } from "../rpc/helpers.js";
import * as structs from "../../src/wire/structs.js";
import { RawPeer } from "../../bench/lib/raw-peer.mjs";
import { engineOf } from "../../src/rpc/session.js";
import {
  BULK, BulkCode, BulkService, askBytes, bulkRequest, watchedTransport,
} from "./flow-helpers.js";

const MiB = 1024 * 1024;
const MARK = DEFAULT_OUTGOING_HIGH_WATER;
/** A reply frame: the wire header, the reply struct, the parcel (tag, length, bytes). */
const FRAME_SLACK = 16 * 1024;

const cleanup: (() => unknown)[] = [];
afterEach(async () => { for (const f of cleanup.splice(0).reverse()) await f(); });

async function serve() {
  const path = socketPath();
  const transport = watchedTransport(unixTransport);
  // replies of 1 MiB to raw peers, which cannot say they take more than libbinder's 100,000
  const server = new RpcServer({ limits: { maxSentFrameBody: 16 * MiB } });
  const service = new BulkService();
  server.setRoot(service);
  await server.listen(transport, path);
  cleanup.push(() => server.shutdown());
  const good = await connectSession(unixTransport, path);
  cleanup.push(() => good.shutdown());
  const goodRoot = (await good.getRoot())!;
  // the well-behaved client's connection is the first accepted
  await transport.acceptedCount.reach(1);
  return { path, transport, service, goodRoot };
}

describe("a peer that does not read its replies", () => {
  for (const mode of ["1 MiB replies to small calls", "1 MiB echoes"] as const) {
    it(`${mode}: the server stops reading it, stays within the mark, serves others, and loses nothing`, async () => {
      const { path, transport, service, goodRoot } = await serve();
      const raw = await RawPeer.connect(path, structs);
      cleanup.push(() => raw.destroy());
      await raw.handshake();
      const root = await raw.root();
      await transport.acceptedCount.reach(2);
      const conn = transport.accepted[1]!;
      raw.s.pause(); // the peer stops reading

      // 64 calls in one write, each asking for 1 MiB back; the small calls carry 32 KiB of
      // ballast so that the client's write is more than the socket buffers can hold
      const N = 64;
      const frames: Buffer[] = [];
      for (let tag = 0; tag < N; tag++) {
        const data = mode === "1 MiB echoes"
          ? bulkRequest((p) => { p.writeInt32(tag); p.writeByteArray(new Uint8Array(MiB).fill(tag)); })
          : bulkRequest((p) => { p.writeInt32(MiB); p.writeInt32(tag); p.writeByteArray(new Uint8Array(32 * 1024)); });
        frames.push(raw.transactBytes(root, mode === "1 MiB echoes" ? BulkCode.ECHO : BulkCode.BYTES, data));
      }
      const callsBefore = service.calls.value;
      raw.write(Buffer.concat(frames));

      // the connection passes the mark and the server stops reading it
      await conn.pauses.reach(1);
      expect(conn.paused).toBe(true);
      const served = service.calls.value - callsBefore;
      expect(served).toBeLessThan(N);
      // memory: at most the mark plus the frame that crossed it
      expect(conn.maxBuffered).toBeLessThanOrEqual(MARK + MiB + FRAME_SLACK);
      // the client sees a full socket: its own stream keeps what the kernel would not take
      expect(raw.s.writableLength).toBeGreaterThan(0);

      // another session is served meanwhile
      const other = await askBytes(goodRoot, 1000, 7);
      expect(other).toEqual({ tag: 7, length: 1000, fill: 7 });
      // and the stalled connection still has not been read further (the one call more is
      // the other session's)
      expect(conn.paused).toBe(true);
      expect(service.calls.value - callsBefore).toBe(served + 1);

      // the client reads again: every reply, in order, whole
      raw.s.resume();
      for (let tag = 0; tag < N; tag++) {
        const r = (await raw.readReply()).subarray(20); // the parcel, after the reply struct
        expect(r.readInt32LE(0)).toBe(0); // no exception
        expect(r.readInt32LE(4)).toBe(tag);
        const len = r.readInt32LE(8);
        expect(len).toBe(MiB);
        expect(r[12]).toBe(tag & 0xff);
        expect(r[12 + len - 1]).toBe(tag & 0xff);
      }
      expect(service.calls.value - callsBefore).toBe(N + 1);
      expect(conn.maxBuffered).toBeLessThanOrEqual(MARK + MiB + FRAME_SLACK);
      expect(conn.resumes.value).toBeGreaterThanOrEqual(1);
    }, 60_000);
  }
});

describe("a client that outruns a slow-reading server", () => {
  it("waits (its promises pending) with its queue bounded; every call is answered, oneways in order", async () => {
    const { path, transport, service } = await serve();
    const client = watchedTransport(unixTransport);
    const session = await connectSession(client, path);
    cleanup.push(() => session.shutdown());
    const root = (await session.getRoot())!;
    await transport.acceptedCount.reach(2);
    const serverSide = transport.accepted[transport.accepted.length - 1]!;
    const clientSide = client.connected[0]!;

    // the server stops reading this client (as a server does whose replies back up)
    serverSide.tc.pauseReading();
    const N = 512;
    const ballast = new Uint8Array(64 * 1024);
    let settled = 0;
    const calls: Promise<unknown>[] = [];
    for (let tag = 0; tag < N; tag++) {
      const data = root.newParcel();
      data.writeInterfaceToken(BULK);
      data.writeInt32(tag);
      data.writeByteArray(ballast);
      calls.push(root.transact(BulkCode.RECORD, data, FLAG_ONEWAY).then((reply) => { settled++; reply.dispose(); }).finally(() => data.dispose()));
    }
    // a two-way call behind them waits too
    const answer = askBytes(root as IBinder, 10, 1);

    // the client's queue passed the mark: the rest of the oneways wait in the session
    await Promise.resolve();
    expect(settled).toBeLessThan(N);
    expect(clientSide.maxBuffered).toBeGreaterThan(MARK);
    expect(engineOf(session).core.connections.all.some((c) => c.outgoingFull)).toBe(true);
    expect(clientSide.maxBuffered).toBeLessThanOrEqual(MARK + 64 * 1024 + FRAME_SLACK);

    // the server reads again: everything arrives, in order, nothing lost, no error
    serverSide.tc.resumeReading();
    await Promise.all(calls);
    expect(await answer).toEqual({ tag: 1, length: 10, fill: 1 });
    await service.records.reach(N);
    expect(service.recorded).toEqual(Array.from({ length: N }, (_, i) => i));
    expect(clientSide.maxBuffered).toBeLessThanOrEqual(MARK + 64 * 1024 + FRAME_SLACK);
    expect(session.isAlive()).toBe(true);
  }, 60_000);
});
