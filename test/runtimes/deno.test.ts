// The Deno adapter (runtimes/deno), on the BUILT package, in real Deno processes spawned from
// here (node_modules/.bin/deno, the npm package `deno`): what matrix.test.ts does not cover.
// The matrix runs Deno against Node, Deno and Bun over Unix, TCP and mutual TLS (echoes, a
// callback, 200 oneways in order, the caller's identity, death both ways); here are Deno's own
// cases: server-only TLS (Deno.listenTls), tlsOpts.serverName (Deno.startTls, or node:tls with a
// client certificate), TLS and mutual TLS over a Unix socket (node:tls), TLS refusals, and
// DenoConnection under `deno test` (fixtures/deno/connection.test.mjs), `deno check`, and the
// adapter's exports; and Unix sockets through FFI (--allow-ffi: peer credentials, fd passing
// Deno↔Deno and Deno↔Node, no fd leak; fixtures/deno/fds.mjs) against the fallback without it;
// and the call-context store (fixtures/deno/context.mjs). Sessions run fixtures/matrix/peer.mjs (the matrix's script) on both ends,
// with the same checks and death both ways (test/runtimes/peer.ts). A missing dist/ is a failure.
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import type { TestPki } from "../support/certs.js";
import {
  DENO, DENO_PERMISSIONS, DENO_PERMISSIONS_NO_FFI, Peers, env, path, requireBuilt, root, scratch, session, type SessionResult,
} from "./peer.js";

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

describe("Unix sockets through FFI (--allow-ffi): peer credentials and file descriptors", () => {
  const fdsScript = path("./fixtures/deno/fds.mjs");
  type FdsResult = {
    runtime: string; pid: number; whoami: Record<string, unknown>; pipe: string; hundred: { n: number; inOrder: boolean }; back: string;
    concurrent: { connections: number; echoed: boolean; tagged: boolean };
    churn: { sessions: number; before: { client: number; server: number }; after: { client: number; server: number } };
    leak: { calls: number; before: { client: number; server: number }; after: { client: number; server: number } };
    error?: { name: string; message: string };
  };
  const run = (runtime: "deno" | "deno-no-ffi" | "node", args: string[]) => {
    const name = `${runtime} fds.mjs ${args[0]}`;
    if (runtime === "node") return peers.spawn(name, process.execPath, [fdsScript, ...args]);
    return peers.spawn(name, deno, ["run", ...(runtime === "deno" ? DENO_PERMISSIONS : DENO_PERMISSIONS_NO_FFI), fdsScript, ...args]);
  };
  const me = () => ({ uid: process.getuid!(), gid: process.getgid!() });

  async function fdSession(server: "deno" | "node", client: "deno" | "node"): Promise<FdsResult> {
    const label = `[${server} server × ${client} client]`;
    const s = run(server, ["server", serverWhere("tls-unix")]);
    const address = await s.line("LISTENING");
    const c = run(client, ["client", address, "2000"]);
    const r = await c.json<FdsResult>("RESULT", 120_000);
    expect(r.error, `${label} connect`).toBeUndefined();
    // the server saw this very client process (SO_PEERCRED, taken at accept)
    expect(r.pid, `${label} client pid`).toBe(c.child.pid);
    expect(r.whoami, `${label} identity`).toEqual({ kind: "unix", pid: c.child.pid, ...me() });
    expect(r.pipe, `${label} a pipe's write end, written by the server`).toBe(`to ${c.child.pid}`);
    expect(r.hundred, `${label} 100 fds in one call`).toEqual({ n: 100, inOrder: true });
    expect(r.back, `${label} an fd in a reply`).toBe("made by the server");
    expect(r.concurrent, `${label} 12 big calls with fds in flight over 4 connections`).toEqual({ connections: 4, echoed: true, tagged: true });
    const { before, after } = r.leak;
    expect(Math.abs(after.client - before.client), `${label} open fds in the client ${JSON.stringify(r.leak)}`).toBeLessThanOrEqual(4);
    expect(Math.abs(after.server - before.server), `${label} open fds in the server ${JSON.stringify(r.leak)}`).toBeLessThanOrEqual(4);
    const churn = r.churn;
    expect(churn.after.client - churn.before.client, `${label} client fds after 50 sessions came and went ${JSON.stringify(churn)}`).toBeLessThanOrEqual(2);
    expect(churn.after.server - churn.before.server, `${label} server fds after 50 sessions came and went ${JSON.stringify(churn)}`).toBeLessThanOrEqual(2);
    console.log(`[deno ffi] ${label} ${r.leak.calls} calls passing an fd: open fds client ${before.client} → ${after.client}, server ${before.server} → ${after.server}; ` +
      `after ${churn.sessions} sessions came and went: client ${churn.before.client} → ${churn.after.client}, server ${churn.before.server} → ${churn.after.server}`);
    return r;
  }

  it("Deno server × Deno client: the client's uid/gid/pid; fds both ways, 100 in one call; no leak over 2,000 calls", async () => {
    await fdSession("deno", "deno");
  }, 120_000);

  it("Deno server × Node client: the Node process's uid/gid/pid; fds both ways; no leak in the Deno server", async () => {
    await fdSession("deno", "node");
  }, 120_000);

  it("Node server × Deno client: fds both ways; no leak in the Deno client", async () => {
    await fdSession("node", "deno");
  }, 120_000);

  it("without --allow-ffi: Deno's own transport, anonymous peers, a request for fds refused", async () => {
    const s = run("deno-no-ffi", ["server", serverWhere("tls-unix")]);
    const address = await s.line("LISTENING");
    for (const client of ["deno", "node"] as const) {
      const w = run(client, ["whoami", address]);
      expect((await w.json<{ whoami: unknown }>("WHOAMI")).whoami)
        .toEqual({ kind: "anonymous", reason: "Deno does not expose SO_PEERCRED (without --allow-ffi)" });
    }
    const c = run("deno-no-ffi", ["client", address]);
    const r = await c.json<FdsResult>("RESULT");
    expect(r.error?.name).toBe("HandshakeError");
    expect(r.error?.message).toMatch(/cannot carry file descriptors/);
    // and a Deno client without FFI still sees a Deno server with it as usual
    const ffiServer = run("deno", ["server", serverWhere("tls-unix")]);
    const w = run("deno-no-ffi", ["whoami", await ffiServer.line("LISTENING")]);
    expect((await w.json<{ whoami: unknown; pid: number }>("WHOAMI")).whoami).toEqual({ kind: "unix", pid: w.child.pid, ...me() });
  }, 60_000);

  it("sessions without fds ride Deno's node:net sockets: SO_PEERCRED through libc, frames by send(2), no FFI sockets", async () => {
    const s = run("deno", ["server-plain", serverWhere("tls-unix")]);
    const address = await s.line("LISTENING");
    for (const client of ["deno", "node"] as const) {
      const w = run(client, ["whoami", address]);
      const r = await w.json<{ whoami: unknown; server: string; client: string }>("WHOAMI");
      expect(r.whoami, `${client} client`).toEqual({ kind: "unix", pid: w.child.pid, ...me() });
      // send(2) is an acceleration: the portable-tier pass (TSBINDER_ACCELERATE=0) writes through the stream
      const kind = process.env.TSBINDER_ACCELERATE === "0" ? "NodeSocketConnection" : "NodeSocketConnection+send";
      expect(r.server, `${client} client`).toBe(kind);
      expect(r.client, `${client} client`).toBe(kind);
    }
    // and a session that asks for fds still gets libc-owned sockets, on both sides
    const f = run("deno", ["server", serverWhere("tls-unix")]);
    const c = run("deno", ["client", await f.line("LISTENING"), "50"]);
    const r = await c.json<FdsResult>("RESULT", 60_000);
    expect(r.hundred).toEqual({ n: 100, inOrder: true });
  }, 60_000);

  it("echo calls Deno↔Deno on each Unix transport (their latency is a bench row: bench/run.mjs)", async () => {
    const setups = [
      ["Deno.connect (no FFI)", "deno-no-ffi", "server"],
      ["node:net + SO_PEERCRED (FFI, no fds)", "deno", "server-plain"],
      ["libc sockets (a server in fd mode)", "deno", "server"],
    ] as const;
    for (const [name, mode, role] of setups) {
      const s = run(mode, [role, serverWhere("tls-unix")]);
      const b = run(mode, ["bench", await s.line("LISTENING"), "300"]);
      const r = await b.json<{ calls: number }>("BENCH", 60_000);
      expect(r.calls, name).toBe(300);
      s.kill();
    }
  }, 120_000);
});

