// The Android 12 ("r34") layout as rsbinder speaks it by default:
//   every message is prefixed with a u32 length (rsbinder-only framing) that counts the
//   16-byte RpcWireHeader and the body;
//   TRANSACT body: 32-byte address, u32 code, u32 flags, u64 asyncNumber, 16 reserved (64);
//   REPLY body: int32 status, then parcel data (no size field, no object table);
//   DEC_STRONG body: the 32-byte address (amount is implicitly 1);
//   no connection handshake; binders are int32 1 + 32 address bytes, no stability word.
import { put } from "./out";

export const R34_PREFIX_SIZE: u32 = 4;
export const R34_ADDRESS_SIZE: u32 = 32;
export const R34_TRANSACTION_SIZE: u32 = 64;
export const R34_REPLY_SIZE: u32 = 4;
export const R34_DEC_STRONG_SIZE: u32 = 32;

/** src: 32 address bytes (0 for the special all-zero address). */
export function encodeR34Transaction(at: usize, src: usize, code: u32, flags: u32, asyncLo: u32, asyncHi: u32): void {
  if (src == 0) memory.fill(at, 0, 32); else memory.copy(at, src, 32);
  store<u32>(at + 32, code);
  store<u32>(at + 36, flags);
  store<u32>(at + 40, asyncLo);
  store<u32>(at + 44, asyncHi);
  memory.fill(at + 48, 0, 16);
}

/** Decode into out: [addressPtr, 0, code, flags, asyncLo, asyncHi]. */
export function decodeR34Transaction(at: usize): void {
  put(0, <u32>at);
  put(1, 0);
  put(2, load<u32>(at + 32));
  put(3, load<u32>(at + 36));
  put(4, load<u32>(at + 40));
  put(5, load<u32>(at + 44));
}
