// The AIDL Status header at the start of every reply (libbinder Status::writeToParcel /
// readFromParcel):
//   OK:        int32 0
//   exception: int32 code, String16 message, int32 remote-stack-trace size (0; readers skip
//              that many bytes after the size word), then int32 error code for
//              EX_SERVICE_SPECIFIC (-8), or a sized blob for EX_PARCELABLE (-9)
//   fat headers: EX_HAS_REPLY_HEADER (-128) and EX_HAS_NOTED_APPOPS_REPLY_HEADER (-127) carry
//              a block (int32 size counting itself) that readers skip.
// The facade writes/reads the message string itself; this file owns the code words.
import { get, set, fail, take, avail } from "./handle";
import { skipSizedBlock } from "./parcelable";
import { F_POS, E_TRUNCATED, E_BAD_SIZE } from "./layout";

export const EX_NONE: i32 = 0;
export const EX_SERVICE_SPECIFIC: i32 = -8;
export const EX_PARCELABLE: i32 = -9;
export const EX_HAS_NOTED_APPOPS_REPLY_HEADER: i32 = -127;
export const EX_HAS_REPLY_HEADER: i32 = -128;

/** Read the exception code, skipping fat headers. Returns the code; on error returns
 *  i32.MIN_VALUE (error recorded). */
export function readExceptionCode(p: usize): i32 {
  const start = get(p, F_POS);
  let at = take(p, 4, E_TRUNCATED);
  if (at == 0) return i32.MIN_VALUE;
  let code = load<i32>(at);
  if (code == EX_HAS_NOTED_APPOPS_REPLY_HEADER) {
    if (!skipSizedBlock(p)) { set(p, F_POS, start); return i32.MIN_VALUE; }
    at = take(p, 4, E_TRUNCATED);
    if (at == 0) { set(p, F_POS, start); return i32.MIN_VALUE; }
    code = load<i32>(at);
  }
  if (code == EX_HAS_REPLY_HEADER) {
    if (!skipSizedBlock(p)) { set(p, F_POS, start); return i32.MIN_VALUE; }
    return EX_NONE;
  }
  return code;
}

/** After the message: skip the remote stack trace (size word, then that many bytes). */
export function skipStackTrace(p: usize): bool {
  const start = get(p, F_POS);
  const at = take(p, 4, E_TRUNCATED);
  if (at == 0) return false;
  const size = load<i32>(at);
  if (size < 0 || <u32>size > avail(p)) {
    set(p, F_POS, start);
    fail(p, E_BAD_SIZE, start, <u32>size);
    return false;
  }
  set(p, F_POS, get(p, F_POS) + <u32>size);
  return true;
}
