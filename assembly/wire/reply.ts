// RpcWireReply: body of REPLY. v0: int32 status only (4 bytes). v1+: int32 status,
// u32 parcelDataSize, 12 reserved (20 bytes). Then parcel data and (v1+) the object table.
// A non-zero status is a status_t failure; the data is then empty/ignored.
import { put } from "./out";

export function replySize(version: u32): u32 {
  return version == 0 ? 4 : 20;
}

export function encodeReply(at: usize, version: u32, status: i32, dataSize: u32): void {
  store<i32>(at, status);
  if (version >= 1) {
    store<u32>(at + 4, dataSize);
    store<u32>(at + 8, 0);
    store<u64>(at + 12, 0);
  }
}

/** Decode into out: [status, parcelDataSize (v1+)]. */
export function decodeReply(at: usize, version: u32): void {
  put(0, load<u32>(at));
  put(1, version >= 1 ? load<u32>(at + 4) : 0);
}
