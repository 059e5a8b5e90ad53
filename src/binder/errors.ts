// Errors a binder call can end with.
// - BinderError: the transaction itself failed (a status_t: dead peer, unknown code, bad
//   parcel...). It travels as RpcWireReply.status, never inside the parcel.
// - ServiceException: the call reached the service, which answered with an AIDL exception
//   (Status header in the reply parcel). Subclasses per exception code.
import { StatusCode, ExceptionCode, exceptionName } from "./status.js";
import { BinderError } from "../core/status.js";

export { BinderError };

export class DeadObjectError extends BinderError {
  override name = "DeadObjectError";
  constructor(message = "the remote object is dead (session ended)") { super(StatusCode.DEAD_OBJECT, message); }
}

export class UnknownTransactionError extends BinderError {
  override name = "UnknownTransactionError";
  constructor(message = "unknown transaction code") { super(StatusCode.UNKNOWN_TRANSACTION, message); }
}

export class ServiceException extends Error {
  override name = "ServiceException";
  readonly exceptionCode: number;
  constructor(exceptionCode: number, message = "") {
    super(message || exceptionName(exceptionCode));
    this.exceptionCode = exceptionCode;
  }
  get code(): string { return exceptionName(this.exceptionCode); }
}

export class SecurityException extends ServiceException {
  override name = "SecurityException";
  constructor(message = "") { super(ExceptionCode.SECURITY, message); }
}
export class BadParcelableException extends ServiceException {
  override name = "BadParcelableException";
  constructor(message = "") { super(ExceptionCode.BAD_PARCELABLE, message); }
}
export class IllegalArgumentException extends ServiceException {
  override name = "IllegalArgumentException";
  constructor(message = "") { super(ExceptionCode.ILLEGAL_ARGUMENT, message); }
}
export class NullPointerException extends ServiceException {
  override name = "NullPointerException";
  constructor(message = "") { super(ExceptionCode.NULL_POINTER, message); }
}
export class IllegalStateException extends ServiceException {
  override name = "IllegalStateException";
  constructor(message = "") { super(ExceptionCode.ILLEGAL_STATE, message); }
}
export class UnsupportedOperationException extends ServiceException {
  override name = "UnsupportedOperationException";
  constructor(message = "") { super(ExceptionCode.UNSUPPORTED_OPERATION, message); }
}

/** A service-defined error: EX_SERVICE_SPECIFIC with the service's own error code. */
export class ServiceSpecificException extends ServiceException {
  override name = "ServiceSpecificException";
  readonly errorCode: number;
  constructor(errorCode: number, message = "") {
    super(ExceptionCode.SERVICE_SPECIFIC, message);
    this.errorCode = errorCode;
  }
}

/** Build the typed exception for a code read off the wire. */
export function exceptionFromCode(code: number, message: string, errorCode: number): ServiceException {
  switch (code) {
    case ExceptionCode.SECURITY: return new SecurityException(message);
    case ExceptionCode.BAD_PARCELABLE: return new BadParcelableException(message);
    case ExceptionCode.ILLEGAL_ARGUMENT: return new IllegalArgumentException(message);
    case ExceptionCode.NULL_POINTER: return new NullPointerException(message);
    case ExceptionCode.ILLEGAL_STATE: return new IllegalStateException(message);
    case ExceptionCode.UNSUPPORTED_OPERATION: return new UnsupportedOperationException(message);
    case ExceptionCode.SERVICE_SPECIFIC: return new ServiceSpecificException(errorCode, message);
    default: return new ServiceException(code, message);
  }
}
