// ParcelError: every malformed or unwritable value surfaces as one of these, with the offset
// the operation started at and what it expected. Codes mirror assembly/parcel/layout.ts.

export const ParcelErrorCode = {
  TRUNCATED: 1,
  BAD_LENGTH: 2,
  BAD_SIZE: 3,
  BAD_UTF16: 4,
  BAD_UTF8: 5,
  BAD_OBJECT: 6,
  TOO_LARGE: 7,
  BAD_STABILITY: 8,
  FDS_NOT_ALLOWED: 9,
  BAD_POSITION: 10,
  BAD_TABLE: 11,
  BAD_FRAME: 12,
  /** Raised by the facade, not the core: a value of the wrong type or range. */
  BAD_VALUE: 100,
  /** Raised by the facade: the parcel was disposed. */
  DISPOSED: 101,
} as const;
export type ParcelErrorCode = (typeof ParcelErrorCode)[keyof typeof ParcelErrorCode];

const NAMES: Record<number, string> = Object.fromEntries(
  Object.entries(ParcelErrorCode).map(([k, v]) => [v, k]),
);

function describe(code: number, need: number): string {
  switch (code) {
    case ParcelErrorCode.TRUNCATED: return `${need} more bytes`;
    case ParcelErrorCode.BAD_LENGTH: return `a length of -1 or >= 0, got ${need | 0}`;
    case ParcelErrorCode.BAD_SIZE: return `a size field inside the parcel, got ${need | 0}`;
    case ParcelErrorCode.BAD_UTF16: return "a String16 with its NUL terminator";
    case ParcelErrorCode.BAD_UTF8: return "well-formed UTF-8";
    case ParcelErrorCode.BAD_OBJECT: return `an object where the object table has one, and plain data elsewhere (${need | 0})`;
    case ParcelErrorCode.TOO_LARGE: return `at most the parcel's size limit (wanted ${need >>> 0} more bytes)`;
    case ParcelErrorCode.BAD_STABILITY: return `binder stability 3, 12 or 63, got ${need >>> 0}`;
    case ParcelErrorCode.FDS_NOT_ALLOWED: return "a session that carries file descriptors";
    case ParcelErrorCode.BAD_POSITION: return `a position within the data (size ${need >>> 0})`;
    case ParcelErrorCode.BAD_TABLE: return `an object table libbinder accepts (entry ${need >>> 0} is not; an entry past the last: the fd count)`;
    case ParcelErrorCode.BAD_FRAME: return `a well-formed frame (${need >>> 0})`;
    default: return String(need);
  }
}

export class ParcelError extends Error {
  override readonly name = "ParcelError";
  /** Symbolic code, e.g. "TRUNCATED". */
  readonly code: string;
  readonly errno: number;
  /** Data offset where the failed operation started. */
  readonly offset: number;
  /** What the reader/writer expected at that offset. */
  readonly expected: string;

  constructor(errno: number, offset: number, expected: string, detail?: string) {
    const code = NAMES[errno] ?? `E${errno}`;
    super(`${detail ?? code.toLowerCase().replace(/_/g, " ")} at offset ${offset}: expected ${expected}`);
    this.code = code;
    this.errno = errno;
    this.offset = offset;
    this.expected = expected;
  }

  static fromCore(errno: number, offset: number, need: number): ParcelError {
    return new ParcelError(errno, offset >>> 0, describe(errno, need));
  }
}
