// The object table of a received parcel (wire v1+): u32 offsets of the objects in the data,
// checked once when the parcel is opened, then used by every read.
//
// What libbinder checks (Parcel.cpp rpcSetDataReference, A14-A16): each entry leaves room for a
// type word (offset + 4 < dataSize); the fd entries match the fds that came with the message
// (A14: the table size equals the fd count; A16r4: the fd-typed entries do); binder entries
// only at v2. Readers binary_search the table (readFileDescriptor; at v2 unflattenBinder), so
// it must be sorted. tsbinder also checks that each entry is an object header of a type the
// wire version allows, that each object fits in the data, and that no two overlap; and its
// readers refuse plain data (an int, a string, an array) read over an object, as the kernel
// driver's parcels do (Parcel::validateReadData). A table that fails is not a protocol error:
// libbinder answers that call BAD_VALUE (RpcState processTransactInternal) and the session goes
// on, so the parcel is opened empty and marked (F_BAD_ENTRY), and every read of it fails with
// E_BAD_TABLE: the handler's first read throws a ParcelError, the call is answered BAD_VALUE.
import {
  F_BUF, F_START, F_SIZE, F_OBJS, F_NOBJ, F_BAD_ENTRY,
} from "./layout";

export const TYPE_BINDER_NULL: i32 = 0;
export const TYPE_BINDER: i32 = 1;
export const TYPE_FD: i32 = 2;
/** Bytes of an fd object (type, index) and of a non-null binder (type, address, stability). */
export const FD_OBJECT_SIZE: u32 = 8;
export const BINDER_OBJECT_SIZE: u32 = 16;

@inline function field(p: usize, f: u32): u32 { return load<u32>(p + f); }
@inline function data(p: usize): usize { return <usize>field(p, F_BUF) + <usize>field(p, F_START); }
@inline function entry(p: usize, i: u32): u32 { return load<u32>(<usize>field(p, F_OBJS) + (<usize>i << 2)); }

/** Size of the (validated) object whose type word is at data offset `at`. */
@inline function objectSize(p: usize, at: u32): u32 {
  return load<i32>(data(p) + <usize>at) == TYPE_FD ? FD_OBJECT_SIZE : BINDER_OBJECT_SIZE;
}

/** Index of the last entry <= pos, or -1. */
function lastAtOrBefore(p: usize, pos: u32): i32 {
  let lo: i32 = 0, hi: i32 = <i32>field(p, F_NOBJ) - 1, found: i32 = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    if (entry(p, <u32>mid) <= pos) { found = mid; lo = mid + 1; } else hi = mid - 1;
  }
  return found;
}

/** Is `pos` an entry of the table? */
export function inTable(p: usize, pos: u32): bool {
  const i = lastAtOrBefore(p, pos);
  return i >= 0 && entry(p, <u32>i) == pos;
}

/** Does plain data [pos, pos + n) cover part of an object of the table? (n > 0.) Objects do
 *  not overlap, so only the last one starting before the end of the range can. */
export function overlapsObject(p: usize, pos: u32, n: u32): bool {
  const i = lastAtOrBefore(p, pos + n - 1);
  if (i < 0) return false;
  const at = entry(p, <u32>i);
  return <u64>at + <u64>objectSize(p, at) > <u64>pos;
}

/** Check the installed table of a received parcel (see the top of this file). Returns 0 if it
 *  is good, else 1 + the index of the first bad entry (the table's length when the fd count is
 *  what disagrees). */
export function checkReceivedTable(p: usize, version: u32, fdCount: u32): u32 {
  const n = field(p, F_NOBJ);
  const size = field(p, F_SIZE);
  const base = data(p);
  let end: u64 = 0; // where the previous object ends
  let fds: u32 = 0;
  for (let i: u32 = 0; i < n; i++) {
    const at = entry(p, i);
    if (<u64>at < end || <u64>at + 4 >= <u64>size) return i + 1;
    const type = load<i32>(base + <usize>at);
    let objSize: u32;
    if (type == TYPE_FD) { objSize = FD_OBJECT_SIZE; fds++; }
    else if ((type & 1) != 0 && version >= 2) objSize = BINDER_OBJECT_SIZE;
    else return i + 1;
    end = <u64>at + <u64>objSize;
    if (end > <u64>size) return i + 1;
  }
  return fds == fdCount ? 0 : n + 1;
}
