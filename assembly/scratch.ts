// One growable scratch area for values in transit between JS and the core (UTF-8 bytes from
// TextEncoder.encodeInto, handshake structs). It never moves while a call uses it: growing
// reallocates only between calls, at the facade's request.
let scratchPtr: usize = 0;
let scratchCap: u32 = 0;

/** Returns an address with at least n bytes; the facade refreshes its views afterwards. */
export function scratch(n: u32): usize {
  if (n > scratchCap) {
    let cap: u32 = scratchCap == 0 ? 4096 : scratchCap;
    while (cap < n) cap *= 2;
    if (scratchPtr != 0) heap.free(scratchPtr);
    scratchPtr = heap.alloc(cap);
    scratchCap = cap;
  }
  return scratchPtr;
}
