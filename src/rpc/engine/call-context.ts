// What the code handling an incoming transaction runs inside. libbinder knows the calling
// thread; here the session records the call in an async context (context.ts), so that nested
// calls go out on the connection the caller is blocked on and getCallingIdentity() can answer.
import type { PeerIdentity } from "../transport.js";
import { CallStores } from "../call-stores.js";
import type { Connection, ServeFrame } from "./connection.js";

export interface CallContext {
  /** The session engine serving the call (compared by identity only). */
  readonly session: object;
  readonly connection: Connection;
  /** The two-way call's serve frame; null for a oneway call. */
  readonly frame: ServeFrame | null;
  readonly peer: PeerIdentity;
}

/** Each platform's call-context store (call-stores.ts): a session records the calls it serves
 *  in its platform's. */
export const callStores = new CallStores<CallContext>();

/** The peer identity of the connection the current incoming call arrived on, or null when
 *  not inside an incoming call. */
export function getCallingIdentity(): PeerIdentity | null {
  return callStores.current()?.peer ?? null;
}
