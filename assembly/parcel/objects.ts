// Flattened objects in an RPC parcel and the object table that travels after the data (v1+).
//   null binder:  int32 0, int32 stability (0)                      (8 bytes)
//   binder:       int32 1, u64 RpcWireAddress {u32 options, u32 id}, int32 stability (16 bytes)
//   r34 binder:   int32 1 + 32 raw address bytes; null = int32 0; no stability word
//   fd:           int32 2, int32 index into the message's fd list   (8 bytes)
// At v2 the position of each non-null binder's type word goes into the table; fds always do.
import { get, set, fail, reserve, takeObject, avail, dataPtr } from "./handle";
import { inTable, overlapsObject, TYPE_BINDER_NULL, TYPE_BINDER, TYPE_FD } from "./table";
export { TYPE_BINDER_NULL, TYPE_BINDER, TYPE_FD };
import {
  F_POS, F_SIZE, F_OBJS, F_NOBJ, F_OBJCAP, F_OUT_A, F_OUT_B, F_MODE, F_NFD,
  MODE_BINDER_POSITIONS, MODE_R34, MODE_FDS, MODE_CHECK_TABLE,
  E_TRUNCATED, E_BAD_OBJECT, E_BAD_STABILITY, E_FDS_NOT_ALLOWED, E_BAD_TABLE, E_TOO_LARGE,
} from "./layout";

export const STABILITY_VENDOR: u32 = 0x03;
export const STABILITY_SYSTEM: u32 = 0x0c;
export const STABILITY_VINTF: u32 = 0x3f;

/** Append a position to the object table (positions are written in ascending order). */
export function recordObject(p: usize, pos: u32): bool {
  const n = get(p, F_NOBJ);
  let cap = get(p, F_OBJCAP);
  if (n == cap) {
    if (cap >= 0x1000000) { fail(p, E_TOO_LARGE, pos, n); return false; }
    cap = cap == 0 ? 8 : cap * 2;
    const old = <usize>get(p, F_OBJS);
    set(p, F_OBJS, <u32>(old == 0 ? heap.alloc(<usize>cap << 2) : heap.realloc(old, <usize>cap << 2)));
    set(p, F_OBJCAP, cap);
  }
  store<u32>(<usize>get(p, F_OBJS) + (<usize>n << 2), pos);
  set(p, F_NOBJ, n + 1);
  return true;
}

export function writeNullBinder(p: usize): bool {
  if (get(p, F_MODE) & MODE_R34) {
    const at = reserve(p, 4);
    if (at == 0) return false;
    store<i32>(at, TYPE_BINDER_NULL);
    return true;
  }
  const at = reserve(p, 8);
  if (at == 0) return false;
  store<u64>(at, 0);
  return true;
}

/** Non-null binder with an 8-byte address (wire v0+). */
export function writeBinder(p: usize, options: u32, id: u32, stability: u32): bool {
  const pos = get(p, F_POS);
  const at = reserve(p, 16);
  if (at == 0) return false;
  store<i32>(at, TYPE_BINDER);
  store<u32>(at + 4, options);
  store<u32>(at + 8, id);
  store<u32>(at + 12, stability);
  if (get(p, F_MODE) & MODE_BINDER_POSITIONS) return recordObject(p, pos);
  return true;
}

/** Non-null binder in the r34 dialect: the 32 address bytes are at src. */
export function writeBinderR34(p: usize, src: usize): bool {
  const at = reserve(p, 36);
  if (at == 0) return false;
  store<i32>(at, TYPE_BINDER);
  memory.copy(at + 4, src, 32);
  return true;
}

/** Do the `n` bytes at `pos` of a received parcel cover an object of its table? */
@inline function overTable(p: usize, mode: u32, pos: u32, n: u32): bool {
  return (mode & MODE_CHECK_TABLE) != 0 && get(p, F_NOBJ) != 0 && overlapsObject(p, pos, n);
}

/** Read a binder. Returns 0 for null, 1 for a binder (v0+: options in OUT_A, id in OUT_B;
 *  r34: the address of the 32 raw bytes in OUT_A), -1 on error. */
