// Pipelined calls: a tsbinder-to-tsbinder extension (docs/protocol.md §6.1).
//
// The binder wire answers a TRANSACT with a REPLY that carries no call id, so libbinder puts
// one call on a connection at a time. Its server still reads a connection's commands in order
// and replies in that order, so a client could send several calls back to back and match the
// replies first-in first-out -- except when the server calls back (nested) while serving the
// first: a call sent behind it would then look like a nested call and be served, and replied
// to, out of turn. So a pipelined call is marked: FLAG_TOP_LEVEL says "a new call, never a
// nested one; serve it after what you are doing on this connection".
//
// Peers agree first, with a special transaction libbinder and rsbinder do not know (they answer
// UNKNOWN_TRANSACTION, and the client keeps one call per connection). The client asks only when
// it has more calls than free connections, so a session that never needs it sends exactly what
// libbinder's client sends.

/** Special transaction (address zero): request int32 = the depth the client wants (calls in
 *  flight per connection); reply int32 = the depth the server accepts (1 = no pipelining). */
export const SPECIAL_PIPELINE_DEPTH = 0x54530001;

/** Transaction flag of a top-level two-way call on a session that agreed to pipelining. Binder
 *  defines no flag in this bit; it is sent only to a peer that answered SPECIAL_PIPELINE_DEPTH. */
export const FLAG_TOP_LEVEL = 0x00400000;

/** Calls in flight on one connection that a side asks for and accepts by default. */
export const DEFAULT_PIPELINE_DEPTH = 16;
