// How a session learns whether its peer returns the references its calls give their targets
// (src/rpc/target-acks.ts): libbinder sends a DEC_STRONG for the target before each OK REPLY,
// rsbinder never does. Only a reply that can tell decides; concurrent calls to one object do
// not (libbinder may return them all at once, on another connection, after a REPLY).
import { describe, expect, it } from "vitest";
import { TargetAcks } from "../../src/rpc/engine/target-acks.js";
import { Node } from "../../src/rpc/engine/rpc-state.js";

const node = (id: number) => new Node(`n${id}` as never, { options: 1, id }, null);

describe("TargetAcks", () => {
  it("an OK reply to the only call in flight, with no DEC_STRONG before it: the peer keeps targets (rsbinder)", () => {
    const acks = new TargetAcks();
    const a = node(1), b = node(2);
    acks.sending(b, true); // a oneway to another object, counted too
    const t = acks.sending(a, false)!;
    const forget = acks.replied(t, true);
    expect(acks.state).toBe("kept");
    expect(acks.counting).toBe(false);
    expect(forget && [...forget.entries()].map(([n, k]) => [n.addr.id, k])).toEqual([[2, 1], [1, 1]]);
    expect(acks.sending(a, false)).toBeNull(); // nothing tracked any more
  });

  it("a DEC_STRONG for the target between call and reply: the peer returns them (libbinder)", () => {
    const acks = new TargetAcks();
    const a = node(1);
    const t = acks.sending(a, false)!;
    acks.returned(a);
    expect(acks.replied(t, true)).toBeNull();
    expect(acks.state).toBe("returned");
    expect(acks.counting).toBe(true);
    expect(acks.sending(a, false)).toBeNull(); // no per-call bookkeeping once known
  });

  it("replies that cannot tell decide nothing: failed calls, calls overlapping others to the same object", () => {
    const acks = new TargetAcks();
    const a = node(1);
    // libbinder returns targets only after OK replies
    expect(acks.replied(acks.sending(a, false)!, false)).toBeNull();
    // two calls to one object in flight at once
    const t1 = acks.sending(a, false)!, t2 = acks.sending(a, false)!;
    expect(acks.replied(t1, true)).toBeNull();
    expect(acks.replied(t2, true)).toBeNull();
    // a call sent while a oneway to the same object was not returned yet
    acks.sending(a, true);
    expect(acks.replied(acks.sending(a, false)!, true)).toBeNull();
    expect(acks.state).toBe("unknown");
    // a DEC_STRONG (libbinder returning the oneway's) makes the next lone call decisive
    acks.returned(a);
    const t3 = acks.sending(a, false)!;
    expect(acks.replied(t3, true)!.get(a)).toBe(6); // every reference counted so far
    expect(acks.state).toBe("kept");
  });

  it("a call counted but never sent is taken back", () => {
    const acks = new TargetAcks();
    const a = node(1);
    const t = acks.sending(a, false)!;
    acks.unsent(a, t);
    const t2 = acks.sending(a, false)!;
    expect(t2.sole).toBe(true);
    expect(acks.replied(t2, true)!.get(a)).toBe(1);
  });
});
