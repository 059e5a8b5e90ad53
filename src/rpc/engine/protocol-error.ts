// The error a peer's broken protocol ends its session with (libbinder terminates the session
// on what RpcState finds malformed).

/** The peer broke the protocol; the session ends. */
export class ProtocolError extends Error {
  override readonly name = "ProtocolError";
}
