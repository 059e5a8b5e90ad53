// status_t: what a transaction ends with on the wire (RpcWireReply.status), as libbinder
// defines the values on Linux, and BinderError, the error that carries one. Below the parcel:
// a parcel refuses what its session cannot carry (FDS_NOT_ALLOWED) or a wrong interface token
// (BAD_TYPE) with the status libbinder answers.

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

export function statusName(status: number): string {
  for (const [k, v] of Object.entries(StatusCode)) if (v === status) return k;
  return `status ${status}`;
}

export class BinderError extends Error {
  override name = "BinderError";
  /** The status_t (negative errno-style value, see StatusCode). */
  readonly status: number;
  constructor(status: number, message?: string) {
    super(message ?? statusName(status));
    this.status = status;
  }
  get code(): string { return statusName(this.status); }
}
