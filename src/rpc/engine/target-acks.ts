// Does the peer return the reference a transaction carries to its target?
//
// On the versioned wire libbinder counts a TRANSACT to one of the peer's objects as sending
// that object (RpcState::transact -> onBinderLeaving: timesSent + 1), and the serving side
// returns it: processTransactInternal calls flushExcessBinderRefs, which writes a DEC_STRONG
// for the target just before the REPLY (after a oneway queue drains, for oneways). rsbinder's
// server sends no such DEC_STRONG: counting call targets against it leaves references nothing
// will ever return, so the object stays in the table and the session never ends.
//
// So a session learns it from the peer, once: the first reply that can tell decides. A reply
// tells when its call was the only unreturned reference to its target from sending to reply
// (no other call or oneway to it in flight, none sent meanwhile): a libbinder peer must then
// have written the DEC_STRONG before that REPLY, on the same connection. (With several calls
// to one object in flight libbinder may return them all in one DEC_STRONG on another
// connection, which can arrive after a REPLY, so such replies decide nothing.) A DEC_STRONG
// for the target between send and reply says "returned" (libbinder); its absence says "kept"
// (rsbinder): then the session stops counting call targets and forgets the ones it counted.
import type { Node } from "./rpc-state.js";

/** Carried by a two-way call's frame while the session does not know yet. */
export interface AckTicket {
  readonly node: Node;
  /** The target's send number of this call, and its DEC_STRONG count when it was sent. */
  readonly sendSeq: number;
  readonly decSeq: number;
  /** No unreturned call or oneway to the target was outstanding when it was sent. */
  readonly sole: boolean;
}

interface Track {
  /** Call-target references counted (sent) so far; what is forgotten if the peer keeps them. */
  counted: number;
  sendSeq: number;
  decSeq: number;
  callsInFlight: number;
  onewayUnreturned: boolean;
}

export type TargetAckMode = "unknown" | "returned" | "kept";

export class TargetAcks {
  private mode: TargetAckMode;
  private readonly tracks = new Map<Node, Track>();

  /** `known`: the dialect decides (r34 counts no call targets: "kept" from the start). */
  constructor(known: TargetAckMode = "unknown") { this.mode = known; }

  get state(): TargetAckMode { return this.mode; }

  /** Count a call target's reference? (Not once the peer is known to keep them.) */
  get counting(): boolean { return this.mode !== "kept"; }

  /** A transaction to `node` is being sent (its reference counted). A two-way call gets a
   *  ticket for its frame while the session does not know yet. */
  sending(node: Node, oneway: boolean): AckTicket | null {
    if (this.mode !== "unknown") return null;
    let t = this.tracks.get(node);
    if (!t) this.tracks.set(node, t = { counted: 0, sendSeq: 0, decSeq: 0, callsInFlight: 0, onewayUnreturned: false });
    const sole = t.callsInFlight === 0 && !t.onewayUnreturned;
    t.counted++;
    t.sendSeq++;
    if (oneway) { t.onewayUnreturned = true; return null; }
    t.callsInFlight++;
    return { node, sendSeq: t.sendSeq, decSeq: t.decSeq, sole };
  }

  /** A transaction sending() counted was not sent after all. */
  unsent(node: Node, ticket: AckTicket | null): void {
    const t = this.tracks.get(node);
    if (!t) return;
    t.counted--;
    if (ticket) t.callsInFlight--;
  }

  /** The peer returned references to `node` (a DEC_STRONG arrived). */
  returned(node: Node): void {
    const t = this.tracks.get(node);
    if (!t) return;
    t.decSeq++;
    t.onewayUnreturned = false;
  }

  /** The reply to a ticketed call arrived (`ok`: with status OK). Returns the references to
   *  forget, per node, when this reply showed that the peer keeps call targets (else null).
   *  Only an OK reply tells: libbinder returns a target's references only after a call that
   *  succeeded (the next one that does returns them all). */
  replied(ticket: AckTicket, ok: boolean): Map<Node, number> | null {
    const t = this.tracks.get(ticket.node);
    if (this.mode !== "unknown" || !t) return null;
    t.callsInFlight--;
    if (!ok) return null;
    if (t.decSeq !== ticket.decSeq) {
      this.decide("returned");
      return null;
    }
    if (!ticket.sole || t.sendSeq !== ticket.sendSeq) return null;
    const counted = new Map<Node, number>();
    for (const [node, track] of this.tracks) counted.set(node, track.counted);
    this.decide("kept");
    return counted;
  }

  private decide(mode: TargetAckMode): void {
    this.mode = mode;
    this.tracks.clear();
  }
}
