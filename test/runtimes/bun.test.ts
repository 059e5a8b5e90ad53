// The Bun adapter (tsbinder/bun, Bun's own sockets), BUILT (dist/), in real Bun processes: what
// matrix.test.ts does not cover. The matrix runs Bun against Node, Deno and Bun over Unix, TCP
// and mutual TLS (echoes, a callback, 200 oneways in order, the caller's identity, death both
// ways); here are Bun's own cases:
//   - mutual TLS on a Unix socket, Bun↔Bun and Bun↔Node each side as server, the client
//     checking tlsOpts.serverName (same checks and death both ways, test/runtimes/peer.ts);
//   - TLS refusals with clear errors (wrong CA, wrong server name, mutual TLS without a client
//     certificate), the server unharmed;
//   - the transport itself (fixtures/bun/transport.mjs): coalesced writes, order under
//     backpressure, close() flushing staged bytes, bytes that arrive before start() kept;
//   - Bun's data handler hands out fresh chunks (fixtures/bun/chunks.mjs: why no copy is made);
//   - a `bun build --compile` executable of examples/bun-hello, alone in an empty directory,
//     serving a Node client (the wasm core is inside it);
//   - file descriptors over Unix sockets (fixtures/bun/fds.mjs; runtimes/bun/unix-fds.ts),
//     Bun↔Bun and Bun↔Node each side as server: a pipe's write end passed and written by the
//     other side, 100 fds in one call, an fd in a reply, 2,000 calls with fds and no fd leak on
//     either side (nor after 20 sessions came and went), a session without fds refused
//     (FDS_NOT_ALLOWED) 200 replies that would carry one with no fd leaked by the server, and a
//     Bun process exits by itself once its session (or server) is shut down.
// Sessions run fixtures/matrix/peer.mjs (the matrix's script, unchanged in every runtime). A
// missing dist/ is a failure, not a skip.
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestPki } from "../support/certs.js";
import { BUN, Peers, command, env, path, requireBuilt, root, scratch, session, type SessionResult } from "./peer.js";

type Runtime = "bun" | "node";
const fixtures = path("./fixtures/bun/");

let work: Awaited<ReturnType<typeof scratch>> | undefined;
let pki: TestPki;
const peers = new Peers();

beforeAll(async () => {
  requireBuilt();
  work = await scratch("tsb-bun-");
  pki = work.pki;
});
afterEach(() => peers.killAll());
afterAll(() => work?.remove());

let sockets = 0;
const socketPath = () => join(work!.dir, `s${sockets++}.sock`);

describe("mutual TLS on a Unix socket", () => {
  const pairs: [Runtime, Runtime][] = [["bun", "bun"], ["bun", "node"], ["node", "bun"]];
  for (const [server, client] of pairs) {
    it(`${server} server, ${client} client (tlsOpts.serverName "localhost")`, async () => {
      const label = `[${server} server × ${client} client over mutual TLS on a Unix socket]`;
      const r = await session(peers, { label, server, client, serverKind: "mtls-unix", clientKind: "mtls-unix-servername", where: socketPath(), pkiFile: work!.pkiFile });
      // the server names the client by its certificate
      expect(r.whoami).toMatchObject({ kind: "certificate", subject: pki.clientSubject });
      expect(r.whoami.fingerprint256).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
    });
  }
});

