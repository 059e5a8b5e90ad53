// tsbinder: the runtime-neutral package (Parcel, binder objects, sessions, errors). Runtime
// adapters live in tsbinder/node (and, as they land, tsbinder/deno, tsbinder/bun).
export { Parcel, MAX_OUT_VECTOR, type ParcelOptions } from "./parcel/parcel.js";
export { ParcelError, ParcelErrorCode } from "./parcel/errors.js";
export {
  ParcelFileDescriptor, MAX_FDS_PER_MESSAGE, type FdOps,
} from "./parcel/file-descriptor.js";
export type { ObjectCodec, RawAddress } from "./parcel/objects.js";
export { CoreAbortError } from "./core/core.js";
export * from "./binder/ibinder.js";
export * from "./binder/errors.js";
export { StatusCode, ExceptionCode, statusName, exceptionName } from "./binder/status.js";
export { readException, writeException, writeNoException } from "./binder/status-header.js";
export { Binder } from "./binder/binder.js";
export { BinderProxy } from "./binder/proxy.js";
export {
  RpcSession, getCallingIdentity, DEFAULT_SESSION_LIMITS, type SessionLimits, type CallContext, type SessionStats, type InterfaceType,
} from "./rpc/session.js";
export { RpcServer, type ServerOptions, type Authorizer } from "./rpc/server.js";
export { connectSession, HandshakeError, type ConnectOptions } from "./rpc/client.js";
export { ProtocolError } from "./rpc/engine/protocol-error.js";
export {
  ServiceDirectory, SERVICE_DIRECTORY_DESCRIPTOR, getService, checkService, listServices,
} from "./rpc/service-directory.js";
export { portablePlatform, type Platform, type Timers } from "./platform/platform.js";
export type { ContextStore, ContextStores } from "./platform/context-store.js";
export { defaultLogger, silentLogger, type Logger } from "./rpc/log.js";
export type { RpcTransport, TransportConnection, TransportListener, ConnectionSink, PeerIdentity } from "./rpc/transport.js";
export { WIRE_VERSION_MAX, FdMode } from "./wire/structs.js";
export * from "./aidl/runtime/index.js";
export * from "./transports/index.js";
