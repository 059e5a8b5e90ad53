// tsbinder: the runtime-neutral package (Parcel, binder objects, errors; sessions and the AIDL
// runtime as they land). Runtime adapters live in tsbinder/node, tsbinder/deno, tsbinder/bun.
export { Parcel, MAX_OUT_VECTOR, type ParcelOptions } from "./parcel/parcel.js";
export { ParcelError, ParcelErrorCode } from "./parcel/errors.js";
export { ParcelFileDescriptor, setFdCloser, type FdCloser } from "./parcel/file-descriptor.js";
export type { ObjectCodec, RawAddress } from "./parcel/objects.js";
export { CoreAbortError } from "./core/core.js";
export * from "./binder/ibinder.js";
export * from "./binder/errors.js";
export { StatusCode, ExceptionCode, statusName, exceptionName } from "./binder/status.js";
