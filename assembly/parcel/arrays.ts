// Arrays and vectors: int32 count (-1 = null), then the elements. The facade copies element
// data with typed-array operations; the core decides the layout and checks every count
// against the bytes actually present before anyone allocates.
//   byte[] (and int8-backed enum arrays): packed bytes, padded to 4 once at the end
//   bool[], char[], int[]: 4 bytes per element
//   long[], double[]: 8 bytes per element
//   String[], parcelable[], binder[]: element by element (the facade loops over the writers)
import { get, set, fail, reserve, take, avail } from "./handle";
import { F_POS, F_OUT_A, E_TRUNCATED, E_BAD_LENGTH, E_TOO_LARGE } from "./layout";

/** Reserve count + count*elemSize bytes (padded); returns the address of the element data
 *  (count already written) or 0 on error. */
export function writeArrayReserve(p: usize, count: u32, elemSize: u32): usize {
  const bytes = <u64>count * <u64>elemSize;
  if (count > 0x7fffffff || bytes > 0x7fffffff) { fail(p, E_TOO_LARGE, get(p, F_POS), count); return 0; }
  const at = reserve(p, 4 + <u32>bytes);
  if (at == 0) return 0;
  store<u32>(at, count);
  return at + 4;
}

/** Read an array header and take its element bytes. Returns the element address with the
 *  count in OUT_A; for null returns 0 with OUT_A = -1; on error returns 0 (error recorded). */
export function readArray(p: usize, elemSize: u32): usize {
  const start = get(p, F_POS);
  const at = take(p, 4, E_TRUNCATED);
  if (at == 0) return 0;
  const count = load<i32>(at);
  if (count == -1) { set(p, F_OUT_A, <u32>-1); return 0; }
  const bytes = <u64>count * <u64>elemSize;
  if (count < 0 || bytes > <u64>avail(p)) {
    set(p, F_POS, start);
    return fail(p, count < 0 ? E_BAD_LENGTH : E_TRUNCATED, start, count < 0 ? <u32>count : <u32>bytes);
  }
  const data = take(p, <u32>bytes, E_TRUNCATED);
  if (data == 0 && bytes != 0) { set(p, F_POS, start); return 0; }
  set(p, F_OUT_A, <u32>count);
  return data == 0 ? 1 : data; // 1 = "present, empty" (never dereferenced)
}

/** Read a count for element-wise arrays (strings, parcelables, binders). Each element needs at
 *  least `minElem` bytes, so a count that cannot fit in what is left is rejected up front.
 *  Returns the count, -1 for null; on error returns -2 (error recorded). */
export function readCount(p: usize, minElem: u32): i32 {
  const start = get(p, F_POS);
  const at = take(p, 4, E_TRUNCATED);
  if (at == 0) return -2;
  const count = load<i32>(at);
  if (count == -1) return -1;
  if (count < 0 || <u64>count * <u64>minElem > <u64>avail(p)) {
    set(p, F_POS, start);
    fail(p, count < 0 ? E_BAD_LENGTH : E_TRUNCATED, start, <u32>count);
    return -2;
  }
  return count;
}