export function readBinder(p: usize): i32 {
  const start = get(p, F_POS);
  const mode = get(p, F_MODE);
  const at = takeObject(p, 4);
  if (at == 0) return -1;
  const type = load<i32>(at);
  if (mode & MODE_R34) {
    if ((type & 1) == 0) return 0;
    const addr = takeObject(p, 32);
    if (addr == 0) { set(p, F_POS, start); return -1; }
    set(p, F_OUT_A, <u32>addr);
    return 1;
  }
  // readers look only at bit 0 of the type word (A13+); a fd object is not a binder
  if (type == TYPE_FD) { set(p, F_POS, start); fail(p, E_BAD_OBJECT, start, <u32>type); return -1; }
  if ((type & 1) == 0) {
    const st = takeObject(p, 4);
    if (st == 0) { set(p, F_POS, start); return -1; }
    // a null binder is never in the table: it may not lie over an object that is
    if (overTable(p, mode, start, 8)) { set(p, F_POS, start); fail(p, E_BAD_OBJECT, start, <u32>type); return -1; }
    return 0;
  }
  const body = takeObject(p, 12);
  if (body == 0) { set(p, F_POS, start); return -1; }
  const stability = load<u32>(body + 8);
  if (stability != STABILITY_VENDOR && stability != STABILITY_SYSTEM && stability != STABILITY_VINTF) {
    set(p, F_POS, start);
    fail(p, E_BAD_STABILITY, start, stability);
    return -1;
  }
  // at v2 a binder must be at a table entry; below, binders are never in the table, so one may
  // not lie over an object (an fd) that is
  const misplaced = (mode & MODE_BINDER_POSITIONS) ? (mode & MODE_CHECK_TABLE) != 0 && !inTable(p, start) : overTable(p, mode, start, 16);
  if (misplaced) {
    set(p, F_POS, start);
    fail(p, E_BAD_OBJECT, start, <u32>type);
    return -1;
  }
  set(p, F_OUT_A, load<u32>(body));
  set(p, F_OUT_B, load<u32>(body + 4));
  return 1;
}

/** Write an fd object; returns the fd index it was given, or -1. */
export function writeFd(p: usize): i32 {
  const pos = get(p, F_POS);
  if ((get(p, F_MODE) & MODE_FDS) == 0) { fail(p, E_FDS_NOT_ALLOWED, pos, 0); return -1; }
  const index = get(p, F_NFD);
  const at = reserve(p, 8);
  if (at == 0) return -1;
  store<i32>(at, TYPE_FD);
  store<u32>(at + 4, index);
  if (!recordObject(p, pos)) return -1;
  set(p, F_NFD, index + 1);
  return <i32>index;
}

/** Read an fd object; returns its index into the message's fd list, or -1 on error.
 *  `fdCount` is how many fds arrived with the message. */
export function readFd(p: usize, fdCount: u32): i32 {
  const start = get(p, F_POS);
  if ((get(p, F_MODE) & MODE_FDS) == 0) { fail(p, E_FDS_NOT_ALLOWED, start, 0); return -1; }
  const at = takeObject(p, 8);
  if (at == 0) return -1;
  const type = load<i32>(at);
  const index = load<u32>(at + 4);
  if (type != TYPE_FD || index >= fdCount || ((get(p, F_MODE) & MODE_CHECK_TABLE) && !inTable(p, start))) {
    set(p, F_POS, start);
    fail(p, E_BAD_OBJECT, start, <u32>type);
    return -1;
  }
  return <i32>index;
}

/** Install a received object table (n u32 offsets at src). Entries must be strictly ascending
 *  and each must leave room for a type word inside the data (offset + 4 < size as libbinder
 *  checks), else E_BAD_TABLE. */
export function setObjectTable(p: usize, src: usize, n: u32): bool {
  const size = get(p, F_SIZE);
  let prev: i64 = -1;
  for (let i: u32 = 0; i < n; i++) {
    const v = load<u32>(src + (<usize>i << 2));
    if (<i64>v <= prev || <u64>v + 4 >= <u64>size) { fail(p, E_BAD_TABLE, v, i); return false; }
    prev = <i64>v;
  }
  set(p, F_NOBJ, 0);
  for (let i: u32 = 0; i < n; i++) {
    if (!recordObject(p, load<u32>(src + (<usize>i << 2)))) return false;
  }
  return true;
}

/** Number of entries in the object table / address of the entries (for the frame writer). */
export function objectCount(p: usize): u32 { return get(p, F_NOBJ); }
export function objectTable(p: usize): usize { return <usize>get(p, F_OBJS); }

export function dataAddress(p: usize): usize { return dataPtr(p); }
export function bytesLeft(p: usize): u32 { return avail(p); }
