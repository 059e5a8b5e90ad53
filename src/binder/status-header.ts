// The AIDL Status header at the start of a reply parcel (libbinder Status::writeToParcel /
// readFromParcel): EX_NONE, or an exception code, its message, an empty remote stack trace and
// what the code carries (a service-specific error code, a parcelable's size). The parcel only
// holds the bytes; what they mean is the binder layer's.
import type { Parcel } from "../parcel/parcel.js";
import { core } from "../core/core.js";
import { ExceptionCode } from "./status.js";
import { ServiceException, exceptionFromCode } from "./errors.js";

/** The Status of a call that succeeded. */
export function writeNoException(reply: Parcel): void { reply.writeInt32(ExceptionCode.NONE); }

/** Write the Status for an exception thrown by a service method. ServiceExceptions keep
 *  their code; any other Error is reported as EX_ILLEGAL_STATE with its message (every
 *  binder backend understands it; the peer sees a typed IllegalStateException). */
export function writeException(reply: Parcel, e: unknown): void {
  let code: number = ExceptionCode.ILLEGAL_STATE;
  let message = e instanceof Error ? e.message : String(e);
  let errorCode = 0;
  if (e instanceof ServiceException) {
    code = e.exceptionCode;
    message = e.message;
    if ("errorCode" in e) errorCode = (e as { errorCode: number }).errorCode;
  }
  reply.writeInt32(code);
  reply.writeString16(message);
  reply.writeInt32(0); // no remote stack trace
  if (code === ExceptionCode.SERVICE_SPECIFIC) reply.writeInt32(errorCode);
  else if (code === ExceptionCode.PARCELABLE) reply.writeInt32(0);
}

/** Read the Status header; throws the typed ServiceException if it is not OK. */
export function readException(reply: Parcel): void {
  const h = reply._handle();
  const code = core.parcel_readExceptionCode(h);
  if (code === -2147483648) reply._raise();
  if (code === ExceptionCode.NONE) return;
  const message = reply.readString16() ?? "";
  if (!core.parcel_skipStackTrace(h)) reply._raise();
  let errorCode = 0;
  if (code === ExceptionCode.SERVICE_SPECIFIC) errorCode = reply.readInt32();
  else if (code === ExceptionCode.PARCELABLE && !core.parcel_skipSizedBlock(h)) reply._raise();
  throw exceptionFromCode(code, message, errorCode);
}
