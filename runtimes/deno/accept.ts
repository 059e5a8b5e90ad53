// The accept loop shared by the Deno listeners.

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
