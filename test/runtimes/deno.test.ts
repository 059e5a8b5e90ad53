// The Deno adapter (runtimes/deno), on the BUILT package, in real Deno processes spawned from
// here (node_modules/.bin/deno, the npm package `deno`): what matrix.test.ts does not cover.
// The matrix runs Deno against Node, Deno and Bun over Unix, TCP and mutual TLS (echoes, a
// callback, 200 oneways in order, the caller's identity, death both ways); here are Deno's own
// cases: server-only TLS (Deno.listenTls), tlsOpts.serverName (Deno.startTls, or node:tls with a
// client certificate), TLS and mutual TLS over a Unix socket (node:tls), TLS refusals, and
// DenoConnection under `deno test` (fixtures/deno/connection.test.mjs), `deno check`, and the
// adapter's exports. Sessions run fixtures/matrix/peer.mjs (the matrix's script) on both ends,
// with the same checks and death both ways (test/runtimes/peer.ts). A missing dist/ is a failure.
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import type { TestPki } from "../support/certs.js";
import { DENO, Peers, env, path, requireBuilt, root, scratch, session, type SessionResult } from "./peer.js";

type Runtime = "deno" | "node";
type Kind = "tls" | "mtls" | "tls-unix" | "mtls-unix";

const deno = DENO;
let work: Awaited<ReturnType<typeof scratch>> | undefined;
let pki: TestPki;
const peers = new Peers();

beforeAll(async () => {
  requireBuilt();
  work = await scratch("tsbinder-deno-");
  pki = work.pki;
});
afterEach(() => peers.killAll());
afterAll(() => work?.remove());

let sockets = 0;
function serverWhere(kind: Kind): string {
  return kind.endsWith("unix") ? join(work!.dir, `s${sockets++}.sock`) : "127.0.0.1";
}

function pair(server: Runtime, client: Runtime, kind: Kind, clientKind: string = kind): Promise<SessionResult> {
  const label = `[${server} server × ${client} client, ${kind}${clientKind === kind ? "" : ` (client ${clientKind})`}]`;
  return session(peers, { label, server, client, serverKind: kind, clientKind, where: serverWhere(kind), pkiFile: work!.pkiFile });
}

describe("Deno TLS beyond the matrix", () => {
  it("server-only TLS (Deno.listenTls, Deno.connectTls): the client is anonymous", async () => {
    const r = await pair("deno", "deno", "tls");
    expect(r.whoami).toEqual({ kind: "anonymous", reason: "TLS without a client certificate" });
  }, 60_000);

  it("TLS and mutual TLS checking tlsOpts.serverName rather than the address dialled", async () => {
    // Deno.startTls without a client certificate; node:tls with one (startTls takes none)
    expect((await pair("deno", "deno", "tls", "tls-servername")).whoami.kind).toBe("anonymous");
    const r = await pair("deno", "deno", "mtls", "mtls-servername");
    expect(r.whoami).toMatchObject({ kind: "certificate", subject: pki.clientSubject });
  }, 60_000);

  it("TLS over a Unix socket", async () => {
    const r = await pair("deno", "deno", "tls-unix");
    expect(r.whoami.kind).toBe("anonymous");
  }, 60_000);

  it("mutual TLS over a Unix socket, Deno↔Deno and Deno server × Node client", async () => {
    for (const client of ["deno", "node"] as const) {
      const r = await pair("deno", client, "mtls-unix");
      expect(r.whoami).toMatchObject({ kind: "certificate", subject: pki.clientSubject });
    }
  }, 60_000);
});

