// RpcState: the object table of one session and binder's reference counting on the wire
// (libbinder RpcState rules, see docs/protocol.md):
//   timesSent  references the peer holds on an address we sent (each flatten, and each
//              transaction we send to one of the peer's objects, counts one);
//   timesRecd  references we hold on an address the peer sent us (each receipt counts one).
// A local object is kept alive while timesSent > 0. References to our own objects that come
// back to us are returned at once (one DEC_STRONG with the whole count); references to the
// peer's objects are returned when the proxy is released. A node with both counts at zero is
// erased; when the last node goes, the session has nothing left to talk about and ends.
import type { Binder } from "../../binder/binder.js";
import { BinderProxy, type ProxyHost } from "../../binder/proxy.js";
import type { DeathRecipient } from "../../binder/ibinder.js";
import { type AddressKey, type WireAddr, KNOWN_OPTIONS, keyOf, addrOfKey, isServerAllocated, r34Address } from "../address.js";
import { AddressOption } from "../../wire/structs.js";
import { ProtocolError } from "./protocol-error.js";
import type { IncomingTransact } from "./frame-reader.js";
import { DeadObjectError } from "../../binder/errors.js";
import type { Connection } from "./connection.js";

/** An incoming oneway transaction. */
export type OnewayIn = IncomingTransact;
/** A oneway waiting for its turn, with the connection it came on (its context when it runs). */
export interface WaitingOneway { conn: Connection; tx: OnewayIn }

export class Node {
  timesSent = 0;
  timesRecd = 0;
  /** Outgoing: next asyncNumber to stamp on a oneway to this (remote) object.
   *  Incoming: the asyncNumber the next oneway to this (local) object must carry. */
  asyncNumber = 0;
  /** Oneways that arrived ahead of their turn (out of order), by asyncNumber (local objects). */
  parked: WaitingOneway[] = [];
  /** The next in line that arrived while the one before it still ran: each holds its
   *  connection's reads (the rest waits in the socket) until that one is done. */
  stalled: WaitingOneway[] = [];
  onewayRunning = false;
  proxy: WeakRef<BinderProxy> | null = null;
  recipients: DeathRecipient[] = [];
  constructor(readonly key: AddressKey, readonly addr: WireAddr, readonly local: Binder | null) {}
}

export class RpcState {
  readonly nodes = new Map<AddressKey, Node>();
  private readonly localNodes = new Map<Binder, Node>();
  private nextId: number;
  private terminated = false;

  /** @param isServer this side of the session belongs to an RpcServer (sets FOR_SERVER /
   *  the r34 role tag on the addresses it allocates). */
  constructor(private readonly host: ProxyHost, readonly isServer: boolean, readonly r34: boolean,
    private readonly onEmpty: () => void) {
    // libbinder numbers from 0; rsbinder's r34 counter starts at 1
    this.nextId = r34 ? 1 : 0;
  }

  get size(): number { return this.nodes.size; }

  /** A local object leaves in a parcel or as a call target: returns its address. */
  localLeaving(binder: Binder): WireAddr {
    this.checkLive();
    let node = this.localNodes.get(binder);
    if (!node) {
      if (this.nodes.size > 100_000) throw new ProtocolError("more than 100000 binders in one session");
      let addr: WireAddr;
      for (;;) {
        const id = this.nextId;
        this.nextId = this.nextId >= 0xffffffff ? 0 : this.nextId + 1;
        addr = this.r34
          ? { options: 0, id: 0, r34: r34Address(id, this.isServer) }
          : { options: AddressOption.CREATED | (this.isServer ? AddressOption.FOR_SERVER : 0), id };
        if (!this.nodes.has(keyOf(addr))) break;
      }
      node = new Node(keyOf(addr), addr, binder);
      this.nodes.set(node.key, node);
      this.localNodes.set(binder, node);
    }
    node.timesSent++;
    return node.addr;
  }

  /** One of the peer's objects leaves (sent back in a parcel, or as a call target). */
  proxyLeaving(key: AddressKey): WireAddr {
    this.checkLive();
    const node = this.nodes.get(key);
    if (!node || node.local) throw new ProtocolError(`unknown proxy ${String(key)}`);
    node.timesSent++;
    return node.addr;
  }

