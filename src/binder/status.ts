// status_t values (what travels in RpcWireReply.status) and AIDL exception codes (what travels
// in the Status header of a reply parcel). Values as libbinder defines them on Linux.

const UNKNOWN_ERROR = -2147483648;

export const StatusCode = {
  OK: 0,
  UNKNOWN_ERROR,
  NO_MEMORY: -12,
  INVALID_OPERATION: -38,
  BAD_VALUE: -22,
  BAD_TYPE: UNKNOWN_ERROR + 1,
  NAME_NOT_FOUND: -2,
  PERMISSION_DENIED: -1,
  NO_INIT: -19,
  ALREADY_EXISTS: -17,
  DEAD_OBJECT: -32,
  FAILED_TRANSACTION: UNKNOWN_ERROR + 2,
  UNKNOWN_TRANSACTION: -74,
  BAD_INDEX: -75,
  FDS_NOT_ALLOWED: UNKNOWN_ERROR + 7,
  UNEXPECTED_NULL: UNKNOWN_ERROR + 8,
  NOT_ENOUGH_DATA: -61,
  WOULD_BLOCK: -11,
  TIMED_OUT: -110,
} as const;
export type StatusCode = (typeof StatusCode)[keyof typeof StatusCode];

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

export function statusName(status: number): string {
  for (const [k, v] of Object.entries(StatusCode)) if (v === status) return k;
  return `status ${status}`;
}

export function exceptionName(code: number): string {
  for (const [k, v] of Object.entries(ExceptionCode)) if (v === code) return `EX_${k}`;
  return `exception ${code}`;
}
