// The binders of one session as they cross the wire: flattening our objects and the peer's
// proxies into parcels and back (the session's ObjectCodec), the references each side holds
// (rpc-state.ts) and returns (DEC_STRONG), call targets' references (target-acks.ts), and
// death recipients.
import { Parcel, type ParcelOptions } from "../../parcel/parcel.js";
import type { ObjectCodec, RawAddress } from "../../parcel/objects.js";
import { Binder } from "../../binder/binder.js";
import { BinderProxy, type ProxyHost } from "../../binder/proxy.js";
import { BinderError, DeadObjectError } from "../../binder/errors.js";
import { StatusCode } from "../../binder/status.js";
import type { DeathRecipient, IBinder } from "../../binder/ibinder.js";
import { onWire, type AddressKey, type WireAddr } from "../address.js";
import { parcelMode } from "../dialect.js";
import type { Connection } from "./connection.js";
import { decStrongFrame } from "../../wire/frames.js";
import { ProtocolError } from "./protocol-error.js";
import { RpcState, type Node } from "./rpc-state.js";
import { TargetAcks, type AckTicket } from "./target-acks.js";
import type { SessionCore } from "./session-core.js";

const STABILITY_SYSTEM = 0x0c;

export class ObjectTable implements ObjectCodec {
  readonly state: RpcState;
  /** Whether the peer returns call targets' references (target-acks.ts). */
  readonly targetAcks: TargetAcks;
  private readonly mode: number;
  /** How the session's parcels are made (once, not per parcel). */
  private readonly parcelOptions: ParcelOptions;
  private readonly ownedParcelOptions: ParcelOptions;

  /** @param host what the proxies made here call (the session engine)
   *  @param onEmpty the last object is gone (libbinder ends the session then) */
  constructor(private readonly core: SessionCore, private readonly host: ProxyHost, onEmpty: () => void) {
    this.state = new RpcState(host, core.isServer, core.dialect.r34, onEmpty);
    // r34: neither rsbinder nor tsbinder counts call targets (see resolveTarget)
    this.targetAcks = new TargetAcks(core.dialect.r34 ? "kept" : "unknown");
    this.mode = parcelMode(core.dialect);
    this.parcelOptions = { platform: core.platform };
    this.ownedParcelOptions = { platform: core.platform, owned: true };
  }

  /** A parcel for a call in this session (its dialect and this object table). */
  newParcel(): Parcel { return this.made(new Parcel(this.parcelOptions)); }

  /** Such a parcel that the session disposes on every path itself (replies, special
   *  requests): no garbage-collection safety net to register with (parcel.ts). */
  newOwnedParcel(): Parcel { return this.made(new Parcel(this.ownedParcelOptions)); }

  private made(p: Parcel): Parcel {
    p._setMode(this.mode);
    p._objects = this;
    return p;
  }

  /** Was `data` made for this session (or can it go out in it as it is)? */
  fits(data: Parcel): boolean {
    return data._objects === this || (!data._hasBinders && data._mode() === this.mode);
  }

  get size(): number { return this.state.size; }

  // ---- ObjectCodec ------------------------------------------------------------------------

  writeBinder(parcel: Parcel, binder: IBinder): void {
    let addr: WireAddr;
    if (binder instanceof BinderProxy) {
      if (binder._host !== this.host) throw new BinderError(StatusCode.INVALID_OPERATION, "cannot send a proxy that belongs to another session");
      addr = this.state.proxyLeaving(binder._key);
    } else if (binder instanceof Binder) {
      addr = this.state.localLeaving(binder);
    } else {
      throw new BinderError(StatusCode.INVALID_OPERATION, "only Binder objects and proxies of this session can be sent");
    }
    if (addr.r34) parcel._writeBinderR34(addr.r34);
    else parcel._writeBinderAddress(addr.options, addr.id, STABILITY_SYSTEM);
  }

  readBinder(_parcel: Parcel, raw: RawAddress): IBinder {
    const addr: WireAddr = raw.r34 ? { options: 0, id: 0, r34: raw.r34 } : { options: raw.options, id: raw.id };
    const node = this.state.entering(addr);
    if (node.local) {
      // our own object came back: return the extra references at once
      const n = this.state.takeExcessRefs(node);
      if (n > 0) this.sendRefcount(decStrongFrame(this.core.frameDialect, onWire(node.addr), n, this.core.platform.bytes));
      return node.local;
    }
    return this.state.proxyFor(node);
  }

  // ---- references -------------------------------------------------------------------------

  /** The node of one of the peer's objects a call goes to. */
  remote(key: AddressKey): Node {
    const node = this.state.nodes.get(key);
    if (!node || node.local) throw new DeadObjectError("proxy no longer belongs to this session");
    return node;
  }

