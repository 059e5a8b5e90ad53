// The Deno listeners' shared parts: the accept loop, the listener handle sessions close, and
// the socket file a Unix listener leaves behind.
import type { TransportListener } from "../../src/rpc/transport.js";
import { socketPath } from "../../src/transports/net.js";

/** Accept connections until the listener is closed; each one goes to `onConn`. A failed
 *  accept that is not the listener closing (EMFILE, a connection reset before it was
 *  accepted) is retried after a pause rather than ending the server's accepting for good. */
export async function acceptLoop<C extends Deno.Conn>(listener: Deno.Listener<C>, onConn: (conn: C) => void): Promise<void> {
  for (;;) {
    let conn: C;
    try {
      conn = await listener.accept();
    } catch (e) {
      if (e instanceof Deno.errors.BadResource || e instanceof Deno.errors.Interrupted) return; // closed
      await new Promise((r) => setTimeout(r, 50));
      continue;
    }
    onConn(conn);
  }
}

/** `listener` accepting into `onConn`, as the handle a server closes: close() stops accepting
 *  (once; connections already accepted belong to their sessions) and then runs `closed`. */
export function serveListener<C extends Deno.Conn>(listener: Deno.Listener<C>, address: string,
    onConn: (conn: C) => void, closed?: () => void): TransportListener {
  void acceptLoop(listener, onConn);
  let done = false;
  return {
    address,
    close: async () => {
      if (done) return;
      done = true;
      try { listener.close(); } catch { /* already closed */ }
      closed?.();
    },
  };
}

/** A socket file left by a previous run would make listen fail with AddrInUse. */
export function removeStaleSocket(address: string): void {
  if (address.startsWith("@")) return; // the abstract namespace has no files
  try {
    if (Deno.lstatSync(address).isSocket) Deno.removeSync(address);
  } catch { /* no such file */ }
}

/** Remove a listener's socket file (abstract sockets have none). */
export function removeSocketFile(address: string): void {
  if (!address.startsWith("@")) { try { Deno.removeSync(socketPath(address)); } catch { /* already gone */ } }
}
