// A session that ends stops taking commands, even from a connection whose reads were held by a
// memory budget and are released by the end itself (another connection of the session gives
// its bytes back as it closes).
import { describe, expect, it } from "vitest";
import { Binder, Parcel } from "../../src/index.js";
import { RpcSession, engineOf } from "../../src/rpc/session.js";
import { ByteQueue } from "../../src/rpc/byte-queue.js";
import { ByteMeter, MemoryBudget } from "../../src/rpc/budget.js";
import { transactionFrame } from "../../src/wire/frames.js";
import { aosp, parcelMode } from "../../src/rpc/dialect.js";
import type { WireAddr } from "../../src/rpc/address.js";
import { inertTransport } from "./helpers.js";

const d = aosp(1, false);

class Counter extends Binder {
  calls = 0;
  constructor() { super("test.Counter"); }
  protected onTransact(): boolean { this.calls++; return true; }
}

function callFrame(addr: WireAddr): Uint8Array {
  const p = new Parcel();
  p._setMode(parcelMode(d));
  try { return transactionFrame(p, d.version, addr, 1, 0, 0); } finally { p.dispose(); }
}

describe("the end of a session", () => {
  it("a frame held back by a budget is not served when the session's end gives the budget room", () => {
    const frame = callFrame({ options: 0, id: 0 }); // only its size matters here
    const budget = new MemoryBudget(frame.length + 10);
    const session = new RpcSession({
      dialect: d, isServer: true, sessionId: new Uint8Array(32), maxIncomingThreads: 1,
      meter: (conn) => new ByteMeter([budget], 0, () => conn.holdReads(), () => conn.releaseReads()),
    });
    const engine = engineOf(session);
    const counter = new Counter();
    // the counter leaves in a parcel of this session, as a reply would carry it: its address is
    // what the peer calls (an RPC binder object: a non-null marker, then options and id)
    const out = engine.newParcel();
    let addr: WireAddr;
    try {
      out.writeStrongBinder(counter);
      const b = out.toBytes();
      const v = new DataView(b.buffer, b.byteOffset, b.length);
      addr = { options: v.getUint32(4, true), id: v.getUint32(8, true) };
    } finally { out.dispose(); }
    const call = callFrame(addr);
    const a = engine.addConnection(inertTransport(), new ByteQueue(), { outgoing: false });
    const b = engine.addConnection(inertTransport(), new ByteQueue(), { outgoing: false });
    // A holds the start of a frame: its header read, 14 bytes of body charged to the budget
    a.onData(call.subarray(0, 30));
    // B gets two whole calls: the first is served, the second would take the budget past its
    // limit, so B stops reading with it queued
    const two = new Uint8Array(call.length * 2);
    two.set(call);
    two.set(call, call.length);
    b.onData(two);
    expect(counter.calls).toBe(1);
    expect(b.readsHeld).toBe(true);
    session.shutdown();
    expect(counter.calls).toBe(1);
    expect(budget.used).toBe(0);
  });
});
