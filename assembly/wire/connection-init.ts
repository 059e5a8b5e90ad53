// RpcOutgoingConnectionInit ("cci"): written by whichever side will call on the connection,
// read by the side that will serve it (8 bytes).
//   0 4 msg       "cci\0"
//   4 4 reserved
export const CONNECTION_INIT_SIZE: u32 = 8;
const CCI: u32 = 0x00696363; // "cci\0" little-endian

export function encodeConnectionInit(at: usize): void {
  store<u32>(at, CCI);
  store<u32>(at + 4, 0);
}

/** libbinder compares the first 4 bytes only. */
export function checkConnectionInit(at: usize): bool {
  return load<u32>(at) == CCI;
}
