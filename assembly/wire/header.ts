// RpcWireHeader: precedes every command after the handshake (16 bytes).
//   0 u32 command   0 TRANSACT, 1 REPLY, 2 DEC_STRONG (anything else ends the session)
//   4 u32 bodySize  bytes that follow this header
//   8 8   reserved  written 0, ignored on receipt
import { put } from "./out";

export const WIRE_HEADER_SIZE: u32 = 16;
export const CMD_TRANSACT: u32 = 0;
export const CMD_REPLY: u32 = 1;
export const CMD_DEC_STRONG: u32 = 2;

export function encodeWireHeader(at: usize, command: u32, bodySize: u32): void {
  store<u32>(at, command);
  store<u32>(at + 4, bodySize);
  store<u64>(at + 8, 0);
}

/** Decode into out: [command, bodySize]. False for an unknown command. */
export function decodeWireHeader(at: usize): bool {
  const command = load<u32>(at);
  put(0, command);
  put(1, load<u32>(at + 4));
  return command <= CMD_DEC_STRONG;
}