describe("TLS refusals", () => {
  /** A mutual-TLS server in `server`, a `client` whose kind is `clientKind`: its error. */
  async function refused(server: Runtime, client: Runtime, clientKind: string): Promise<{ server: ReturnType<Peers["peer"]>; address: string; error: NonNullable<SessionResult["error"]> }> {
    const s = peers.peer(server, ["server", "mtls", "127.0.0.1", work!.pkiFile]);
    const address = await s.line("LISTENING");
    const r = await peers.peer(client, ["client", clientKind, address, work!.pkiFile]).json<SessionResult>("RESULT");
    expect(r.error, "the connection should have been refused").toBeDefined();
    return { server: s, address, error: r.error! };
  }

  for (const serverRt of ["bun", "node"] as const) {
    it(`a Bun client that does not trust the ${serverRt} server's CA gets a clear error`, async () => {
      const { error } = await refused(serverRt, "bun", "mtls-wrongca");
      expect(error.name).toBe("TlsHandshakeError");
      expect(error.message).toMatch(/server certificate is not trusted/);
      expect(error.message).toMatch(/tlsOpts\.ca/);
    });

    it(`a Bun client checks the ${serverRt} server's certificate is for the name it asked for`, async () => {
      const { error } = await refused(serverRt, "bun", "mtls-wrongname");
      expect(error.name).toBe("TlsHandshakeError");
      expect(error.message).toMatch(/not valid for this name/);
    });

    it(`a Bun client without a client certificate is refused by a mutual-TLS ${serverRt} server`, async () => {
      const { server, address, error } = await refused(serverRt, "bun", "mtls-nocert");
      expect(error.name).toBe("TlsHandshakeError");
      expect(error.message).toMatch(/client certificate/);
      // the server is unharmed: a proper client still gets in
      const ok = await peers.peer("bun", ["client", "mtls", address, work!.pkiFile]).json<SessionResult>("RESULT");
      expect(ok.error).toBeUndefined();
      expect(ok.echo).toBe(`hello from ${ok.runtime}`);
      expect(ok.oneway).toEqual({ count: 200, inOrder: true });
      expect(ok.whoami).toMatchObject({ kind: "certificate", subject: pki.clientSubject });
      expect(server.exited).toBeNull();
    });
  }

  it("a Node client without a client certificate is refused by a mutual-TLS Bun server", async () => {
    const { error } = await refused("bun", "node", "mtls-nocert");
    expect(error.name).toBe("TlsHandshakeError");
    expect(error.message).toMatch(/client certificate/);
  });
});

/** A Bun-only script of fixtures/bun that prints one JSON line. */
async function bunScript(script: string): Promise<Record<string, any>> {
  const p = peers.spawn(`bun ${script}`, ...command("bun", [join(fixtures, script)]));
  return p.object();
}

describe("Bun specifics", () => {
  it("chunks from a Bun socket's data handler are not reused after it returns (no copy needed)", async () => {
    const r = await bunScript("chunks.mjs");
    expect(r.bytes).toBe(4_000_000);
    expect(r.chunks).toBeGreaterThan(1);
    expect(r.changed).toBe(0);
    expect(r.distinctBuffers).toBe(r.chunks);
  });

  it("the transport: coalesced writes, write turns, lent frames, lent reads, held replies, order under backpressure, close flushes, early bytes kept", async () => {
    const r = await bunScript("transport.mjs");
    expect(r.coalesce).toEqual({ writes: 2, inOrder: true }); // the first frame at once, the other 199 together
    expect(r.turn).toEqual({ first: 1, noRead: 1, flushed: 2, inRead: 3, inOrder: true }); // a read begins a turn
    expect(r.lent).toEqual({ took: true, second: false, same: true, tail: 1 }); // writeNow keeps nothing of the caller's
    expect(r.held).toEqual({ before: 0, writes: 2, inOrder: true }); // 17 replies in one write; a lone held one on the next turn
    const order = r.order as { ok: boolean; stagedWhilePaused: number; leftStaged: number; bigNotLent: boolean };
    expect(order.ok).toBe(true);
    expect(r.smallReadsLent).toBe(true); // small reads come lent from one buffer
    expect(order.bigNotLent).toBe(true); // big ones as Bun made them
    expect(order.stagedWhilePaused).toBeGreaterThan(0); // the socket did push back
    expect(order.leftStaged).toBe(0);
    const close = r.close as { staged: number; bytes: number; expected: number; error: string | null };
    expect(close.staged).toBeGreaterThan(0);
    expect(close.bytes).toBe(close.expected);
    expect(close.error).toBeNull();
    expect(r.early).toBe("before start");
  });

  it("a `bun build --compile` hello server, alone in an empty directory, serves a Node client", async () => {
    const build = mkdtempSync(join(tmpdir(), "tsb-bun-exe-build-"));
    const alone = mkdtempSync(join(tmpdir(), "tsb-bun-exe-run-"));
    try {
      const exe = join(build, "hello-server");
      const r = spawnSync(BUN, ["build", "--compile", join(root, "examples/bun-hello/serve.ts"), "--outfile", exe],
        { cwd: root, env, encoding: "utf8", timeout: 45_000 });
      expect(r.status, `${r.stdout}\n${r.stderr}`).toBe(0);
      copyFileSync(exe, join(alone, "hello-server"));
      rmSync(build, { recursive: true, force: true }); // nothing of the build is left to read
      expect(readdirSync(alone)).toEqual(["hello-server"]);
      for (const kind of ["unix", "tcp"] as const) {
        const where = kind === "unix" ? socketPath() : "127.0.0.1:0";
        const server = peers.spawn(`compiled hello-server ${kind}`, join(alone, "hello-server"), [kind, where], alone);
        const ready = await server.line("hello service listening on ");
        const address = ready.slice(ready.indexOf(`${kind}:`) + kind.length + 1);
        const client = peers.peer("node", ["hello", kind, address, `compiled ${kind}`]);
        expect(await client.line("ECHO")).toBe(`compiled ${kind}`);
        server.kill("SIGTERM");
      }
    } finally {
      rmSync(build, { recursive: true, force: true });
      rmSync(alone, { recursive: true, force: true });
    }
  }, 60_000);
});


