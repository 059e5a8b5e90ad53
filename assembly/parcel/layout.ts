// The parcel handle: a small unmanaged struct in linear memory that the TypeScript facade
// addresses by pointer. Every field is a u32 so the facade can read it through an Int32Array
// without crossing the boundary (error state, out-values of reads).
//
//   buf      the allocation (data starts at buf + start)
//   cap      bytes allocated at buf
//   start    headroom before the parcel data (room for frame headers, see wire/)
//   size     parcel data size (bytes)
//   pos      read/write position, relative to the data start
//   objs     u32 array of object positions (the RPC object table, sorted ascending)
//   nobj     entries in objs
//   objcap   capacity of objs (entries)
//   err      last error code (0 = none), cleared by the facade
//   errAt    position the failed read/write started at
//   errNeed  what was expected (bytes needed, or the offending value)
//   outA/B   out-values of reads that return more than one number
//   mode     MODE_* flags
//   max      maximum data size this parcel may grow to
//   nfd      fd objects written/read (index of the next fd)
//   badEntry a received object table failed its checks: 1 + the bad entry's index (0 = none);
//            every read of the parcel then fails with E_BAD_TABLE (table.ts)

export const F_BUF: u32 = 0;
export const F_CAP: u32 = 4;
export const F_START: u32 = 8;
export const F_SIZE: u32 = 12;
export const F_POS: u32 = 16;
export const F_OBJS: u32 = 20;
export const F_NOBJ: u32 = 24;
export const F_OBJCAP: u32 = 28;
export const F_ERR: u32 = 32;
export const F_ERR_AT: u32 = 36;
export const F_ERR_NEED: u32 = 40;
export const F_OUT_A: u32 = 44;
export const F_OUT_B: u32 = 48;
export const F_MODE: u32 = 52;
export const F_MAX: u32 = 56;
export const F_NFD: u32 = 60;
export const F_BAD_ENTRY: u32 = 64;
export const HANDLE_SIZE: u32 = 80;

/** Record the positions of non-null binders in the object table (wire v2). */
export const MODE_BINDER_POSITIONS: u32 = 1;
/** Android 12 / rsbinder "r34" dialect: 32-byte addresses, no stability word. */
export const MODE_R34: u32 = 2;
/** fd objects may be written/read (session fd mode UNIX, wire v1+). */
export const MODE_FDS: u32 = 4;
/** Validate objects against the received object table (a parcel that came off the wire at v1+). */
export const MODE_CHECK_TABLE: u32 = 8;

/** Headroom reserved in front of every parcel created for sending: enough for the largest
 *  frame prefix (r34: 4-byte length + 16-byte header + 64-byte transaction). */
export const HEADROOM: u32 = 96;

/** Largest single allocation the core asks for (TLSF's block limit is just under 1 GiB). Every
 *  parcel buffer stays below it, so positions and sizes inside a parcel are below 2^30: they
 *  fit an i32 result and a u32 sum of two never wraps. */
export const ALLOC_MAX: u32 = 0x3fff0000;

/** Default cap on a parcel's data size; the facade can lower or raise it per parcel. */
export const DEFAULT_MAX: u32 = 64 * 1024 * 1024;

// Error codes. Mirrored in src/parcel/errors.ts (ParcelErrorCode); keep the numbers in step.
export const E_TRUNCATED: u32 = 1;      // fewer bytes than the value needs
export const E_BAD_LENGTH: u32 = 2;     // negative (other than -1) or impossible length/count
export const E_BAD_SIZE: u32 = 3;       // parcelable/header size field out of bounds
export const E_BAD_UTF16: u32 = 4;      // String16 without its NUL terminator
export const E_BAD_UTF8: u32 = 5;       // malformed UTF-8 handed to the writer
export const E_BAD_OBJECT: u32 = 6;     // unknown object type / not at a recorded position
export const E_TOO_LARGE: u32 = 7;      // write would exceed the parcel's max size
export const E_BAD_STABILITY: u32 = 8;  // binder stability not one of 3/12/63 (or 0 for null)
export const E_FDS_NOT_ALLOWED: u32 = 9;
export const E_BAD_POSITION: u32 = 10;  // setDataPosition outside the data
export const E_BAD_TABLE: u32 = 11;     // object table refused (table.ts), or a read of a parcel whose table was
export const E_BAD_FRAME: u32 = 12;     // wire struct invalid (command, sizes, magic)
