// Shared by the cross-runtime tests: spawning fixtures/matrix/peer.mjs (or another script) under
// Node, Deno or Bun, and reading its stdout line by line. Not a test file itself.
import { expect } from "vitest";
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { testPki, type TestPki } from "../support/certs.js";

export const path = (rel: string) => fileURLToPath(new URL(rel, import.meta.url));
export const root = path("../../");
export const peerScript = path("./fixtures/matrix/peer.mjs");
export const DENO = path("../../node_modules/.bin/deno");
export const BUN = path("../../node_modules/.bin/bun");
/** The permissions without FFI (runtimes/deno/README.md): Unix sockets need read+write+net on
 *  the socket path; TCP and TLS need net; reading the test PKI file needs read. Deno's own
 *  Unix transport: anonymous peers, no fds. */
export const DENO_PERMISSIONS_NO_FFI = [
  "--allow-read", "--allow-write", "--allow-net",
  // the portable-tier pass (build/test.mjs) must reach Deno's adapter too
  ...(process.env.TSBINDER_ACCELERATE !== undefined ? ["--allow-env=TSBINDER_ACCELERATE"] : []),
];
/** What the cross-runtime tests run Deno with: plus --allow-ffi, so Unix sockets go through
 *  libc (runtimes/deno/unix-ffi.ts: SO_PEERCRED, fd passing). */
export const DENO_PERMISSIONS = [...DENO_PERMISSIONS_NO_FFI, "--allow-ffi"];
export const env = { ...process.env, NO_COLOR: "1", DENO_NO_UPDATE_CHECK: "1" };

export type Runtime = "node" | "deno" | "bun";
export const RUNTIMES: readonly Runtime[] = ["node", "deno", "bun"];

/** The built files every runtime loads; a missing one is a failure, not a skip. */
export function requireBuilt(): void {
  for (const f of ["dist/src/index.js", "dist/runtimes/node/index.js", "dist/runtimes/deno/index.js", "dist/runtimes/bun/index.js"]) {
    if (!existsSync(join(root, f))) throw new Error(`${f} is missing: these tests load the built package; run \`npm run build\` (node build/build.mjs) first`);
  }
  for (const [bin, pkg] of [[DENO, "deno"], [BUN, "bun"]] as const) {
    if (!existsSync(bin)) throw new Error(`node_modules/.bin/${pkg} is missing (the npm package \`${pkg}\`): run npm ci`);
  }
}

