// AIDL exception codes (what travels in the Status header of a reply parcel), and the status_t
// values (what travels in RpcWireReply.status, core/status.ts). Values as libbinder defines
// them on Linux.
export { StatusCode, statusName } from "../core/status.js";

export const ExceptionCode = {
  NONE: 0,
  SECURITY: -1,
  BAD_PARCELABLE: -2,
  ILLEGAL_ARGUMENT: -3,
  NULL_POINTER: -4,
  ILLEGAL_STATE: -5,
  NETWORK_MAIN_THREAD: -6,
  UNSUPPORTED_OPERATION: -7,
  SERVICE_SPECIFIC: -8,
  PARCELABLE: -9,
  HAS_NOTED_APPOPS_REPLY_HEADER: -127,
  HAS_REPLY_HEADER: -128,
  TRANSACTION_FAILED: -129,
} as const;
export type ExceptionCode = (typeof ExceptionCode)[keyof typeof ExceptionCode];

export function exceptionName(code: number): string {
  for (const [k, v] of Object.entries(ExceptionCode)) if (v === code) return `EX_${k}`;
  return `exception ${code}`;
}
