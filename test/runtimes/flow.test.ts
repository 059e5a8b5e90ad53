// Backpressure in every runtime's Unix, TLS-over-Unix and TCP adapters, on the BUILT package (fixtures/flow.mjs):
// Node (node:net, and the fd reactor), Deno (Deno.Conn, FFI sockets, node:net) and Bun (Bun
// sockets, and the fd reactor). A peer that stops reading its 1 MiB replies gets its calls left unread
// in its own socket, the server holds at most the mark plus one reply, another session is
// answered meanwhile, and every reply arrives, in order, once the peer reads again.
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { mkdtempSync } from "node:fs";
import { join } from "node:path";
import { Peers, command, path, requireBuilt, scratch, type Runtime } from "./peer.js";

const peers = new Peers();
let work: Awaited<ReturnType<typeof scratch>> | undefined;
beforeAll(async () => { requireBuilt(); work = await scratch("tsb-flow-"); });
afterEach(() => peers.killAll());
afterAll(() => { peers.killAll(); work?.remove(); });

const MiB = 1024 * 1024;
/** limits.maxOutgoingQueueBytes (default) plus one 1 MiB reply frame and its headers. */
const BOUND = MiB + MiB + 16 * 1024;

const expected: Record<Runtime, string[]> = {
  node: ["unix", "unix-fds", "tls-unix", "tcp"], deno: ["unix", "unix-ffi", "unix-net", "tls-unix", "tcp"], bun: ["unix", "unix-fds", "tls-unix", "tcp"],
};

describe("a peer that does not read its replies, in every runtime", () => {
  for (const runtime of ["node", "deno", "bun"] as const) {
    it(`${runtime}: the server stops reading it within the mark, serves others, and loses nothing`, async () => {
      const r = await peers.spawn(`flow ${runtime}`, ...command(runtime, [path("./fixtures/flow.mjs"), mkdtempSync(join(work!.dir, `${runtime}-`)), work!.pkiFile])).object(90_000);
      expect(r.runtime).toBe(runtime);
      for (const name of expected[runtime]) {
        const t = r[name];
        expect(t, `${runtime} ${name}`).toMatchObject({ otherAnswered: true, inOrder: true, servedTotal: r.n });
        expect(t.served, `${runtime} ${name}: calls served before the pause`).toBeLessThan(r.n);
        expect(t.maxBuffered, `${runtime} ${name}: the server's unsent bytes`).toBeLessThanOrEqual(BOUND);
        // loopback TCP's socket buffers grow to several MiB and take all of the peer's calls
        // and some replies: the server drains into them and reads on a little. A Unix
        // socket's are ~200 KiB: the server stays paused and the peer's write backs up.
        if (name === "tcp") continue;
        expect(t.readAfterPause, `${runtime} ${name}: nothing read while paused`).toBe(0);
        expect(t.servedAfterOther, `${runtime} ${name}: none of its calls served while paused`).toBe(t.served);
        // the fd reactor's thread reads on until the pause reaches it (one main-thread turn
        // later): what it read meanwhile waits in the connection, so the peer's 1 MiB of calls
        // may all have left its socket
        if (name === "unix-fds") continue;
        expect(t.peerQueued, `${runtime} ${name}: the peer sees a full socket`).toBeGreaterThan(0);
      }
    }, 120_000);
  }
});