/** A temp directory (sockets) holding the test PKI as pki.json (mode 0600). */
export async function scratch(prefix: string): Promise<{ dir: string; pki: TestPki; pkiFile: string; remove(): void }> {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const pki = await testPki();
  const pkiFile = join(dir, "pki.json");
  writeFileSync(pkiFile, JSON.stringify(pki), { mode: 0o600 });
  return { dir, pki, pkiFile, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A process whose stdout is read line by line. */
export class Peer {
  readonly lines: string[] = [];
  stderr = "";
  exited: number | string | null = null;
  private waiters: (() => void)[] = [];

  constructor(readonly name: string, readonly child: ChildProcess) {
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
    // "close", not "exit": the process may exit before its last lines are read from the pipe
    child.on("close", (code, signal) => { this.exited = code ?? signal ?? "?"; this.wake(); });
    child.on("error", (e) => { this.stderr += `spawn failed: ${e.message}\n`; this.exited = "spawn error"; this.wake(); });
  }

  private wake(): void { for (const w of this.waiters.splice(0)) w(); }

  private output(): string { return `stdout:\n${this.lines.join("\n")}\nstderr:\n${this.stderr}`; }

  /** The first line starting with `prefix` (the rest of it), waiting up to `ms`. */
  async line(prefix: string, ms = 20_000): Promise<string> {
    return (await this.find((l) => l.startsWith(prefix), `a ${prefix} line`, ms)).slice(prefix.length).trim();
  }

  /** The JSON after the first line starting with `prefix`. */
  async json<T = Record<string, unknown>>(prefix: string, ms?: number): Promise<T> {
    return JSON.parse(await this.line(prefix, ms)) as T;
  }

  /** The first line that is a JSON object, parsed. */
  async object<T = Record<string, any>>(ms = 20_000): Promise<T> {
    return JSON.parse(await this.find((l) => l.startsWith("{"), "a JSON line", ms)) as T;
  }

  private async find(pred: (line: string) => boolean, what: string, ms: number): Promise<string> {
    let hit: string | undefined;
    await this.until(() => (hit = this.lines.find(pred)) !== undefined || this.exited !== null, ms);
    if (hit !== undefined) return hit;
    if (this.exited !== null) throw new Error(`${this.name} exited (${this.exited}) before printing ${what}\n${this.output()}`);
    throw new Error(`${this.name}: no ${what} within ${ms} ms\n${this.output()}`);
  }

  /** Its exit code (or signal) once it has exited by itself, or a note that it had not after `ms`. */
  async exit(ms = 10_000): Promise<number | string> {
    return (await this.until(() => this.exited !== null, ms)) ? this.exited! : `still running after ${ms} ms`;
  }

  /** Re-checks `cond` on every line and on the exit, until it holds or `ms` have passed (a
   *  deadline for a process that hangs, not a sleep). */
  private async until(cond: () => boolean, ms: number): Promise<boolean> {
    const deadline = Date.now() + ms;
    while (!cond()) {
      const left = deadline - Date.now();
      if (left <= 0) return false;
      await new Promise<void>((r) => {
        const t = setTimeout(r, left);
        this.waiters.push(() => { clearTimeout(t); r(); });
      });
    }
    return true;
  }

  kill(signal: NodeJS.Signals = "SIGKILL"): void {
    if (this.exited === null) this.child.kill(signal);
  }
}

/** The processes one test started, killed together at its end (tests may run concurrently,
 *  so each keeps its own). */
export class Peers {
  private readonly all: Peer[] = [];

  /** `args` for fixtures/matrix/peer.mjs, run by `runtime`. */
  peer(runtime: Runtime, args: string[], name = `${runtime} ${args[0]} (${args[1]})`): Peer {
    return this.spawn(name, ...command(runtime, [peerScript, ...args]));
  }

  /** Any command: a script under a runtime (see command()), or an executable. */
  spawn(name: string, cmd: string, args: string[], cwd = root): Peer {
    const p = new Peer(name, spawn(cmd, args, { cwd, env, stdio: ["ignore", "pipe", "pipe"] }));
    this.all.push(p);
    return p;
  }

  killAll(): void { for (const p of this.all.splice(0)) p.kill(); }
}

/** The command line running `args` (a script and its arguments) under `runtime`. */
export function command(runtime: Runtime, args: string[]): [string, string[]] {
  if (runtime === "deno") return [DENO, ["run", ...DENO_PERMISSIONS, ...args]];
  if (runtime === "bun") return [BUN, args];
  return [process.execPath, args];
}

/** Runs async jobs at most `n` at a time (the machine has few cores; each job is processes). */
export function limiter(n: number): <T>(job: () => Promise<T>) => Promise<T> {
  let running = 0;
  const queue: (() => void)[] = [];
  return async (job) => {
    if (running >= n) await new Promise<void>((r) => queue.push(r)); // handed a slot
    else running++;
    try {
      return await job();
    } finally {
      const next = queue.shift();
      if (next) next(); // the slot passes on
      else running--;
    }
  };
}

/** What a client (peer.mjs client) reports. */
export interface SessionResult {
  runtime: string;
  version: number | string;
  echo: string;
  big: number | string;
  concurrent: boolean;
  pipelined: { depth: number; inOrder: boolean };
  callback: string;
  oneway: { count: number; inOrder: boolean };
  whoami: { kind: string; uid?: number; gid?: number; subject?: string; fingerprint256?: string; reason?: string };
  error?: { name: string; message: string; code?: string };
}

export interface SessionSpec {
  /** Names the session in every failure message, e.g. "[deno server × bun client over tcp]". */
  label: string;
  server: Runtime;
  client: Runtime;
  serverKind: string;
  /** The client's kind, when it differs from the server's (a TLS variant, see peer.mjs). */
  clientKind?: string;
  /** The server's socket path, or its host (a free port is picked). */
  where: string;
  pkiFile: string;
}

/** One session with three processes: a server; a client that runs the checks (echoes, the
 *  callback, the oneway burst, the identity); a watcher. The client is killed: the server's
 *  proxy of the client's binder must die (and not the watcher's). Then the server is killed: the
 *  watcher's proxy of the server's root must die. Returns the client's result, its common
 *  checks passed; the caller checks the identity. */
export async function session(peers: Peers, spec: SessionSpec): Promise<SessionResult> {
  const { label, server, client, serverKind } = spec;
  const clientKind = spec.clientKind ?? serverKind;
  const s = peers.peer(server, ["server", serverKind, spec.where, spec.pkiFile], `${label} ${server} server`);
  const address = await s.line("LISTENING");
  const c = peers.peer(client, ["client", clientKind, address, spec.pkiFile, "client"], `${label} ${client} client`);
  const w = peers.peer(client, ["watch", clientKind, address, spec.pkiFile, "watcher"], `${label} ${client} watcher`);
  const r = await c.json<SessionResult>("RESULT");
  if (r.error) throw new Error(`${label} the client could not connect: ${r.error.name}: ${r.error.message}`);

  expect(r.runtime, `${label} client runtime`).toMatch(new RegExp(`^${client} `));
  expect(r.echo, `${label} echo`).toBe(`hello from ${r.runtime}`);
  expect(r.big, `${label} 1.5 MiB echo`).toBe(16 * 48 * 1024);
  expect(r.concurrent, `${label} 16 concurrent 256 KiB echoes`).toBe(true);
  expect(r.pipelined, `${label} 48 echoes pipelined on one connection`).toEqual({ depth: 16, inOrder: true });
  expect(r.callback, `${label} callback`).toMatch(new RegExp(`^${server} \\S+ got back: client says: ping$`));
  expect(r.oneway, `${label} 200 oneway calls`).toEqual({ count: 200, inOrder: true });
  expect(r.version, `${label} protocol version`).toBe(2);

  // death both ways
  await s.line("WATCHING client");
  await w.line("READY");
  await s.line("WATCHING watcher");
  c.kill();
  await s.line("PEER_DIED client", 10_000);
  expect(s.lines, `${label} only the killed client's binder died`).not.toContain("PEER_DIED watcher");
  s.kill();
  await w.line("SERVER_DIED", 10_000);
  return r;
}
