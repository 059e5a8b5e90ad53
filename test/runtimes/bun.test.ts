// The Bun adapter (tsbinder/bun, Bun's own sockets), BUILT (dist/), in real Bun processes:
//   - Bun server and Bun client over Unix, TCP, TLS and TLS on a Unix socket (mutual TLS: the
//     server names the client by its certificate);
//   - Bun <-> Node, each side as server, over the same four: echo, a callback (the server
//     calls a binder the client passed, after an await), a burst of 200 oneways in order, a
//     1 MiB echo (partial writes), and death notifications when the other process is killed;
//   - TLS refusals with clear errors (wrong CA, wrong server name, mutual TLS without a client
//     certificate);
//   - the transport itself (fixtures/bun/transport.mjs): coalesced writes, order under
//     backpressure, close() flushing staged bytes, bytes that arrive before start() kept;
//   - Bun's data handler hands out fresh chunks (fixtures/bun/chunks.mjs: why no copy is made);
//   - a `bun build --compile` executable of examples/bun-hello, alone in an empty directory,
//     serving a Node client (the wasm core is inside it).
// The fixtures are in ./fixtures/bun; they run unchanged in Node and Bun (fixtures/bun/adapter.mjs
// picks the adapter). A missing dist/ is a failure, not a skip.
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { copyFileSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { testPki, type TestPki } from "../support/certs.js";

const path = (rel: string) => fileURLToPath(new URL(rel, import.meta.url));
const root = path("../../");
const fixtures = path("./fixtures/bun/");
const BUN = path("../../node_modules/.bin/bun");
const env = { ...process.env, NO_COLOR: "1" };

type Runtime = "bun" | "node";
type Kind = "unix" | "tcp" | "tls" | "tls-unix";

/** A child process whose stdout is read line by line. */
class Proc {
  readonly lines: string[] = [];
  stderr = "";
  exited: number | string | null = null;
  private waiters: (() => void)[] = [];
  constructor(readonly child: ChildProcess, readonly label: string) {
    let buf = "";
    child.stdout!.on("data", (d) => {
      buf += String(d);
      let nl: number;
      while ((nl = buf.indexOf("\n")) >= 0) {
        this.lines.push(buf.slice(0, nl));
        buf = buf.slice(nl + 1);
      }
      this.wake();
    });
    child.stderr!.on("data", (d) => { this.stderr += String(d); });
    child.on("exit", (code, signal) => { this.exited = code ?? signal; this.wake(); });
  }
  private wake(): void { for (const w of this.waiters.splice(0)) w(); }
  /** The first line matching `pred` (waiting for it), JSON-parsed when `json`. */
  async line(pred: (l: string) => boolean, ms = 15_000): Promise<string> {
    const t0 = Date.now();
    for (;;) {
      const hit = this.lines.find(pred);
      if (hit !== undefined) return hit;
      if (this.exited !== null) throw new Error(`${this.label} exited (${this.exited}) without the expected line\nstdout:\n${this.lines.join("\n")}\nstderr:\n${this.stderr}`);
      if (Date.now() - t0 > ms) throw new Error(`${this.label}: timed out\nstdout:\n${this.lines.join("\n")}\nstderr:\n${this.stderr}`);
      await new Promise<void>((r) => { this.waiters.push(r); setTimeout(r, 200); });
    }
  }
  async json(pred: (o: Record<string, unknown>) => boolean = () => true): Promise<Record<string, unknown>> {
    const l = await this.line((s) => { try { return pred(JSON.parse(s)); } catch { return false; } });
    return JSON.parse(l);
  }
  kill(signal: NodeJS.Signals = "SIGKILL"): void { if (this.exited === null) this.child.kill(signal); }
}

const procs: Proc[] = [];
function start(runtime: Runtime | string, script: string, args: string[], cwd = fixtures): Proc {
  const cmd = runtime === "bun" ? BUN : runtime === "node" ? process.execPath : runtime;
  const argv = runtime === "bun" || runtime === "node" ? [join(fixtures, script), ...args] : args;
  const p = new Proc(spawn(cmd, argv, { cwd, env, stdio: ["ignore", "pipe", "pipe"] }), `${runtime} ${script} ${args.join(" ")}`);
  procs.push(p);
  return p;
}
afterEach(() => { for (const p of procs.splice(0)) p.kill(); });

let tmp: string;
let pki: TestPki;
const tlsFile: Record<string, string> = {};
beforeAll(async () => {
  if (!existsSync(join(root, "dist/runtimes/bun/index.js"))) {
    throw new Error("dist/runtimes/bun/index.js is missing: these tests load the built package; run `npm run build` (node build/build.mjs) first");
  }
  expect(existsSync(BUN), "node_modules/.bin/bun (npm package `bun`)").toBe(true);
  tmp = mkdtempSync(join(tmpdir(), "tsb-bun-"));
  pki = await testPki();
  const files: Record<string, object> = {
    server: { cert: pki.serverCert, key: pki.serverKey, ca: pki.caCert, requestClientCert: true },
    client: { ca: pki.caCert, cert: pki.clientCert, key: pki.clientKey, serverName: "localhost" },
    wrongCa: { ca: pki.wrongCaCert, cert: pki.clientCert, key: pki.clientKey, serverName: "localhost" },
    wrongName: { ca: pki.caCert, cert: pki.clientCert, key: pki.clientKey, serverName: "elsewhere.example" },
    noCert: { ca: pki.caCert, serverName: "localhost" },
  };
  for (const [name, value] of Object.entries(files)) {
    tlsFile[name] = join(tmp, `${name}.json`);
    writeFileSync(tlsFile[name]!, JSON.stringify(value));
  }
});
afterAll(() => { if (tmp) rmSync(tmp, { recursive: true, force: true }); });

let socketCount = 0;
function serverArgs(kind: Kind): string[] {
  if (kind === "unix") return ["unix", join(tmp, `s${socketCount++}.sock`)];
  if (kind === "tcp") return ["tcp", "127.0.0.1:0"];
  if (kind === "tls-unix") return ["tls-unix", join(tmp, `s${socketCount++}.sock`), tlsFile.server!];
  return ["tls", "127.0.0.1:0", tlsFile.server!];
}
async function startServer(runtime: Runtime, kind: Kind): Promise<{ server: Proc; address: string }> {
  const server = start(runtime, "server.mjs", serverArgs(kind));
  const ready = await server.line((l) => l.startsWith("ready "));
  return { server, address: ready.slice("ready ".length) };
}
const clientArgs = (kind: Kind, address: string, tls = "client", stay = false) =>
  [kind, address, ...(kind.startsWith("tls") ? [tlsFile[tls]!] : []), ...(stay ? ["--stay"] : [])];

function expectScenario(r: Record<string, unknown>, client: Runtime, kind: Kind): void {
  expect(r.error, JSON.stringify(r.error)).toBeUndefined();
  expect(r.runtime).toMatch(new RegExp(`^${client} `));
  expect(r.version).toBe(2);
  expect(r.echo).toBe(`hello from ${r.runtime}`);
  expect(r.callback).toBe(`called back in ${r.runtime} (via callback)`);
  expect(r.oneway).toEqual({ count: 200, inOrder: true });
  expect(r.big).toBe(1 << 20);
  expect(r.concurrent).toBe(true);
  // read in the server after an await: the call context survived it
  expect(r.identity).not.toBeNull();
  const identity = r.identity as { kind: string; subject?: string; fingerprint256?: string };
  if (kind === "tls" || kind === "tls-unix") {
    // mutual TLS: the server names the client by its certificate
    expect(identity.kind).toBe("certificate");
    expect(identity.subject).toBe(pki.clientSubject);
    expect(identity.fingerprint256).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
  } else if (kind === "tcp") {
    expect(identity.kind).toBe("anonymous");
  } else {
    // Unix sockets: SO_PEERCRED (koffi in Node, bun:ffi in Bun), the client process's uid
    expect(identity).toMatchObject({ kind: "unix", uid: process.getuid!(), gid: process.getgid!() });
  }
}

/** Everything for one pairing: scenario, then the client killed (the server's proxy of the
 *  client's callback dies), then the server killed (the client's root proxy dies). */
async function pairing(serverRt: Runtime, clientRt: Runtime, kind: Kind): Promise<void> {
  const { server, address } = await startServer(serverRt, kind);
  const c1 = start(clientRt, "client.mjs", clientArgs(kind, address, "client", true));
  expectScenario(await c1.json((o) => "runtime" in o || "error" in o), clientRt, kind);
  c1.kill();
  expect(await server.json((o) => o.event === "held-died")).toMatchObject({ runtime: expect.stringMatching(new RegExp(`^${serverRt} `)) });
  const c2 = start(clientRt, "client.mjs", clientArgs(kind, address, "client", true));
  expectScenario(await c2.json((o) => "runtime" in o || "error" in o), clientRt, kind);
  server.kill();
  expect(await c2.json((o) => o.event === "root-died")).toMatchObject({ runtime: expect.stringMatching(new RegExp(`^${clientRt} `)) });
}

describe("Bun server, Bun client", () => {
  for (const kind of ["unix", "tcp", "tls", "tls-unix"] as const) {
    it(`over ${kind}`, () => pairing("bun", "bun", kind));
  }
});

describe("Bun and Node in one session", () => {
  for (const kind of ["unix", "tcp", "tls", "tls-unix"] as const) {
    it(`Bun server, Node client, over ${kind}`, () => pairing("bun", "node", kind));
    it(`Node server, Bun client, over ${kind}`, () => pairing("node", "bun", kind));
  }
});

describe("TLS refusals", () => {
  for (const serverRt of ["bun", "node"] as const) {
    it(`a Bun client that does not trust the ${serverRt} server's CA gets a clear error`, async () => {
      const { address } = await startServer(serverRt, "tls");
      const r = await start("bun", "client.mjs", clientArgs("tls", address, "wrongCa")).json();
      const error = r.error as { name: string; message: string; code?: string };
      expect(error.name).toBe("TlsHandshakeError");
      expect(error.message).toMatch(/server certificate is not trusted/);
      expect(error.message).toMatch(/tlsOpts\.ca/);
    });

    it(`a Bun client checks the ${serverRt} server's certificate is for the name it asked for`, async () => {
      const { address } = await startServer(serverRt, "tls");
      const r = await start("bun", "client.mjs", clientArgs("tls", address, "wrongName")).json();
      const error = r.error as { name: string; message: string };
      expect(error.name).toBe("TlsHandshakeError");
      expect(error.message).toMatch(/not valid for this name/);
    });

    it(`a Bun client without a client certificate is refused by a mutual-TLS ${serverRt} server`, async () => {
      const { server, address } = await startServer(serverRt, "tls");
      const r = await start("bun", "client.mjs", clientArgs("tls", address, "noCert")).json();
      const error = r.error as { name: string; message: string };
      expect(error.name).toBe("TlsHandshakeError");
      expect(error.message).toMatch(/client certificate/);
      // the server is unharmed: a proper client still gets in
      const ok = await start("bun", "client.mjs", clientArgs("tls", address)).json();
      expectScenario(ok, "bun", "tls");
      expect(server.exited).toBeNull();
    });
  }

  it("a Node client without a client certificate is refused by a mutual-TLS Bun server", async () => {
    const { address } = await startServer("bun", "tls");
    const r = await start("node", "client.mjs", clientArgs("tls", address, "noCert")).json();
    const error = r.error as { name: string; message: string };
    expect(error.name).toBe("TlsHandshakeError");
    expect(error.message).toMatch(/client certificate/);
  });
});

describe("Bun specifics", () => {
  it("chunks from a Bun socket's data handler are not reused after it returns (no copy needed)", async () => {
    const r = await start("bun", "chunks.mjs", []).json();
    expect(r.bytes).toBe(4_000_000);
    expect(r.chunks).toBeGreaterThan(1);
    expect(r.changed).toBe(0);
    expect(r.distinctBuffers).toBe(r.chunks);
  });

  it("the transport: coalesced writes, order under backpressure, close flushes, early bytes kept", async () => {
    const r = await start("bun", "transport.mjs", []).json();
    expect(r.coalesce).toEqual({ writes: 1, inOrder: true });
    const order = r.order as { ok: boolean; stagedWhilePaused: number; leftStaged: number };
    expect(order.ok).toBe(true);
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
        const where = kind === "unix" ? join(tmp, "exe.sock") : "127.0.0.1:0";
        const server = start(join(alone, "hello-server"), "hello-server", [kind, where], alone);
        const ready = await server.line((l) => l.startsWith("hello service listening on "));
        const address = ready.slice(ready.indexOf(`${kind}:`) + kind.length + 1);
        const client = start("node", "hello-client.mjs", [kind, address, `compiled ${kind}`]);
        expect(await client.json()).toEqual({ echo: `compiled ${kind}` });
        server.kill("SIGTERM");
      }
    } finally {
      rmSync(build, { recursive: true, force: true });
      rmSync(alone, { recursive: true, force: true });
    }
  }, 60_000);
});
