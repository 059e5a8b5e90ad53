// Binder: a local object that peers can call. Services (and AIDL stubs) extend it and
// implement onTransact; the built-in codes (interface descriptor, ping) are answered here.
import { Parcel } from "../parcel/parcel.js";
import { BinderError, UnknownTransactionError } from "./errors.js";
import { StatusCode } from "./status.js";
import { isPromiseLike } from "./promise-like.js";
import { Later } from "./later.js";
import {
  INTERFACE_TRANSACTION, PING_TRANSACTION, FLAG_ONEWAY, type DeathRecipient, type IBinder,
} from "./ibinder.js";

export abstract class Binder implements IBinder {
  readonly descriptor: string;

  constructor(descriptor: string) {
    this.descriptor = descriptor;
  }

  /** Handle a transaction. Return false for a code this object does not know (the caller
   *  sees UNKNOWN_TRANSACTION). Throwing a BinderError answers with its status; any other
   *  exception is the stub's to turn into an AIDL Status. */
  protected abstract onTransact(code: number, data: Parcel, reply: Parcel, flags: number): PromiseLike<boolean> | boolean;

  /** @internal Run a transaction against this object; the session calls this for incoming TRANSACTs.
   *  Gives the status_t to send back: a number at once when onTransact answers synchronously
   *  (no promise is made on that path), else a thenable the session reacts to once. */
  _dispatch(code: number, data: Parcel, reply: Parcel, flags: number): number | PromiseLike<number> {
    if (code === INTERFACE_TRANSACTION) {
      reply.writeString16(this.descriptor);
      return StatusCode.OK;
    }
    if (code === PING_TRANSACTION) return StatusCode.OK;
    let handled: boolean | PromiseLike<boolean>;
    try {
      handled = this.onTransact(code, data, reply, flags);
    } catch (e) {
      return statusOf(e);
    }
    if (!isPromiseLike(handled)) return handled ? StatusCode.OK : StatusCode.UNKNOWN_TRANSACTION;
    return Later.map(handled, (h) => (h ? StatusCode.OK : StatusCode.UNKNOWN_TRANSACTION), statusOf);
  }

  /** Calling a local object directly (same process): the parcels are handed over as they are. */
  async transact(code: number, data: Parcel, flags = 0): Promise<Parcel> {
    const reply = new Parcel();
    data.dataPosition = 0;
    let status: number;
    try {
      status = await this._dispatch(code, data, reply, flags);
    } catch (e) {
      reply.dispose();
      throw e;
    }
    if (status !== StatusCode.OK) {
      reply.dispose();
      if (status === StatusCode.UNKNOWN_TRANSACTION) throw new UnknownTransactionError();
      throw new BinderError(status);
    }
    reply.dataPosition = 0;
    if (flags & FLAG_ONEWAY) reply.reset();
    return reply;
  }

  newParcel(): Parcel { return new Parcel(); }
  async getInterfaceDescriptor(): Promise<string> { return this.descriptor; }
  isBinderAlive(): boolean { return true; }
  async pingBinder(): Promise<boolean> { return true; }
  /** A local object never dies while this process lives; recipients are not kept. */
  linkToDeath(_recipient: DeathRecipient): void {}
  unlinkToDeath(_recipient: DeathRecipient): boolean { return false; }
  localBinder(): IBinder { return this; }
}

/** A BinderError thrown by onTransact answers with its status; anything else is rethrown. */
function statusOf(e: unknown): number {
  if (e instanceof BinderError) return e.status;
  throw e;
}