describe("TLS refusals on Deno", () => {
  async function refused(server: Runtime, serverKind: Kind, clientKind: string): Promise<{ name: string; message: string }> {
    const s = peers.peer(server, ["server", serverKind, serverWhere(serverKind), work!.pkiFile]);
    const address = await s.line("LISTENING");
    const c = peers.peer("deno", ["client", clientKind, address, work!.pkiFile]);
    const r = await c.json<SessionResult>("RESULT");
    expect(r.error, "the connection should have been refused").toBeDefined();
    // the server lives on and still serves a client with the right credentials
    const ok = peers.peer("deno", ["client", serverKind, address, work!.pkiFile]);
    expect((await ok.json<SessionResult>("RESULT")).echo).toMatch(/^hello from deno/);
    return r.error!;
  }

  it("a server certificate from the wrong CA: TlsHandshakeError saying it is not trusted", async () => {
    const e = await refused("deno", "tls", "tls-wrongca");
    expect(e.name).toBe("TlsHandshakeError");
    expect(e.message).toMatch(/server certificate is not trusted.*UnknownIssuer/);
  }, 60_000);

  it("mutual TLS without a client certificate: refused, TlsHandshakeError", async () => {
    const e = await refused("deno", "mtls", "mtls-nocert");
    expect(e.name).toBe("TlsHandshakeError");
    // TLS 1.3: the alert (CertificateRequired) arrives after the client's handshake; if the
    // server's close overtakes it, rustls reports a hang-up instead: both name the cause
    expect(e.message).toMatch(/client certificate/);
  }, 60_000);

  it("mutual TLS with a certificate from another CA: refused, TlsHandshakeError", async () => {
    const e = await refused("deno", "mtls", "mtls-wrongcert");
    expect(e.name).toBe("TlsHandshakeError");
  }, 60_000);

  it("TLS over a Unix socket: wrong CA, and mutual TLS without a certificate", async () => {
    const wrongCa = await refused("deno", "tls-unix", "tls-unix-wrongca");
    expect(wrongCa.name).toBe("TlsHandshakeError");
    expect(wrongCa.message).toMatch(/server certificate is not trusted/);
    const noCert = await refused("deno", "mtls-unix", "mtls-unix-nocert");
    expect(noCert.name).toBe("TlsHandshakeError");
    expect(noCert.message).toMatch(/client certificate/);
  }, 60_000);

  it("a Node mutual-TLS server refuses a Deno client without a certificate", async () => {
    const e = await refused("node", "mtls", "mtls-nocert");
    expect(e.name).toBe("TlsHandshakeError");
    expect(e.message).toMatch(/client certificate/);
  }, 60_000);
});

describe("DenoConnection against a scripted Deno.Conn (deno test)", () => {
  it("coalescing, partial writes, ordering, graceful close, chunk hand-over, end of stream", () => {
    const r = spawnSync(deno, ["test", "--no-check", path("./fixtures/deno/connection.test.mjs")], { cwd: root, env, encoding: "utf8", timeout: 60_000 });
    expect(r.status, `${r.stdout}\n${r.stderr}`).toBe(0);
    expect(r.stdout).toMatch(/ok \| 6 passed \| 0 failed/);
  }, 60_000);
});

describe("the adapter's surface", () => {
  it("deno check of runtimes/deno (and the src/ it imports) is clean", () => {
    const r = spawnSync(deno, ["check", "--quiet", "--no-config", "--sloppy-imports", "--no-lock", "runtimes/deno/index.ts"], { cwd: root, env, encoding: "utf8", timeout: 60_000 });
    expect(r.status, `${r.stdout}\n${r.stderr}`).toBe(0);
  }, 60_000);

  it("exports the same names as the Node adapter", async () => {
    const r = spawnSync(deno, ["eval", "--quiet",
      `const m = await import(${JSON.stringify(new URL("../../dist/runtimes/deno/index.js", import.meta.url).href)}); console.log(JSON.stringify(Object.keys(m).sort()))`],
      { env, encoding: "utf8", timeout: 30_000 });
    expect(r.status, r.stderr).toBe(0);
    const denoNames: string[] = JSON.parse(r.stdout.trim());
    const nodeNames = Object.keys(await import("../../dist/runtimes/node/index.js" as string));
    const shared = ["connectUnix", "listenUnix", "connectTcp", "listenTcp", "connectTls", "listenTls",
      "connectTlsUnix", "listenTlsUnix", "unixTransport", "tcpTransport", "tlsTransport", "tlsUnixTransport", "tlsError", "TlsHandshakeError", "parseHostPort", "formatHostPort", "portOf"];
    for (const n of shared) {
      expect(denoNames, `deno exports ${n}`).toContain(n);
      expect(nodeNames, `node exports ${n}`).toContain(n);
    }
  }, 60_000);
});
