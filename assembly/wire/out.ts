// Decoded wire fields go to a small fixed out-area the facade reads through an Int32Array,
// so decoding a struct costs one call and no allocation.
export const OUT_WORDS: u32 = 16;
export const out: usize = memory.data(64, 8);

@inline export function put(i: u32, v: u32): void { store<u32>(out + (<usize>i << 2), v); }
