// How binder and fd objects get into and out of a parcel. The parcel itself knows only the
// byte layout (the core); which address a binder gets is decided by whoever owns the parcel:
// an RPC session (its object table and refcounts), or, for parcels that never leave the
// process, the process-local table below.
import type { IBinder } from "./ibinder.js";
import type { Parcel } from "./parcel.js";

export interface ObjectCodec {
  writeBinder(parcel: Parcel, binder: IBinder): void;
  /** Called after the core read a non-null binder; `raw` is the address as read. */
  readBinder(parcel: Parcel, raw: RawAddress): IBinder;
}

/** An address as it appears on the wire: v0+ {options, id}; r34: 32 opaque bytes. */
export type RawAddress = { options: number; id: number; r34?: undefined } | { options: 0; id: 0; r34: Uint8Array };

/** Binders in parcels that stay inside this process (a proxy calling a local stub directly,
 *  tests): addresses are process-local ids; the table holds each object while it is
 *  referenced by a parcel the process can still read. */
class LocalObjectCodec implements ObjectCodec {
  private readonly ids = new WeakMap<IBinder, number>();
  private readonly objects = new Map<number, WeakRef<IBinder>>();
  private next = 1;

  writeBinder(parcel: Parcel, binder: IBinder): void {
    let id = this.ids.get(binder);
    if (id === undefined) {
      id = this.next++;
      this.ids.set(binder, id);
      this.objects.set(id, new WeakRef(binder));
    }
    parcel._writeBinderAddress(1, id, 0x0c);
  }

  readBinder(_parcel: Parcel, raw: RawAddress): IBinder {
    const b = this.objects.get(raw.id)?.deref();
    if (!b) throw new Error(`no local binder with id ${raw.id}`);
    return b;
  }
}

export const localObjectCodec: ObjectCodec = new LocalObjectCodec();