describe.runIf(process.platform === "linux")("file descriptors over Unix sockets (SCM_RIGHTS through bun:ffi)", () => {
  interface FdResult {
    runtime: string; server: string; stillOurs: boolean; pipe: string;
    whoami: Record<string, unknown>; me: { pid: number; uid: number; gid: number };
    hundred: { distinct: number; inOrder: boolean }; reply: string; replyEof: boolean;
    many: { calls: number; sameInode: boolean; repliesOk: boolean; before: { client: number; server: number }; after: { client: number; server: number } };
    sessions: { count: number; before: { client: number; server: number }; after: { client: number; server: number } };
    refused: { statuses: (number | string)[]; before: number; after: number; write: number | string };
  }
  /** libbinder's FDS_NOT_ALLOWED (UNKNOWN_ERROR + 7). */
  const FDS_NOT_ALLOWED = -2147483648 + 7;
  const pairs: [Runtime, Runtime][] = [["bun", "bun"], ["bun", "node"], ["node", "bun"]];
  for (const [serverRt, clientRt] of pairs) {
    it(`${serverRt} server, ${clientRt} client: pipes both ways, 100 fds in a call, 2,000 calls without a leak, clean exit`, async () => {
      const label = `[${serverRt} server × ${clientRt} client, fds]`;
      const where = socketPath();
      const server = peers.spawn(`${label} server`, ...command(serverRt, [join(fixtures, "fds.mjs"), "server", where]));
      await server.line("LISTENING");
      const client = peers.spawn(`${label} client`, ...command(clientRt, [join(fixtures, "fds.mjs"), "client", where]));
      const r = await client.json<FdResult>("RESULT", 60_000);
      expect(r.runtime, label).toMatch(new RegExp(`^${clientRt} `));
      expect(r.server, label).toMatch(new RegExp(`^${serverRt} `));
      expect(r.whoami, `${label} the server names the client by SO_PEERCRED`).toEqual({ kind: "unix", ...r.me });
      expect(r.stillOurs, `${label} the caller's descriptor stays open`).toBe(true);
      expect(r.pipe, `${label} the server wrote into the passed pipe`).toBe("through the pipe");
      expect(r.hundred, `${label} 100 fds in one call`).toEqual({ distinct: 100, inOrder: true });
      expect(r.reply, `${label} an fd in a reply`).toBe("from the server");
      expect(r.replyEof, `${label} the server's write end was closed`).toBe(true);
      expect(r.many.calls).toBe(2000);
      expect(r.many.sameInode, `${label} 1,000 calls passing an fd`).toBe(true);
      expect(r.many.repliesOk, `${label} 1,000 replies carrying an fd`).toBe(true);
      expect(r.many.after.client - r.many.before.client, `${label} client fds ${JSON.stringify(r.many)}`).toBeLessThanOrEqual(2);
      expect(r.many.after.server - r.many.before.server, `${label} server fds ${JSON.stringify(r.many)}`).toBeLessThanOrEqual(2);
      expect(r.sessions.after, `${label} fds after 20 sessions came and went ${JSON.stringify(r.sessions)}`).toEqual(r.sessions.before);
      expect(r.refused.statuses, `${label} replies with an fd to a session without fds`).toEqual([FDS_NOT_ALLOWED]);
      expect(r.refused.after, `${label} server fds after 200 refused replies ${JSON.stringify(r.refused)}`).toBe(r.refused.before);
      expect(r.refused.write, `${label} writing an fd on a session without fds`).toBe(FDS_NOT_ALLOWED);
      // a Bun client exits by itself once its session is shut down (the reactor thread does not
      // hold the process), and a Bun server once it is shut down (after its client has gone)
      if (clientRt === "bun") expect(await client.exit(), `${label} the Bun client's exit`).toBe(0);
      if (serverRt === "bun") {
        await server.line("SHUTDOWN DONE");
        expect(await server.exit(), `${label} the Bun server's exit`).toBe(0);
      }
    }, 90_000);
  }
});