  /** An address arrived in a parcel (or as the target of a transaction). Returns the node;
   *  a proxy node gets a proxy object. Throws for addresses the peer may not use. */
  entering(addr: WireAddr): Node {
    this.checkLive();
    if (!addr.r34 && (addr.options & ~KNOWN_OPTIONS) !== 0) {
      throw new ProtocolError(`address with unknown option bits ${addr.options}`);
    }
    const key = keyOf(addr);
    let node = this.nodes.get(key);
    if (node) {
      node.timesRecd++;
      return node;
    }
    // an address we do not know must have been allocated by the other side
    if (isServerAllocated(addr) === this.isServer) {
      throw new ProtocolError(`peer used address ${String(key)} that this side should have created`);
    }
    node = new Node(key, addr, null);
    node.timesRecd = 1;
    this.nodes.set(key, node);
    return node;
  }

  /** The node for an address, without counting a reference (undefined if unknown). */
  lookup(addr: WireAddr): Node | undefined {
    this.checkLive();
    return this.nodes.get(keyOf(addr));
  }

  /** The proxy object for a remote node (a new one if the old was released or collected). */
  proxyFor(node: Node): BinderProxy {
    let p = node.proxy?.deref();
    if (!p || p._released) {
      p = new BinderProxy(this.host, node.key);
      node.proxy = new WeakRef(p);
    }
    return p;
  }

  /** References to our own object came back: how many to return now (and zero the count). */
  takeExcessRefs(node: Node): number {
    if (!node.local || node.timesRecd === 0) return 0;
    const n = node.timesRecd;
    node.timesRecd = 0;
    return n;
  }

  /** The proxy for `key` was released: returns the references to give back (0 = nothing). */
  releaseProxy(key: AddressKey, proxy: BinderProxy | null): { addr: WireAddr; amount: number } | null {
    const node = this.nodes.get(key);
    if (!node || node.local) return null;
    // a collected proxy object may have been replaced by a newer live one: keep the refs
    const live = node.proxy?.deref();
    if (proxy === null && live && !live._released) return null;
    if (proxy !== null && live !== proxy) return null;
    node.proxy = null;
    const amount = node.timesRecd;
    node.timesRecd = 0;
    this.tryErase(node);
    return amount > 0 ? { addr: node.addr, amount } : null;
  }

  /** The peer returned `amount` references to `addr`. Returns a reason string when the
   *  command was out of order (libbinder logs these and carries on). */
  decStrong(addr: WireAddr, amount: number): string | null {
    const node = this.nodes.get(keyOf(addr));
    if (!node) return `DEC_STRONG for unknown address ${String(keyOf(addr))}`;
    if (node.timesSent < amount) return `DEC_STRONG of ${amount} but only ${node.timesSent} references were sent`;
    node.timesSent -= amount;
    this.tryErase(node);
    return null;
  }

  /** References counted as sent that the peer will never return (a call that was not sent
   *  after all; call targets of a peer that keeps them, target-acks.ts). */
  forgetSent(node: Node, amount: number): void {
    if (this.terminated || this.nodes.get(node.key) !== node) return;
    node.timesSent -= Math.min(amount, node.timesSent);
    this.tryErase(node);
  }

  private tryErase(node: Node): void {
    if (node.timesSent !== 0 || node.timesRecd !== 0) return;
    if (!node.local && node.proxy?.deref() && !node.proxy.deref()!._released) return;
    if (node.parked.length > 0 || node.stalled.length > 0 || node.onewayRunning) return;
    this.nodes.delete(node.key);
    if (node.local) this.localNodes.delete(node.local);
    if (this.nodes.size === 0) this.onEmpty();
  }

  /** Re-check a node after its queued oneways drained. */
  settle(node: Node): void { this.tryErase(node); }

  /** Session ended: collect the recipients to notify, then forget everything. */
  terminate(): { proxy: BinderProxy | null; recipients: DeathRecipient[] }[] {
    if (this.terminated) return [];
    this.terminated = true;
    const out: { proxy: BinderProxy | null; recipients: DeathRecipient[] }[] = [];
    for (const node of this.nodes.values()) {
      for (const p of node.parked) p.tx.parcel.dispose();
      node.parked = [];
      for (const w of node.stalled) w.tx.parcel.dispose();
      node.stalled = [];
      if (!node.local && node.recipients.length > 0) {
        out.push({ proxy: node.proxy?.deref() ?? null, recipients: node.recipients });
        node.recipients = [];
      }
    }
    this.nodes.clear();
    this.localNodes.clear();
    return out;
  }

  get isTerminated(): boolean { return this.terminated; }

  private checkLive(): void {
    if (this.terminated) throw new DeadObjectError("the session has ended");
  }

  static addrOf(key: AddressKey): WireAddr { return addrOfKey(key); }
}
