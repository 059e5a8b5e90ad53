// The binder object interface shared by local objects (Binder) and remote ones (BinderProxy),
// and the transaction codes and flags every binder knows. It lives with the parcel, which
// carries binders (writeStrongBinder / readStrongBinder) and is what transact() sends; the
// binder layer (src/binder/) implements it. Parcel and IBinder refer to each other, so they
// share a layer: the parcel never imports the binder layer.
import type { Parcel } from "./parcel.js";

export const FIRST_CALL_TRANSACTION = 0x00000001;
export const LAST_CALL_TRANSACTION = 0x00ffffff;
export const FLAG_ONEWAY = 0x01;
export const FLAG_CLEAR_BUF = 0x20;
export const FLAG_PRIVATE_VENDOR = 0x10000000;

const pack = (s: string): number =>
  ((s.charCodeAt(0) << 24) | (s.charCodeAt(1) << 16) | (s.charCodeAt(2) << 8) | s.charCodeAt(3)) >>> 0;
/** Built-in codes, packed like B_PACK_CHARS. */
export const PING_TRANSACTION: number = pack("_PNG");
export const INTERFACE_TRANSACTION: number = pack("_NTF");
export const DUMP_TRANSACTION: number = pack("_DMP");
export const SHELL_COMMAND_TRANSACTION: number = pack("_CMD");
export const EXTENSION_TRANSACTION: number = pack("_EXT");
export const DEBUG_PID_TRANSACTION: number = pack("_PID");

export type DeathRecipient = (who: IBinder) => void;

export interface IBinder {
  /** Send a transaction; resolves with the reply parcel (empty for oneway calls). The caller
   *  owns the reply and should dispose it. */
  transact(code: number, data: Parcel, flags?: number): Promise<Parcel>;
  /** Optional fast path for a two-way call whose reply is read at once: `read` runs on the
   *  reply as soon as it arrives (the reply is disposed after it), and the promise settles with
   *  what `read` returned or threw. The call's frame is built before this returns, so the
   *  caller may dispose `data` at once. One promise per call instead of transact()'s reply
   *  promise plus the caller's own (generated proxies use it through transactCall). */
  transactRead?<T>(code: number, data: Parcel, flags: number, read: (reply: Parcel) => T): Promise<T>;
  getInterfaceDescriptor(): Promise<string>;
  isBinderAlive(): boolean;
  pingBinder(): Promise<boolean>;
  linkToDeath(recipient: DeathRecipient): void;
  unlinkToDeath(recipient: DeathRecipient): boolean;
  /** An empty parcel for a transaction on this object (a proxy's parcels carry its session's
   *  wire dialect and object table). */
  newParcel(): Parcel;
  /** Local Binder objects return themselves; proxies return null. */
  localBinder(): IBinder | null;
}