  /** The local object an incoming call is addressed to. On the versioned wire a call target
   *  is a reference the caller sent us (libbinder onBinderEntering; returned before the
   *  reply). The r34 dialect counts it on neither side (rsbinder sends no target DEC_STRONG),
   *  so only look the node up: counting it would leave timesRecd that nothing returns and the
   *  node never erased. */
  resolveTarget(addr: WireAddr): Node {
    const node = this.core.dialect.r34 ? this.state.lookup(addr) : this.state.entering(addr);
    if (!node?.local) throw new ProtocolError(`transaction to an address that is not a local object`);
    return node;
  }

  /** References to `node` the peer sent beyond the one it keeps (none on r34). */
  takeExcess(node: Node): number {
    return this.core.dialect.r34 ? 0 : this.state.takeExcessRefs(node);
  }

  /** A local object's oneway queue drained: return the references its callers sent, and erase
   *  it if nothing holds it any more. */
  drained(node: Node, conn: Connection): void {
    if (node.parked.length === 0) {
      const n = this.takeExcess(node);
      if (n > 0) this.sendRefcount(decStrongFrame(this.core.frameDialect, onWire(node.addr), n, this.core.platform.bytes), conn);
    }
    this.state.settle(node);
  }

  /** A DEC_STRONG from the peer. */
  decStrong(addr: WireAddr, amount: number): void {
    if (this.targetAcks.state === "unknown") {
      const target = this.state.lookup(addr);
      if (target) this.targetAcks.returned(target);
    }
    const problem = this.state.decStrong(addr, amount);
    if (problem) {
      if (this.core.limits.strictRefcounts) throw new ProtocolError(problem);
      this.core.log.warn("refcount", `session ${this.core.label}: ${problem} (ignored, as libbinder does)`);
    }
  }

  /** The reply to a call whose ticket may tell whether the peer returns call targets. */
  learnTargetAcks(ticket: AckTicket, ok: boolean): void {
    const forget = this.targetAcks.replied(ticket, ok);
    if (!forget) return;
    this.core.logger.debug?.(`session ${this.core.label}: the peer does not return call targets' references (rsbinder): not counting them`);
    for (const [node, n] of forget) this.state.forgetSent(node, n);
  }

  /** Send a refcount command on `prefer`, else the connection of the call we are serving, else
   *  any that is read. */
  private sendRefcount(bytes: Uint8Array, prefer?: Connection): void {
    if (this.core.ended !== undefined) return;
    try {
      const ctx = this.core.contextStore.get();
      const conn = prefer && !prefer.closed ? prefer
        : ctx && ctx.session === this.core.owner && !ctx.connection.closed ? ctx.connection : this.core.connections.pickNow();
      conn.write(bytes);
    } catch { /* session ending: nothing to return to */ }
  }

  releaseProxy(key: AddressKey, proxy: BinderProxy | null): void {
    if (this.core.ended !== undefined) return;
    const give = this.state.releaseProxy(key, proxy);
    if (!give) return;
    if (this.core.dialect.r34) {
      // r34 DEC_STRONG returns one reference per message
      for (let i = 0; i < give.amount; i++) this.sendRefcount(decStrongFrame(this.core.frameDialect, onWire(give.addr), 1, this.core.platform.bytes));
    } else {
      this.sendRefcount(decStrongFrame(this.core.frameDialect, onWire(give.addr), give.amount, this.core.platform.bytes));
    }
  }

  // ---- death ------------------------------------------------------------------------------

  linkToDeath(key: AddressKey, recipient: DeathRecipient): void {
    if (this.core.ended !== undefined) throw new DeadObjectError();
    const node = this.state.nodes.get(key);
    if (!node) throw new DeadObjectError("proxy no longer belongs to this session");
    node.recipients.push(recipient);
  }

  unlinkToDeath(key: AddressKey, recipient: DeathRecipient): boolean {
    const node = this.state.nodes.get(key);
    if (!node) return false;
    const i = node.recipients.indexOf(recipient);
    if (i < 0) return false;
    node.recipients.splice(i, 1);
    return true;
  }

  /** The session ended: tell every death recipient of the peer's objects. */
  notifyDeath(): void {
    for (const { proxy, recipients } of this.state.terminate()) {
      for (const r of recipients) {
        try { r(proxy ?? (deadProxy(this.host) as IBinder)); } catch (e) {
          this.core.logger.warn(`death recipient threw: ${(e as Error)?.message ?? e}`);
        }
      }
    }
  }
}

/** A stand-in passed to death recipients whose proxy object was already collected. */
function deadProxy(host: ProxyHost): BinderProxy {
  const p = new BinderProxy(host, -1);
  p.dispose();
  return p;
}
