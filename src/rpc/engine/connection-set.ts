// The connections of one session, and which one a call or a command goes out on. libbinder
// sends a top-level call on a free outgoing connection, a nested call on the connection the
// caller is blocked on (call-router.ts), and anything that needs no reply on whichever
// connection someone reads for us.
import { DeadObjectError } from "../../binder/errors.js";
import type { CallContext } from "./call-context.js";
import type { ContextStore } from "../../platform/context-store.js";
import type { Connection } from "./connection.js";

export class ConnectionSet {
  private readonly list: Connection[] = [];

  /** @param owner the session engine, as call contexts name it
   *  @param contextStore where the calls it serves are recorded */
  constructor(private readonly owner: object, private readonly contextStore: ContextStore<CallContext>) {}

  add(conn: Connection): void { this.list.push(conn); }

  get all(): readonly Connection[] { return this.list; }

  /** Connections we may start calls on (`outgoing`) or the peer calls us on. */
  count(outgoing: boolean): number {
    let n = 0;
    for (const c of this.list) if (c.outgoing === outgoing) n++;
    return n;
  }

  /** A call in flight or being served on any connection. */
  get busy(): boolean { return this.list.some((c) => c.busy); }

  /** The first outgoing connection with nothing on it, or null. */
  free(): Connection | null {
    for (const c of this.list) if (c.freeForCall) return c;
    return null;
  }

  /** The least busy connection with room for a pipelined call (`depth` in flight at most). */
  forPipelining(depth: number): Connection | null {
    let best: Connection | null = null;
    for (const c of this.list) {
      if (c.hasPipelineRoom(depth) && (!best || c.pipelinedCount < best.pipelinedCount)) best = c;
    }
    return best;
  }

  /** Is there an open connection we may start calls on (busy or not)? */
  get anyOutgoing(): boolean { return this.list.some((c) => c.outgoing && !c.closed); }

  /** An open connection whose peer waits for a reply from us (so it reads what we send). */
  peerWaiting(): Connection | null {
    for (const c of this.list) if (!c.closed && c.peerWaiting()) return c;
    return null;
  }

  /** A connection for a oneway call or a refcount command: written at once, no wait. */
  pickNow(): Connection {
    let fallback: Connection | null = null;
    for (const c of this.list) {
      if (c.closed) continue;
      if (c.outgoing && c.idle) return c;
      if (!fallback && (c.outgoing || c.peerWaiting())) fallback = c;
    }
    const ctx = this.contextStore.get();
    if (ctx && ctx.session === this.owner && !ctx.connection.closed) return ctx.connection;
    if (fallback) return fallback;
    // nobody is reading for us specifically, but the peer reads every connection it serves
    const any = this.list.find((c) => !c.closed);
    if (any) return any;
    throw new DeadObjectError();
  }

  /** A connection for a oneway call: pickNow()'s, or another whose queue is not full; null
   *  when every usable one is full (the call waits in the router's backlog). */
  forOneway(): Connection | null {
    const first = this.pickNow();
    if (!first.outgoingFull) return first;
    for (const c of this.list) if (!c.closed && !c.outgoingFull && (c.outgoing || c.peerWaiting())) return c;
    return null;
  }

  /** The session ended: every connection closes and fails what waits on it. */
  failAll(dead: Error): void {
    for (const c of this.list) c.fail(dead);
  }
}
