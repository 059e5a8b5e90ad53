// tsbinder: what an application uses — Parcel, Binder and its errors, sessions and servers, the
// service directory. The layers beside it (protobuf-es style):
//   tsbinder/codegen    what AIDL-generated code (and hand-written proxies/stubs) imports
//   tsbinder/transport  for transport authors: RpcTransport, memory and MessagePort transports
//   tsbinder/aidl       the AIDL compiler (never loaded by the runtime entries)
//   tsbinder/node, tsbinder/deno, tsbinder/bun   a runtime's sockets: connectUnix, listenTcp, ...
// Kept to at most 45 names (test/packaging/entries.test.ts counts them).
export { Parcel } from "./parcel/parcel.js";
export { ParcelError, ParcelErrorCode } from "./parcel/errors.js";
export { ParcelFileDescriptor } from "./parcel/file-descriptor.js";
export {
  type IBinder, type DeathRecipient, FIRST_CALL_TRANSACTION, FLAG_ONEWAY,
} from "./binder/ibinder.js";
export {
  BinderError, DeadObjectError, UnknownTransactionError, ServiceException, SecurityException,
  BadParcelableException, IllegalArgumentException, NullPointerException, IllegalStateException,
  UnsupportedOperationException, ServiceSpecificException,
} from "./binder/errors.js";
export { StatusCode, ExceptionCode } from "./binder/status.js";
export { Binder } from "./binder/binder.js";
export { type IInterface } from "./aidl/runtime/interface.js";
export { ParcelableHolder } from "./aidl/runtime/holder.js";
export {
  RpcSession, getCallingIdentity, type SessionLimits, type SessionStats, type InterfaceType,
} from "./rpc/session.js";
export { RpcServer, type ServerOptions, type Authorizer } from "./rpc/server.js";
export { HandshakeError, type ConnectOptions } from "./rpc/client.js";
export { ProtocolError } from "./rpc/engine/protocol-error.js";
export { getService, checkService, listServices } from "./rpc/service-directory.js";
export { silentLogger, type Logger } from "./rpc/log.js";
export type { PeerIdentity } from "./rpc/transport.js";
export { FdMode } from "./wire/structs.js";
export { TlsHandshakeError, type TlsOptions, type NetRpcServer } from "./transports/net.js";
