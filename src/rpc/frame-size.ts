// How large a frame a peer accepts, and the tsbinder extension that raises it (protocol.md
// §6.2).
//
// libbinder allocates each incoming message body in one piece and refuses any larger than
// kMaxTransactionAllocation (RpcState.cpp CommandData): 100,000 bytes up to Android 15, 600 KiB
// (kRpcTransactionLimitBytes, Constants.h) from Android 16. A server connection that gets a
// larger TRANSACT stops reading it and the session ends; a client waiting for a larger REPLY
// gets NO_MEMORY with the body left unread, and the connection is out of step from then on.
// Android 16's client refuses to send a request that large (FAILED_TRANSACTION) and its
// server answers FAILED_TRANSACTION instead of such a reply. rsbinder takes up to 64 MiB.
//
// So a session sends at most SessionLimits.maxSentFrameBody (default: the conservative
// 100,000) to a peer that has not said it takes more, and refuses a larger request or reply
// with FAILED_TRANSACTION before any byte of it is written. Between tsbinder peers the client
// asks at connect (after GET_SESSION_ID) with a special transaction libbinder and rsbinder do
// not know (they answer UNKNOWN_TRANSACTION, and the default stays): each side tells the other
// the largest body it accepts (its maxFrameBody), so a small request may get a large reply.

/** Special transaction (address zero): request int32 = the largest frame body the client
 *  accepts; reply int32 = the largest the server accepts. */
export const SPECIAL_MAX_FRAME_BODY = 0x54530002;

/** libbinder's kMaxTransactionAllocation up to Android 15 (RpcState.cpp). */
export const LIBBINDER_MAX_BODY = 100_000;

/** Bytes of a frame after its RpcWireHeader (and r34 length prefix): what libbinder allocates
 *  (`lead`: bytes in front of the frame in the same buffer, a DEC_STRONG before a REPLY). */
export function frameBody(frame: Uint8Array, headerSize: number, lead = 0): number {
  return frame.length - lead - headerSize;
}
