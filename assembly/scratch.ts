// One growable scratch area for values in transit between JS and the core (UTF-8 bytes from
// TextEncoder.encodeInto, handshake structs). It never moves while a call uses it: growing
// reallocates only between calls, at the facade's request.
//
// After a spike (one huge string) the area shrinks back: a request that fits in KEEP bytes
// while more than KEEP are held frees the big block, so one large value does not pin its
// size of linear memory for the life of the process (the allocator reuses what is freed).
import { ALLOC_MAX } from "./parcel/layout";

let scratchPtr: usize = 0;
let scratchCap: u32 = 0;
const FIRST: u32 = 4096;
const KEEP: u32 = 64 * 1024;

/** Returns an address with at least n bytes (0 if n is past the allocation limit); the facade
 *  refreshes its views afterwards. */
export function scratch(n: u32): usize {
  if (n > scratchCap || (scratchCap > KEEP && n <= KEEP)) {
    if (n > ALLOC_MAX) return 0;
    // in u64: doubling past 2^31 must not wrap to 0 (and loop forever)
    let cap: u64 = n <= KEEP && scratchCap > KEEP ? <u64>KEEP : <u64>(scratchCap == 0 ? FIRST : scratchCap);
    while (cap < <u64>n) cap *= 2;
    if (cap > <u64>ALLOC_MAX) cap = <u64>ALLOC_MAX;
    // free first (nothing in it is kept), so a big block given back is whole for the next
    // allocation; and forget it before allocating: if linear memory cannot grow the allocator
    // traps, and the next call must not free that block a second time
    if (scratchPtr != 0) {
      heap.free(scratchPtr);
      scratchPtr = 0;
      scratchCap = 0;
    }
    scratchPtr = heap.alloc(<usize>cap);
    scratchCap = <u32>cap;
  }
  return scratchPtr;
}
