// Strings as binder lays them out.
//   String16: int32 length in UTF-16 units (-1 = null), units, u16 0 terminator, pad to 4.
//   String8:  int32 byte length (-1 = null), bytes, u8 0 terminator, pad to 4.
//   CString:  bytes, u8 0 terminator, pad to 4 (no length).
// AIDL `String` and `@utf8InCpp String` are both String16 on the wire (golden vectors #25-#27
// and #39-#45 are byte-identical); String8/CString exist for completeness and the vectors.
// A String16 is code units, as a Java or JS string is: a lone surrogate is carried as it is,
// both ways (libbinder's readString16Inplace checks only the length and the terminator).
import { get, set, fail, reserve, take, avail, dataPtr } from "./handle";
import { writeInt32 } from "./scalars";
import { utf16Length, utf8ToUtf16, utf16ToLatin1, utf8Valid } from "./utf";
import { F_POS, F_OUT_A, F_OUT_B, E_TRUNCATED, E_BAD_LENGTH, E_BAD_UTF16, E_BAD_UTF8 } from "./layout";
import { scratch } from "../scratch";

/** Write a String16 from n bytes of UTF-8 at src (placed in scratch memory by the facade). */
export function writeString16Utf8(p: usize, src: usize, n: u32): bool {
  const units = utf16Length(src, n);
  if (units < 0) { fail(p, E_BAD_UTF8, get(p, F_POS), n); return false; }
  const bytes = (<u32>units + 1) << 1;
  const start = get(p, F_POS);
  const at = reserve(p, 4 + bytes);
  if (at == 0) return false;
  store<i32>(at, units);
  // src is scratch memory; reserve() may have moved the parcel but never the scratch area
  utf8ToUtf16(src, n, at + 4);
  store<u16>(at + 4 + (<usize>units << 1), 0);
  return true;
}

/** Write a String16 from `units` UTF-16 code units at src (any units: lone surrogates too). */
export function writeString16Units(p: usize, src: usize, units: u32): bool {
  if (units > 0x3ffffffe) { fail(p, E_BAD_LENGTH, get(p, F_POS), units); return false; }
  const at = reserve(p, 4 + ((units + 1) << 1));
  if (at == 0) return false;
  store<i32>(at, units);
  memory.copy(at + 4, src, <usize>units << 1);
  store<u16>(at + 4 + (<usize>units << 1), 0);
  return true;
}

/** Reserve a String16 of `units` code units: writes the length and the terminator, returns
 *  the address the units go to (the facade fills them with the runtime's own encoder, after
 *  checking the string is well-formed), or 0 with an error recorded. */
export function reserveString16(p: usize, units: u32): usize {
  if (units > 0x3ffffffe) { fail(p, E_BAD_LENGTH, get(p, F_POS), units); return 0; }
  const at = reserve(p, 4 + ((units + 1) << 1));
  if (at == 0) return 0;
  store<i32>(at, units);
  store<u16>(at + 4 + (<usize>units << 1), 0);
  return at + 4;
}

/** Read a String16 (its units as they are; only the terminator is checked). Returns the
 *  address of its units (unit count in OUT_A), 0 for null
 *  (OUT_A = -1), or 0 with an error recorded. With `narrow`, text that is all Latin-1 (most
 *  text, and all ASCII) is also copied to scratch memory one byte per unit, and OUT_B is its
 *  address (else 0): the facade makes a one-byte string of it, half the size and faster to
 *  make and to use than the two-byte string UTF-16 decoding gives. */
