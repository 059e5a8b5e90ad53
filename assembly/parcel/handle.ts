// Allocation and growth of parcel handles. All memory here is unmanaged (heap.alloc/free), so
// the AssemblyScript GC never moves or frees it; the facade owns every handle and frees it.
import {
  F_BUF, F_CAP, F_START, F_SIZE, F_POS, F_OBJS, F_NOBJ, F_OBJCAP, F_ERR, F_ERR_AT, F_ERR_NEED,
  F_MODE, F_MAX, F_NFD, F_BAD_ENTRY, HANDLE_SIZE, DEFAULT_MAX, ALLOC_MAX, MODE_CHECK_TABLE,
  E_TRUNCATED, E_TOO_LARGE, E_BAD_TABLE, E_BAD_OBJECT,
} from "./layout";
import { overlapsObject } from "./table";

@inline export function get(p: usize, f: u32): u32 { return load<u32>(p + f); }
@inline export function set(p: usize, f: u32, v: u32): void { store<u32>(p + f, v); }
@inline export function dataPtr(p: usize): usize { return <usize>get(p, F_BUF) + <usize>get(p, F_START); }

/** Record an error; position is left where the failed operation started. Returns 0 for
 *  convenient `return fail(...)` in value-returning readers. A parcel whose received object
 *  table was refused reports that instead, whatever the read (table.ts). */
export function fail(p: usize, code: u32, at: u32, need: u32): i32 {
  const bad = get(p, F_BAD_ENTRY);
  if (bad != 0) { code = E_BAD_TABLE; need = bad - 1; }
  if (get(p, F_ERR) == 0) {
    set(p, F_ERR, code);
    set(p, F_ERR_AT, at);
    set(p, F_ERR_NEED, need);
  }
  return 0;
}

// Destroyed handles are kept for reuse, with their buffer and object table, while both are
// small: a call makes and frees four parcels (request and reply, on each side), and each
// create/destroy through the allocator costs two allocations and two frees (handle and
// buffer): TLSF's block insert, remove and split were ~4% of a null call's CPU on Bun.
const POOL_MAX: u32 = 32;
/** A handle is kept if its buffer is at most this big (the small parcels of most calls). */
const KEEP_CAP: u32 = 4096 + 128;
/** ... and its object table has at most this many entries. */
const KEEP_OBJS: u32 = 64;
const pool: usize = memory.data(<i32>(POOL_MAX * 4), 4);
let pooled: u32 = 0;

export function create(initial: u32, headroom: u32): usize {
  // an initial capacity is a hint: past the allocation limit, start small and let ensure() refuse
  const cap = headroom + (initial < 64 ? 64 : initial > ALLOC_MAX - headroom ? 64 : initial);
  let p: usize;
  if (pooled > 0) {
    // a pooled handle: zeroed like a new one, keeping its allocations (the buffer if it is big
    // enough, and the object table)
    pooled--;
    p = <usize>load<u32>(pool + (<usize>pooled << 2));
    let buf = get(p, F_BUF), bufCap = get(p, F_CAP);
    const objs = get(p, F_OBJS), objCap = get(p, F_OBJCAP);
    if (bufCap < cap) {
      // allocate before freeing (a trap when memory cannot grow must not leave a freed buffer)
      const next = <u32>heap.alloc(cap);
      heap.free(<usize>buf);
      buf = next;
      bufCap = cap;
    }
    memory.fill(p, 0, HANDLE_SIZE);
    set(p, F_BUF, buf);
    set(p, F_CAP, bufCap);
    set(p, F_OBJS, objs);
    set(p, F_OBJCAP, objCap);
  } else {
    p = heap.alloc(HANDLE_SIZE);
    memory.fill(p, 0, HANDLE_SIZE);
    set(p, F_BUF, <u32>heap.alloc(cap));
    set(p, F_CAP, cap);
  }
  set(p, F_START, headroom);
  set(p, F_MAX, DEFAULT_MAX);
  return p;
}

/** The mode of a handle waiting in the pool (no parcel has it: create() zeroes the mode). */
const MODE_POOLED: u32 = 0x80000000;

