// Scalars: every value is at least 4 bytes; bool, byte and char are widened to int32 as
// libbinder's writeBool/writeByte/writeChar do. No 8-byte alignment for 64-bit values.
import { reserve, take } from "./handle";
import { E_TRUNCATED } from "./layout";

export function writeInt32(p: usize, v: i32): bool {
  const at = reserve(p, 4);
  if (at == 0) return false;
  store<i32>(at, v);
  return true;
}

export function writeFloat(p: usize, v: f32): bool {
  const at = reserve(p, 4);
  if (at == 0) return false;
  store<f32>(at, v);
  return true;
}

export function writeDouble(p: usize, v: f64): bool {
  const at = reserve(p, 8);
  if (at == 0) return false;
  store<f64>(at, v);
  return true;
}

/** int64 from two 32-bit halves (keeps BigInt off the boundary). */
export function writeInt64(p: usize, lo: u32, hi: u32): bool {
  const at = reserve(p, 8);
  if (at == 0) return false;
  store<u32>(at, lo);
  store<u32>(at + 4, hi);
  return true;
}

export function readInt32(p: usize): i32 {
  const at = take(p, 4, E_TRUNCATED);
  return at == 0 ? 0 : load<i32>(at);
}

export function readFloat(p: usize): f32 {
  const at = take(p, 4, E_TRUNCATED);
  return at == 0 ? 0 : load<f32>(at);
}

export function readDouble(p: usize): f64 {
  const at = take(p, 8, E_TRUNCATED);
  return at == 0 ? 0 : load<f64>(at);
}

/** Address of 8 bytes to read as int64 (the facade reads them with a DataView), or 0. */
export function readInt64Slot(p: usize): usize {
  return take(p, 8, E_TRUNCATED);
}
