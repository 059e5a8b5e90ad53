// tsbinder/codegen: what AIDL-generated code imports (the generator writes its imports against
// this entry: src/aidl/gen/context.ts), and what a hand-written proxy or stub may need below
// the application surface: every transaction code and flag, BinderProxy, the Status names, the
// service directory's own Binder. Applications use "tsbinder".
export { Parcel, MAX_OUT_VECTOR, type ParcelOptions } from "./parcel/parcel.js";
export { ParcelFileDescriptor, MAX_FDS_PER_MESSAGE } from "./parcel/file-descriptor.js";
export {
  type IBinder, type DeathRecipient, FIRST_CALL_TRANSACTION, LAST_CALL_TRANSACTION, FLAG_ONEWAY,
  FLAG_CLEAR_BUF, FLAG_PRIVATE_VENDOR, PING_TRANSACTION, INTERFACE_TRANSACTION, DUMP_TRANSACTION,
  SHELL_COMMAND_TRANSACTION, EXTENSION_TRANSACTION, DEBUG_PID_TRANSACTION,
} from "./binder/ibinder.js";
export { Binder } from "./binder/binder.js";
export { BinderProxy } from "./binder/proxy.js";
export { exceptionFromCode } from "./binder/errors.js";
export { statusName, exceptionName } from "./binder/status.js";
export { readException, writeException, writeNoException } from "./binder/status-header.js";
export { CoreAbortError } from "./core/core.js";
export { ServiceDirectory, SERVICE_DIRECTORY_DESCRIPTOR } from "./rpc/service-directory.js";
export { DEFAULT_SESSION_LIMITS } from "./rpc/session.js";
export { WIRE_VERSION_MAX } from "./wire/structs.js";
export * from "./aidl/runtime/index.js";
