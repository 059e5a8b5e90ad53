// The Deno adapter (runtimes/deno), on the BUILT package, in real Deno processes spawned from
// here (node_modules/.bin/deno, the npm package `deno`): Deno↔Deno over Unix, TCP, TLS and
// mutual TLS, Deno↔Node both ways over Unix and TCP, TLS refusals, and `deno check`. Each
// session runs test/runtimes/fixtures/deno/peer.mjs on both ends: hello echo (and a 1.5 MiB
// one), a callback (the server calls a binder the client passed), 200 oneway calls in order,
// the caller's identity after an await, and a death notification when the other process is
// killed. DenoConnection's write queue and read loop are unit-tested under `deno test`
// (fixtures/deno/connection.test.mjs). A missing dist/ is a failure.
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { testPki, type TestPki } from "../support/certs.js";

const path = (rel: string) => fileURLToPath(new URL(rel, import.meta.url));
const root = path("../../");
const peerScript = path("./fixtures/deno/peer.mjs");
const deno = path("../../node_modules/.bin/deno");
/** The minimal permissions (runtimes/deno/README.md): Unix sockets need read+write+net on the
 *  socket path; TCP and TLS need net; reading the test PKI file needs read. */
const DENO_PERMISSIONS = ["--allow-read", "--allow-write", "--allow-net"];
const env = { ...process.env, NO_COLOR: "1", DENO_NO_UPDATE_CHECK: "1" };

type Runtime = "deno" | "node";
type Kind = "unix" | "tcp" | "tls" | "mtls" | "tls-unix" | "mtls-unix";

let dir = "";
let pkiFile = "";
let pki: TestPki;
const children: ChildProcess[] = [];

beforeAll(async () => {
  for (const f of ["../../dist/runtimes/deno/index.js", "../../dist/src/index.js", "../../dist/runtimes/node/index.js"]) {
    if (!existsSync(path(f))) throw new Error(`${f.slice(6)} is missing: these tests load the built package; run \`npm run build\` first`);
  }
  expect(existsSync(deno), "node_modules/.bin/deno (npm package `deno`)").toBe(true);
  dir = mkdtempSync(join(tmpdir(), "tsbinder-deno-"));
  pki = await testPki();
  pkiFile = join(dir, "pki.json");
  writeFileSync(pkiFile, JSON.stringify(pki), { mode: 0o600 });
});
afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
});
afterAll(() => { if (dir) rmSync(dir, { recursive: true, force: true }); });

/** A peer process whose stdout is read line by line. */
class Peer {
  readonly lines: string[] = [];
  private stderr = "";
  private waiters: (() => void)[] = [];
  exited = false;

  constructor(readonly name: string, readonly child: ChildProcess) {
    children.push(child);
    let buf = "";
    child.stdout!.setEncoding("utf8").on("data", (d: string) => {
      buf += d;
      let nl;
      while ((nl = buf.indexOf("\n")) >= 0) {
        this.lines.push(buf.slice(0, nl));
        buf = buf.slice(nl + 1);
      }
      this.wake();
    });
    child.stderr!.setEncoding("utf8").on("data", (d: string) => { this.stderr += d; });
    child.on("exit", () => { this.exited = true; this.wake(); });
  }

  private wake(): void { for (const w of this.waiters.splice(0)) w(); }