export function readString16(p: usize, narrow: bool): usize {
  set(p, F_OUT_B, 0);
  const start = get(p, F_POS);
  const lenAt = take(p, 4, E_TRUNCATED);
  if (lenAt == 0) return 0;
  const len = load<i32>(lenAt);
  if (len == -1) { set(p, F_OUT_A, <u32>-1); return 0; }
  // units + terminator must fit in what is left: no allocation larger than the input
  if (len < 0 || <u64>(<u32>len + 1) * 2 > <u64>avail(p)) {
    set(p, F_POS, start);
    return fail(p, len < 0 ? E_BAD_LENGTH : E_TRUNCATED, start, len < 0 ? <u32>len : (<u32>len + 1) * 2);
  }
  const at = take(p, (<u32>len + 1) << 1, E_TRUNCATED);
  if (at == 0) { set(p, F_POS, start); return 0; }
  if (load<u16>(at + (<usize>len << 1)) != 0) {
    set(p, F_POS, start);
    return fail(p, E_BAD_UTF16, start, <u32>len);
  }
  if (narrow && len > 0) {
    // scratch never moves the parcel's buffer (a separate heap block)
    const dst = scratch(<u32>len);
    if (dst != 0 && utf16ToLatin1(at, <u32>len, dst)) {
      set(p, F_OUT_A, <u32>len);
      set(p, F_OUT_B, <u32>dst);
      return at;
    }
  }
  set(p, F_OUT_A, <u32>len);
  return at;
}

/** Write a String8 from n bytes of UTF-8 at src. */
export function writeString8(p: usize, src: usize, n: u32): bool {
  if (!utf8Valid(src, n)) { fail(p, E_BAD_UTF8, get(p, F_POS), n); return false; }
  const at = reserve(p, 4 + n + 1);
  if (at == 0) return false;
  store<u32>(at, n);
  memory.copy(at + 4, src, n);
  store<u8>(at + 4 + n, 0);
  return true;
}

/** Read a String8: address of the bytes (length in OUT_A), 0 for null (OUT_A = -1) or error. */
export function readString8(p: usize): usize {
  const start = get(p, F_POS);
  const lenAt = take(p, 4, E_TRUNCATED);
  if (lenAt == 0) return 0;
  const len = load<i32>(lenAt);
  if (len == -1) { set(p, F_OUT_A, <u32>-1); return 0; }
  if (len < 0 || <u64>len + 1 > <u64>avail(p)) {
    set(p, F_POS, start);
    return fail(p, len < 0 ? E_BAD_LENGTH : E_TRUNCATED, start, len < 0 ? <u32>len : <u32>len + 1);
  }
  const at = take(p, <u32>len + 1, E_TRUNCATED);
  if (at == 0) { set(p, F_POS, start); return 0; }
  if (load<u8>(at + <usize>len) != 0 || !utf8Valid(at, <u32>len)) {
    set(p, F_POS, start);
    return fail(p, E_BAD_UTF8, start, <u32>len);
  }
  set(p, F_OUT_A, <u32>len);
  return at;
}

/** Write a C string (no length; NUL-terminated, padded). */
export function writeCString(p: usize, src: usize, n: u32): bool {
  if (!utf8Valid(src, n)) { fail(p, E_BAD_UTF8, get(p, F_POS), n); return false; }
  for (let i: u32 = 0; i < n; i++) {
    if (load<u8>(src + i) == 0) { fail(p, E_BAD_UTF8, get(p, F_POS), n); return false; }
  }
  const at = reserve(p, n + 1);
  if (at == 0) return false;
  memory.copy(at, src, n);
  store<u8>(at + n, 0);
  return true;
}

/** Read a C string: address of the bytes (length in OUT_A) or 0 on error. */
export function readCString(p: usize): usize {
  const start = get(p, F_POS);
  const base = dataPtr(p) + <usize>start;
  const left = avail(p);
  let n: u32 = 0;
  while (n < left && load<u8>(base + n) != 0) n++;
  if (n >= left) return fail(p, E_TRUNCATED, start, n + 1);
  if (!utf8Valid(base, n)) return fail(p, E_BAD_UTF8, start, n);
  if (take(p, n + 1, E_TRUNCATED) == 0) return 0;
  set(p, F_OUT_A, n);
  return base;
}

export function writeNullString(p: usize): bool {
  return writeInt32(p, -1);
}
