// RpcDecStrong: body of DEC_STRONG (16 bytes; bodySize must be exactly 16).
//   0 8 address  RpcWireAddress
//   8 4 amount   references returned
//   12 4 reserved
import { put } from "./out";

export const DEC_STRONG_SIZE: u32 = 16;

export function encodeDecStrong(at: usize, options: u32, id: u32, amount: u32): void {
  store<u32>(at, options);
  store<u32>(at + 4, id);
  store<u32>(at + 8, amount);
  store<u32>(at + 12, 0);
}

/** Decode into out: [options, id, amount]. */
export function decodeDecStrong(at: usize): void {
  put(0, load<u32>(at));
  put(1, load<u32>(at + 4));
  put(2, load<u32>(at + 8));
}