  /** The first line starting with `prefix` (the rest of it), waiting up to `ms`. */
  async line(prefix: string, ms = 20_000): Promise<string> {
    const deadline = Date.now() + ms;
    for (;;) {
      const hit = this.lines.find((l) => l.startsWith(prefix));
      if (hit !== undefined) return hit.slice(prefix.length).trim();
      if (this.exited) throw new Error(`${this.name} exited before printing ${prefix}\nstdout:\n${this.lines.join("\n")}\nstderr:\n${this.stderr}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`${this.name}: no ${prefix} line within ${ms} ms\nstdout:\n${this.lines.join("\n")}\nstderr:\n${this.stderr}`);
      await new Promise<void>((r) => {
        const t = setTimeout(r, left);
        this.waiters.push(() => { clearTimeout(t); r(); });
      });
    }
  }

  kill(): void { this.child.kill("SIGKILL"); }
}

function startPeer(runtime: Runtime, role: "server" | "client", kind: string, where: string): Peer {
  const args = [peerScript, role, kind, where, pkiFile];
  const child = runtime === "deno"
    ? spawn(deno, ["run", ...DENO_PERMISSIONS, ...args], { env, stdio: ["ignore", "pipe", "pipe"] })
    : spawn(process.execPath, args, { env, stdio: ["ignore", "pipe", "pipe"] });
  return new Peer(`${runtime} ${role} (${kind})`, child);
}

let sockets = 0;
function serverWhere(kind: Kind): string {
  return kind.endsWith("unix") ? join(dir, `s${sockets++}.sock`) : "127.0.0.1";
}

interface Result {
  runtime: string;
  echo: string;
  big: number | string;
  callback: string;
  oneway: { count: number; inOrder: boolean };
  whoami: { kind: string; subject?: string; fingerprint256?: string; reason?: string };
  error?: { name: string; message: string };
}

/** A server and a client; the client runs its checks; then `kill` dies and the other side
 *  must see the death (a death recipient on a binder from the killed process). */
async function session(server: Runtime, client: Runtime, kind: Kind, kill: "server" | "client", clientKind: string = kind): Promise<Result> {
  const s = startPeer(server, "server", kind, serverWhere(kind));
  const address = await s.line("LISTENING");
  const c = startPeer(client, "client", clientKind, address);
  const result = JSON.parse(await c.line("RESULT")) as Result;
  if (result.error) throw new Error(`${c.name}: ${result.error.name}: ${result.error.message}`);
  await s.line("WATCHING"); // the server holds a binder of the client's, with a death recipient
  if (kill === "server") {
    s.kill();
    await c.line("SERVER_DIED", 10_000);
  } else {
    c.kill();
    await s.line("PEER_DIED", 10_000);
  }
  expect(result.echo).toBe(`hello from ${result.runtime}`);
  expect(result.big).toBe(16 * 48 * 1024);
  expect(result.callback).toMatch(new RegExp(`^${server} \\S+ got back: client says: ping$`));
  expect(result.runtime.startsWith(client)).toBe(true);
  expect(result.oneway).toEqual({ count: 200, inOrder: true });
  return result;
}

describe("Deno server, Deno client", () => {
  it("Unix socket (the server is killed: the client's death recipient fires)", async () => {
    const r = await session("deno", "deno", "unix", "server");
    expect(r.whoami.kind).toBe("anonymous");
  }, 60_000);

  it("TCP (the client is killed: the server's death recipient fires)", async () => {
    const r = await session("deno", "deno", "tcp", "client");
    expect(r.whoami).toEqual({ kind: "anonymous", reason: "plain TCP" });
  }, 60_000);

  it("TLS", async () => {
    const r = await session("deno", "deno", "tls", "server");
    expect(r.whoami.kind).toBe("anonymous");
  }, 60_000);

  it("mutual TLS: the server sees the client certificate's subject", async () => {
    const r = await session("deno", "deno", "mtls", "client");
    expect(r.whoami).toMatchObject({ kind: "certificate", subject: pki.clientSubject });
    expect(r.whoami.fingerprint256).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
  }, 60_000);

  it("TLS and mutual TLS checking tlsOpts.serverName rather than the address dialled", async () => {
    // Deno.startTls without a client certificate; node:tls with one (startTls takes none)
    expect((await session("deno", "deno", "tls", "server", "tls-servername")).whoami.kind).toBe("anonymous");
    const r = await session("deno", "deno", "mtls", "server", "mtls-servername");
    expect(r.whoami).toMatchObject({ kind: "certificate", subject: pki.clientSubject });
  }, 60_000);

  it("TLS over a Unix socket", async () => {
    const r = await session("deno", "deno", "tls-unix", "server");
    expect(r.whoami.kind).toBe("anonymous");
  }, 60_000);

  it("mutual TLS over a Unix socket", async () => {
    const r = await session("deno", "deno", "mtls-unix", "client");
    expect(r.whoami).toMatchObject({ kind: "certificate", subject: pki.clientSubject });
  }, 60_000);
});

describe("Deno and Node in one session", () => {
  for (const kind of ["unix", "tcp"] as const) {
    it(`Deno server, Node client over ${kind} (Node client killed: Deno sees it)`, async () => {
      await session("deno", "node", kind, "client");
    }, 60_000);
    it(`Node server, Deno client over ${kind} (Node server killed: Deno sees it)`, async () => {
      await session("node", "deno", kind, "server");
    }, 60_000);
  }
  it("Node server, Deno client over mutual TLS: Node sees the Deno client's certificate", async () => {
    const r = await session("node", "deno", "mtls", "server");
    expect(r.whoami).toMatchObject({ kind: "certificate", subject: pki.clientSubject });
  }, 60_000);
  it("Deno server, Node client over mutual TLS on a Unix socket", async () => {
    const r = await session("deno", "node", "mtls-unix", "client");
    expect(r.whoami).toMatchObject({ kind: "certificate", subject: pki.clientSubject });
  }, 60_000);
});

describe("TLS refusals on Deno", () => {
  async function refused(server: Runtime, serverKind: Kind, clientKind: string): Promise<{ name: string; message: string }> {
    const s = startPeer(server, "server", serverKind, serverWhere(serverKind));
    const address = await s.line("LISTENING");
    const c = startPeer("deno", "client", clientKind, address);
    const r = JSON.parse(await c.line("RESULT")) as Result;
    expect(r.error, "the connection should have been refused").toBeDefined();
    // the server lives on and still serves a client with the right credentials
    const ok = startPeer("deno", "client", serverKind, address);
    expect(JSON.parse(await ok.line("RESULT")).echo).toMatch(/^hello from deno/);
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
