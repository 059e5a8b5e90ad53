// Oneway calls in the order their caller made them, per object, as libbinder's
// processTransactInternal runs them: asyncNumber says the order; one whose turn has come runs
// at once (or, while the one before still runs, waits in the socket), one that came early is
// parked, bounded by maxParkedOneways and the session's held bytes.
import { StatusCode } from "../../binder/status.js";
import type { CallContext } from "./call-context.js";
import type { Connection } from "./connection.js";
import { ProtocolError } from "./protocol-error.js";
import type { Node, OnewayIn } from "./rpc-state.js";
import type { ObjectTable } from "./object-table.js";
import type { SessionCore } from "./session-core.js";
import type { HeldCalls } from "./held-calls.js";

export class OnewayQueue {
  /** The most out-of-order oneways parked on one object at once. */
  peakParked = 0;

  constructor(
    private readonly core: SessionCore,
    private readonly objects: ObjectTable,
    private readonly held: HeldCalls,
    /** The peer broke the protocol: the session ends. */
    private readonly protocolError: (conn: Connection, e: unknown) => void,
  ) {}

  /** A oneway transaction from the peer: run now, wait its turn, or be refused. */
  take(conn: Connection, tx: OnewayIn): void {
    tx.parcel._objects = this.objects;
    let target: Node;
    try {
      if (tx.addr === null) throw new ProtocolError("oneway special transaction");
      target = this.objects.resolveTarget(tx.addr);
    } catch (e) {
      tx.parcel.dispose();
      throw e;
    }
    this.takeOneway(conn, target, tx);
  }

  /** Order oneways per object as libbinder's processTransactInternal does: the one whose
   *  asyncNumber is next runs at once; if the one before it is still running (handlers are
   *  async here), it waits in the socket: its connection reads nothing more until then. Only
   *  one that arrives ahead of its turn is parked, and only those count against
   *  maxParkedOneways and maxQueuedBytes. */
  private takeOneway(conn: Connection, target: Node, tx: OnewayIn): void {
    const n = tx.asyncNumber;
    if (n < target.asyncNumber) {
      tx.parcel.dispose();
      throw new ProtocolError(`oneway asyncNumber ${n} already used (expected ${target.asyncNumber})`);
    }
    if (n === target.asyncNumber) {
      if (target.onewayRunning) {
        target.stalled.push({ conn, tx });
        conn.stall();
        return;
      }
      // the chain never rejects: two-way calls wait on it (Connection.onewaysDone), and a
      // failure in its own bookkeeping (not a handler's: those are logged) leaves the queue
      // unusable
      conn.trackOneways(this.runOneways(conn, target, tx).catch((e: unknown) => this.protocolError(conn, e)));
      return;
    }
    const parked = target.parked;
    const max = this.core.limits.maxParkedOneways;
    if (parked.length >= max) {
      tx.parcel.dispose();
      throw new ProtocolError(`${parked.length + 1} oneway calls parked on one object (limit ${max})`);
    }
    let i = parked.length;
    while (i > 0 && parked[i - 1]!.tx.asyncNumber > n) i--;
    if (i > 0 && parked[i - 1]!.tx.asyncNumber === n) {
      tx.parcel.dispose();
      throw new ProtocolError(`oneway asyncNumber ${n} sent twice`);
    }
    parked.splice(i, 0, { conn, tx });
    if (parked.length > this.peakParked) this.peakParked = parked.length;
    this.held.hold(tx.parcel.dataSize);
  }

  /** Run `first` and then each parked oneway whose turn has come, one at a time (libbinder's
   *  tail call); then let the in-order ones waiting in a socket go. */
  private async runOneways(conn: Connection, node: Node, first: OnewayIn): Promise<void> {
    const core = this.core;
    node.onewayRunning = true;
    try {
      let tx = first, from = conn;
      for (;;) {
        node.asyncNumber++;
        await this.runOneway(from, node, tx);
        if (core.ended !== undefined) return;
        const next = node.parked[0];
        if (next === undefined || next.tx.asyncNumber !== node.asyncNumber) break;
        node.parked.shift();
        this.held.release(next.tx.parcel.dataSize);
        tx = next.tx;
        from = next.conn;
      }
    } finally {
      node.onewayRunning = false;
    }
    for (const w of node.stalled.splice(0)) {
      // the next in line (or a duplicate, refused): its connection reads on afterwards
      if (core.ended !== undefined) { w.tx.parcel.dispose(); continue; }
      try { this.takeOneway(w.conn, node, w.tx); } catch (e) { this.protocolError(w.conn, e); }
      w.conn.unstall();
    }
    if (core.ended !== undefined || node.onewayRunning) return;
    // libbinder returns the targets' references once the queue has drained
    this.objects.drained(node, conn);
  }

  /** One oneway call; what fails is logged (rate-limited), there is no one to tell. */
  private async runOneway(conn: Connection, node: Node, tx: OnewayIn): Promise<void> {
    const reply = this.objects.newOwnedParcel();
    const core = this.core;
    try {
      const ctx: CallContext = { session: core.owner, connection: conn, frame: null, peer: conn.transport.peer };
      const status = await core.contextStore.run(ctx, () => node.local!._dispatch(tx.code, tx.parcel, reply, tx.flags));
      if (status !== StatusCode.OK) core.log.warn("oneway-status", `session ${core.label}: oneway call ${tx.code} failed with ${status}`);
    } catch (e) {
      core.log.warn("oneway-threw", `session ${core.label}: oneway call ${tx.code} threw: ${(e as Error)?.message ?? e}`);
    } finally {
      reply.dispose();
      tx.parcel.dispose();
    }
  }
}
