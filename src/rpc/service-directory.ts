// rsbinder's named-service directory, byte-compatible with its RpcServer::add_service root:
// descriptor "rsbinder.rpc.IServiceDirectory"; code 1 getService(String name) answers Status
// OK + the binder, or, for a missing name, REPLY status NAME_NOT_FOUND with no data.
// tsbinder adds code 2 listServices() -> String[] (rsbinder peers answer UNKNOWN_TRANSACTION).
import { Binder } from "../binder/binder.js";
import { BinderError, UnknownTransactionError } from "../binder/errors.js";
import { StatusCode } from "../binder/status.js";
import { FIRST_CALL_TRANSACTION, type IBinder } from "../binder/ibinder.js";
import type { Parcel } from "../parcel/parcel.js";
import { readException, writeNoException } from "../binder/status-header.js";

export const SERVICE_DIRECTORY_DESCRIPTOR = "rsbinder.rpc.IServiceDirectory";
export const DIRECTORY_GET_SERVICE = FIRST_CALL_TRANSACTION;
export const DIRECTORY_LIST_SERVICES = FIRST_CALL_TRANSACTION + 1;

export class ServiceDirectory extends Binder {
  private readonly services = new Map<string, IBinder>();

  constructor() { super(SERVICE_DIRECTORY_DESCRIPTOR); }

  add(name: string, binder: IBinder): void { this.services.set(name, binder); }
  remove(name: string): boolean { return this.services.delete(name); }

  protected onTransact(code: number, data: Parcel, reply: Parcel): boolean {
    switch (code) {
      case DIRECTORY_GET_SERVICE: {
        data.enforceInterface(this.descriptor);
        const name = data.readString16();
        const b = name === null ? undefined : this.services.get(name);
        if (!b) throw new BinderError(StatusCode.NAME_NOT_FOUND, `no service named ${name}`);
        writeNoException(reply);
        reply.writeStrongBinder(b);
        return true;
      }
      case DIRECTORY_LIST_SERVICES:
        data.enforceInterface(this.descriptor);
        writeNoException(reply);
        reply.writeString16Array([...this.services.keys()].sort());
        return true;
      default:
        return false;
    }
  }
}

/** Client side: look a service up in a server's directory (the session root). Throws
 *  BinderError NAME_NOT_FOUND for a missing name. */
export async function getService(root: IBinder, name: string): Promise<IBinder> {
  const data = root.newParcel();
  try {
    data.writeInterfaceToken(SERVICE_DIRECTORY_DESCRIPTOR);
    data.writeString16(name);
    const reply = await root.transact(DIRECTORY_GET_SERVICE, data);
    try {
      readException(reply);
      return reply.readStrongBinderNonNull();
    } finally { reply.dispose(); }
  } finally { data.dispose(); }
}

/** Like getService, but null for a missing name. */
export async function checkService(root: IBinder, name: string): Promise<IBinder | null> {
  try {
    return await getService(root, name);
  } catch (e) {
    if (e instanceof BinderError && e.status === StatusCode.NAME_NOT_FOUND) return null;
    throw e;
  }
}

/** Names registered on a tsbinder server (rsbinder servers do not implement this). */
export async function listServices(root: IBinder): Promise<string[]> {
  const data = root.newParcel();
  try {
    data.writeInterfaceToken(SERVICE_DIRECTORY_DESCRIPTOR);
    let reply: Parcel;
    try {
      reply = await root.transact(DIRECTORY_LIST_SERVICES, data);
    } catch (e) {
      if (e instanceof UnknownTransactionError) throw new UnknownTransactionError("the server's directory cannot list services (rsbinder has only getService)");
      throw e;
    }
    try {
      readException(reply);
      return (reply.readString16Array() ?? []).filter((s): s is string => s !== null);
    } finally { reply.dispose(); }
  } finally { data.dispose(); }
}
