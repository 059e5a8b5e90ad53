// Framing of AIDL structured parcelables: an int32 size that counts itself, then the fields.
// Readers stop at start + size, skipping trailing fields they do not know (newer writer) and
// reading defaults for fields that are absent (older writer).
import { get, set, fail, reserve, take, dataPtr } from "./handle";
import { writeInt32 } from "./scalars";
import { F_POS, F_SIZE, E_TRUNCATED, E_BAD_SIZE, E_BAD_POSITION } from "./layout";

/** Write the size placeholder; returns the start position for endParcelable, or -1. */
export function beginParcelable(p: usize): i32 {
  const start = get(p, F_POS);
  return writeInt32(p, 0) ? <i32>start : -1;
}

/** Patch the size at `start` with the bytes written since. */
export function endParcelable(p: usize, start: u32): bool {
  const pos = get(p, F_POS);
  // in u64: a start near 2^32 must not wrap around and patch bytes before the data
  if (<u64>start + 4 > <u64>pos) { fail(p, E_BAD_POSITION, start, pos); return false; }
  store<u32>(dataPtr(p) + <usize>start, pos - start);
  return true;
}

/** Read the size; returns the end position (start + size), or -1 on error. */
export function enterParcelable(p: usize): i32 {
  const start = get(p, F_POS);
  const at = take(p, 4, E_TRUNCATED);
  if (at == 0) return -1;
  const size = load<i32>(at);
  if (size < 4 || <u64>start + <u64>size > <u64>get(p, F_SIZE)) {
    set(p, F_POS, start);
    fail(p, E_BAD_SIZE, start, <u32>size);
    return -1;
  }
  return <i32>(start + <u32>size);
}

/** Move to the end of a parcelable. Reading past its end means the fields overran the size. */
export function exitParcelable(p: usize, end: u32): bool {
  const pos = get(p, F_POS);
  if (pos > end || end > get(p, F_SIZE)) { fail(p, E_BAD_SIZE, pos, end); return false; }
  set(p, F_POS, end);
  return true;
}

/** Skip a block that starts with an int32 size counting itself (fat reply headers, the
 *  EX_PARCELABLE blob). A size of 0 means an empty block. */
export function skipSizedBlock(p: usize): bool {
  const start = get(p, F_POS);
  const at = take(p, 4, E_TRUNCATED);
  if (at == 0) return false;
  const size = load<i32>(at);
  if (size == 0) return true;
  if (size < 4 || <u64>start + <u64>size > <u64>get(p, F_SIZE)) {
    set(p, F_POS, start);
    fail(p, E_BAD_SIZE, start, <u32>size);
    return false;
  }
  set(p, F_POS, start + <u32>size);
  return true;
}

/** Move the position (setDataPosition); positions past the data size are refused. */
export function setPosition(p: usize, pos: u32): bool {
  if (pos > get(p, F_SIZE)) { fail(p, E_BAD_POSITION, pos, get(p, F_SIZE)); return false; }
  set(p, F_POS, pos);
  return true;
}

export { reserve };
