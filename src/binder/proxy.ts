// BinderProxy: a remote object reached through an RPC session. One proxy object per address
// per session; the session counts the references the peer gave us and returns them when the
// proxy is released (dispose(), `using`, or garbage collection as a safety net).
import { Parcel } from "../parcel/parcel.js";
import { ParcelError, ParcelErrorCode } from "../parcel/errors.js";
import { DeadObjectError } from "./errors.js";
import { INTERFACE_TRANSACTION, PING_TRANSACTION, type DeathRecipient, type IBinder } from "./ibinder.js";

/** How a proxy's session names the remote object (its address key; opaque to the proxy). */
export type ProxyKey = number | string;

/** What a proxy needs from its session (implemented by rpc/engine/session-engine.ts). */
export interface ProxyHost {
  transactProxy(proxy: BinderProxy, code: number, data: Parcel, flags: number): Promise<Parcel>;
  /** A two-way call whose reply `read` reads as it arrives (IBinder.transactRead). */
  transactProxyRead<T>(proxy: BinderProxy, code: number, data: Parcel, flags: number, read: (reply: Parcel) => T): Promise<T>;
  releaseProxy(key: ProxyKey, proxy: BinderProxy | null): void;
  isAlive(): boolean;
  linkToDeath(key: ProxyKey, proxy: BinderProxy, recipient: DeathRecipient): void;
  unlinkToDeath(key: ProxyKey, recipient: DeathRecipient): boolean;
  newParcel(): Parcel;
}

const collected = new FinalizationRegistry<{ host: ProxyHost; key: ProxyKey }>(({ host, key }) => {
  host.releaseProxy(key, null);
});

export class BinderProxy implements IBinder {
  /** @internal */ readonly _host: ProxyHost;
  /** @internal */ readonly _key: ProxyKey;
  private released = false;
  private cachedDescriptor: string | null = null;

  /** @internal created by the session */
  constructor(host: ProxyHost, key: ProxyKey) {
    this._host = host;
    this._key = key;
    collected.register(this, { host, key }, this);
  }

  /** Parcel for a call on this proxy (carries the session's dialect and object table). */
  newParcel(): Parcel { return this._host.newParcel(); }

  transact(code: number, data: Parcel, flags = 0): Promise<Parcel> {
    if (this.released) return Promise.reject(new DeadObjectError("the proxy was disposed"));
    return this._host.transactProxy(this, code, data, flags);
  }

  transactRead<T>(code: number, data: Parcel, flags: number, read: (reply: Parcel) => T): Promise<T> {
    if (this.released) return Promise.reject(new DeadObjectError("the proxy was disposed"));
    return this._host.transactProxyRead(this, code, data, flags, read);
  }

  async getInterfaceDescriptor(): Promise<string> {
    if (this.cachedDescriptor !== null) return this.cachedDescriptor;
    const data = this.newParcel();
    try {
      const reply = await this.transact(INTERFACE_TRANSACTION, data);
      try {
        const d = reply.readString16();
        if (d === null) throw new ParcelError(ParcelErrorCode.BAD_VALUE, 0, "a non-null interface descriptor");
        this.cachedDescriptor = d;
        return d;
      } finally { reply.dispose(); }
    } finally { data.dispose(); }
  }

  isBinderAlive(): boolean { return !this.released && this._host.isAlive(); }

  async pingBinder(): Promise<boolean> {
    const data = this.newParcel();
    try {
      (await this.transact(PING_TRANSACTION, data)).dispose();
      return true;
    } catch { return false; } finally { data.dispose(); }
  }

  linkToDeath(recipient: DeathRecipient): void { this._host.linkToDeath(this._key, this, recipient); }
  unlinkToDeath(recipient: DeathRecipient): boolean { return this._host.unlinkToDeath(this._key, recipient); }
  localBinder(): null { return null; }

  /** Give the references back to the peer now. The proxy (and every holder of this object in
   *  this process) can no longer be used; receiving the binder again yields a new proxy. */
  dispose(): void {
    if (this.released) return;
    this.released = true;
    collected.unregister(this);
    this._host.releaseProxy(this._key, this);
  }
  [Symbol.dispose](): void { this.dispose(); }
  /** @internal */ get _released(): boolean { return this.released; }
}