describe("the call-context store (runtimes/deno/context.ts)", () => {
  interface ContextResult {
    kind: string; carried: Record<string, string[]>; isolated: boolean; outside: unknown[];
    whoami: { kind: string; pid: number } | null; pid: number;
  }
  const check = (mode: string[]): ContextResult => {
    const r = spawnSync(deno, ["run", ...DENO_PERMISSIONS, path("./fixtures/deno/context.mjs"), ...mode], { cwd: root, env, encoding: "utf8", timeout: 60_000 });
    expect(r.status, r.stderr).toBe(0);
    const line = r.stdout.split("\n").find((l) => l.startsWith("CONTEXT "));
    expect(line, r.stdout).toBeDefined();
    return JSON.parse(line!.slice("CONTEXT ".length));
  };
  const expectCarried = (r: ContextResult) => {
    expect(Object.keys(r.carried).sort()).toEqual(["await", "nextTick", "queueMicrotask", "setImmediate", "setTimeout", "then"]);
    for (const [way, seen] of Object.entries(r.carried)) expect(seen, way).toEqual(["ours/als", "ours/als"]);
    expect(r.isolated).toBe(true);
    expect(r.outside).toEqual([null, null]);
    expect(r.whoami).toMatchObject({ kind: "unix", pid: r.pid });
  };

  it("Deno's async context mapping: carried by every way of scheduling work, alongside a user's AsyncLocalStorage, one value per call", () => {
    const r = check([]);
    // the mapping is an acceleration: the portable-tier pass (TSBINDER_ACCELERATE=0) gets the other
    expect(r.kind).toBe(process.env.TSBINDER_ACCELERATE === "0" ? "AsyncLocalStorage" : "async-context-mapping");
    expectCarried(r);
  }, 60_000);

  it("without Deno's internal core object: AsyncLocalStorage, with the same results", () => {
    const r = check(["hide-core"]);
    expect(r.kind).toBe("AsyncLocalStorage");
    expectCarried(r);
  }, 60_000);
});

describe("DenoConnection against a scripted Deno.Conn (deno test)", () => {
  it("coalescing, partial writes, ordering, graceful close, lent reads, writeNow's staging, end of stream", () => {
    const r = spawnSync(deno, ["test", "--no-check", path("./fixtures/deno/connection.test.mjs")], { cwd: root, env, encoding: "utf8", timeout: 60_000 });
    expect(r.status, `${r.stdout}\n${r.stderr}`).toBe(0);
    expect(r.stdout).toMatch(/ok \| 8 passed \| 0 failed/);
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
