// Helpers for generated interface proxies and stubs.
import type { Parcel } from "../../parcel/parcel.js";
import { readException, writeException, writeNoException } from "../../binder/status-header.js";
import type { IBinder } from "../../binder/ibinder.js";
import { FLAG_ONEWAY } from "../../binder/ibinder.js";
import { isPromiseLike } from "../../binder/promise-like.js";
import { Later } from "../../binder/later.js";

/** What every generated AIDL interface extends (Java's IInterface). */
export interface IInterface {
  /** The binder that carries this interface: the stub itself, or the proxy's remote binder. */
  asBinder(): IBinder;
}

/**
 * One two-way AIDL call: writes the interface token and the arguments, transacts, checks the
 * Status header (throwing the typed ServiceException), then lets `readReply` read the result and
 * the out/inout values. Both parcels are disposed whatever happens.
 *
 * On a remote that has transactRead (a session proxy) the reply is read the moment it arrives
 * and the call makes one promise, the one returned; an async function awaiting transact()
 * made three on Node 20 with AsyncLocalStorage on, and a microtask turn more.
 */
export function transactCall<T>(
  remote: IBinder,
  descriptor: string,
  code: number,
  flags: number,
  writeArgs: (data: Parcel) => void,
  readReply: (reply: Parcel) => T,
): Promise<T> {
  // The remote makes the parcel: a session proxy's parcels carry its wire dialect and object table.
  const data = remote.newParcel();
  if (!remote.transactRead) return transactCallAsync(remote, data, descriptor, code, flags, writeArgs, readReply);
  try {
    data.writeInterfaceToken(descriptor);
    writeArgs(data);
    return remote.transactRead(code, data, flags, (reply) => {
      readException(reply);
      return readReply(reply);
    });
  } catch (e) {
    return Promise.reject(e);
  } finally {
    // transactRead has built (and sent or copied) the frame by the time it returns
    data.dispose();
  }
}

async function transactCallAsync<T>(remote: IBinder, data: Parcel, descriptor: string, code: number, flags: number,
    writeArgs: (data: Parcel) => void, readReply: (reply: Parcel) => T): Promise<T> {
  try {
    data.writeInterfaceToken(descriptor);
    writeArgs(data);
    const reply = await remote.transact(code, data, flags);
    try {
      readException(reply);
      return readReply(reply);
    } finally {
      reply.dispose();
    }
  } finally {
    data.dispose();
  }
}

/** One oneway AIDL call (FLAG_ONEWAY; no reply, resolves once the transaction was sent). */
export async function transactOneway(
  remote: IBinder,
  descriptor: string,
  code: number,
  flags: number,
  writeArgs: (data: Parcel) => void,
): Promise<void> {
  const data = remote.newParcel();
  try {
    data.writeInterfaceToken(descriptor);
    writeArgs(data);
    const reply = await remote.transact(code, data, flags | FLAG_ONEWAY);
    reply.dispose();
  } finally {
    data.dispose();
  }
}

/**
 * Server side of one two-way call: runs the implementation, then writes the Status header and
 * (on success) lets `writeReply` write the result and out/inout values. An exception thrown by
 * the implementation is sent to the caller as an AIDL exception (writeException).
 * An implementation that returns a plain value is answered at once (no promise is made).
 */
export function dispatchCall<T>(reply: Parcel, call: () => T | PromiseLike<T>, writeReply: (reply: Parcel, result: T) => void): true | PromiseLike<true> {
  let result: T | PromiseLike<T>;
  try {
    result = call();
  } catch (e) {
    writeException(reply, e);
    return true;
  }
  if (!isPromiseLike(result)) return writeResult(reply, result, writeReply);
  // no promise of its own: the session's one reaction to `result` runs these steps
  return Later.map(result,
    (r: T) => writeResult(reply, r, writeReply),
    (e) => { writeException(reply, e); return true as const; },
  );
}

function writeResult<T>(reply: Parcel, result: T, writeReply: (reply: Parcel, result: T) => void): true {
  writeNoException(reply);
  // results hand every descriptor in them over to the reply, however deeply nested (fields of
  // parcelables and unions, array elements): closed once it is sent, as the Java and C++
  // backends close returned descriptors
  reply._ownWrittenFds = true;
  writeReply(reply, result);
  return true;
}

/** Server side of a oneway call: nobody waits for an answer, so errors are only reported. */
export function dispatchOneway(call: () => void | PromiseLike<void>, onError: (e: unknown) => void = reportOnewayError): true | PromiseLike<true> {
  let done: void | PromiseLike<void>;
  try {
    done = call();
  } catch (e) {
    onError(e);
    return true;
  }
  if (!isPromiseLike(done)) return true;
  return Later.map(done, () => true as const, (e) => { onError(e); return true as const; });
}

function reportOnewayError(e: unknown): void {
  // A oneway method has no reply to carry the exception; surfacing it beats swallowing it.
  // (console is not in the runtime-neutral lib set, but exists on Node, Deno and Bun)
  (globalThis as { console?: { error(...args: unknown[]): void } }).console?.error("tsbinder: exception in oneway AIDL method:", e);
}
