// RpcNewSessionResponse: server -> client, only when a new session was requested (8 bytes).
//   0 u32 version   negotiated: min(client max, server max)
//   4 4   reserved
import { put } from "./out";

export const NEW_SESSION_RESPONSE_SIZE: u32 = 8;

export function encodeNewSessionResponse(at: usize, version: u32): void {
  store<u32>(at, version);
  store<u32>(at + 4, 0);
}

export function decodeNewSessionResponse(at: usize): void {
  put(0, load<u32>(at));
}
