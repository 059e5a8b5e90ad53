// RpcWireTransaction: body of TRANSACT (40 bytes), followed by the parcel data and, at v1+,
// the object table (u32 offsets).
//   0  8 address         RpcWireAddress {u32 options, u32 id}; all zero = special transaction
//   8  4 code
//   12 4 flags           FLAG_ONEWAY = 1; others pass through
//   16 8 asyncNumber     oneway ordering per target (0 for two-way)
//   24 4 parcelDataSize  v1+ (reserved, 0, at v0)
//   28 12 reserved
// Address options: bit 0 CREATED, bit 1 FOR_SERVER (set by a server-side session's allocations).
import { put } from "./out";

export const TRANSACTION_SIZE: u32 = 40;
export const ADDRESS_OPTION_CREATED: u32 = 1;
export const ADDRESS_OPTION_FOR_SERVER: u32 = 2;

export function encodeTransaction(at: usize, version: u32, options: u32, id: u32, code: u32, flags: u32,
    asyncLo: u32, asyncHi: u32, dataSize: u32): void {
  store<u32>(at, options);
  store<u32>(at + 4, id);
  store<u32>(at + 8, code);
  store<u32>(at + 12, flags);
  store<u32>(at + 16, asyncLo);
  store<u32>(at + 20, asyncHi);
  store<u32>(at + 24, version >= 1 ? dataSize : 0);
  store<u32>(at + 28, 0);
  store<u64>(at + 32, 0);
}

/** Decode into out: [options, id, code, flags, asyncLo, asyncHi, parcelDataSize]. */
export function decodeTransaction(at: usize): void {
  put(0, load<u32>(at));
  put(1, load<u32>(at + 4));
  put(2, load<u32>(at + 8));
  put(3, load<u32>(at + 12));
  put(4, load<u32>(at + 16));
  put(5, load<u32>(at + 20));
  put(6, load<u32>(at + 24));
}
