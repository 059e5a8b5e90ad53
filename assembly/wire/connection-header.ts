// RpcConnectionHeader: the first bytes a client writes on every connection (16 bytes, then
// sessionIdSize bytes of session id).
//   0  u32 version        highest wire version the client speaks
//   4  u8  options        bit 0: INCOMING (the server will call the client on it)
//   5  u8  fdMode         0 NONE, 1 UNIX, 2 TRUSTY (reserved at v0; sent by A14+ clients anyway)
//   6  8   reserved       zero
//   14 u16 sessionIdSize  0 = new session, else 32
import { put } from "./out";

export const CONNECTION_HEADER_SIZE: u32 = 16;
export const SESSION_ID_SIZE: u32 = 32;
export const OPTION_INCOMING: u32 = 1;

export function encodeConnectionHeader(at: usize, version: u32, options: u32, fdMode: u32, idSize: u32): void {
  store<u32>(at, version);
  store<u8>(at + 4, <u8>options);
  store<u8>(at + 5, <u8>fdMode);
  store<u64>(at + 6, 0);
  store<u16>(at + 14, <u16>idSize);
}

/** Decode into out: [version, options, fdMode, sessionIdSize]. Returns false if the id size
 *  is neither 0 nor 32 (libbinder drops such a connection). */
export function decodeConnectionHeader(at: usize): bool {
  const idSize = <u32>load<u16>(at + 14);
  put(0, load<u32>(at));
  put(1, <u32>load<u8>(at + 4));
  put(2, <u32>load<u8>(at + 5));
  put(3, idSize);
  return idSize == 0 || idSize == SESSION_ID_SIZE;
}