export function destroy(p: usize): void {
  // a handle destroyed twice would be handed out twice, to two parcels sharing memory: an
  // internal invariant, so abort (the facade clears its handle on dispose; this must not happen)
  if (get(p, F_MODE) == MODE_POOLED) abort("parcel handle destroyed twice");
  if (pooled < POOL_MAX && get(p, F_CAP) <= KEEP_CAP && get(p, F_OBJCAP) <= KEEP_OBJS) {
    set(p, F_MODE, MODE_POOLED);
    store<u32>(pool + (<usize>pooled << 2), <u32>p);
    pooled++;
    return;
  }
  heap.free(<usize>get(p, F_BUF));
  const objs = get(p, F_OBJS);
  if (objs != 0) heap.free(<usize>objs);
  heap.free(p);
}

/** Handles waiting for reuse (for tests). */
export function pooledHandles(): u32 { return pooled; }

/** Drop contents (keeps the allocation) so a handle can be reused. */
export function reset(p: usize): void {
  set(p, F_SIZE, 0);
  set(p, F_POS, 0);
  set(p, F_NOBJ, 0);
  set(p, F_ERR, 0);
  set(p, F_NFD, 0);
  set(p, F_BAD_ENTRY, 0);
}

/** Make room for `n` more bytes at the position; returns false (error recorded) past the max. */
export function ensure(p: usize, n: u32): bool {
  const pos = get(p, F_POS);
  const end = <u64>pos + <u64>n;
  if (end > <u64>get(p, F_MAX)) { fail(p, E_TOO_LARGE, pos, n); return false; }
  const start = get(p, F_START);
  // keep 64 bytes of tailroom so frame trailers (object table) rarely force a copy
  const need = <u64>start + end;
  const cap = get(p, F_CAP);
  if (need > <u64>cap) {
    // sizes in u64: near 4 GiB a doubled capacity must not wrap to a small buffer
    if (need + 64 > <u64>ALLOC_MAX) { fail(p, E_TOO_LARGE, pos, n); return false; }
    let ncap = <u64>cap * 2;
    if (ncap < need + 64) ncap = need + 64;
    if (ncap > <u64>ALLOC_MAX) ncap = <u64>ALLOC_MAX;
    set(p, F_BUF, <u32>heap.realloc(<usize>get(p, F_BUF), <usize>ncap));
    set(p, F_CAP, <u32>ncap);
  }
  return true;
}

/** Advance the write position by `n`, extending the data size if the write went past it. */
@inline export function advance(p: usize, n: u32): void {
  const pos = get(p, F_POS) + n;
  set(p, F_POS, pos);
  if (pos > get(p, F_SIZE)) set(p, F_SIZE, pos);
}

/** Reserve a padded slot of `n` bytes for writing; returns its address or 0 on error. The
 *  padding bytes are zeroed so the parcel is deterministic (libbinder pads with zeros). */
export function reserve(p: usize, n: u32): usize {
  const padded = (n + 3) & ~3;
  if (padded < n) { fail(p, E_TOO_LARGE, get(p, F_POS), n); return 0; }
  if (!ensure(p, padded)) return 0;
  const at = dataPtr(p) + <usize>get(p, F_POS);
  if (padded != n) store<u32>(at + <usize>(padded - 4), 0);
  advance(p, padded);
  return at;
}

/** Take `n` bytes (padded) of plain data for reading; returns their address or 0 with
 *  E_TRUNCATED. Plain data may not cover an object of a received table (E_BAD_OBJECT): one
 *  load and branch when the parcel has no objects. */
export function take(p: usize, n: u32, code: u32): usize {
  const pos = get(p, F_POS);
  const padded = (<u64>n + 3) & ~(<u64>3);
  if (<u64>pos + padded > <u64>get(p, F_SIZE)) { fail(p, code, pos, n); return 0; }
  if (get(p, F_NOBJ) != 0 && padded != 0 && (get(p, F_MODE) & MODE_CHECK_TABLE) && overlapsObject(p, pos, <u32>padded)) {
    fail(p, E_BAD_OBJECT, pos, n);
    return 0;
  }
  set(p, F_POS, pos + <u32>padded);
  return dataPtr(p) + <usize>pos;
}

/** take() for the words of an object itself (objects.ts checks them against the table). */
export function takeObject(p: usize, n: u32): usize {
  const pos = get(p, F_POS);
  const padded = (n + 3) & ~3;
  if (<u64>pos + <u64>padded > <u64>get(p, F_SIZE)) { fail(p, E_TRUNCATED, pos, n); return 0; }
  set(p, F_POS, pos + padded);
  return dataPtr(p) + <usize>pos;
}

/** Bytes left to read. */
@inline export function avail(p: usize): u32 {
  const pos = get(p, F_POS);
  const size = get(p, F_SIZE);
  return pos < size ? size - pos : 0;
}
