// Shared helpers for session tests: temp socket paths, a hello service, waiting.
import { chmodSync, mkdirSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Binder, type Parcel, type IBinder, type Logger, type RpcSession } from "../../src/index.js";
import { readException, writeNoException } from "../../src/codegen.js";
import { type TransportConnection } from "../../src/transport.js";
import "../../runtimes/node/index.js";

export function socketPath(name = "s"): string {
  return join(mkdtempSync(join(tmpdir(), "tsb-")), `${name}.sock`);
}

export const HELLO = "hello.IHello";

/** A hand-written IHello service: echo(String) -> String (code 1). */
export class HelloService extends Binder {
  calls = 0;
  constructor() { super(HELLO); }
  protected onTransact(code: number, data: Parcel, reply: Parcel): boolean {
    if (code !== 1) return false;
    data.enforceInterface(HELLO);
    const s = data.readString16();
    this.calls++;
    writeNoException(reply);
    reply.writeString16(s);
    return true;
  }
}

export async function echo(b: IBinder, text: string, flags = 0): Promise<string | null> {
  const data = b.newParcel();
  let reply: Parcel;
  try {
    data.writeInterfaceToken(HELLO);
    data.writeString16(text);
    reply = await b.transact(1, data, flags);
  } finally { data.dispose(); }
  try {
    readException(reply);
    return reply.readString16();
  } finally { reply.dispose(); }
}

/** A logger that keeps what it is given, for tests to look at; `logged(re)` settles with the
 *  first line (already kept or still to come) that matches. */
export function recordingLogger(): Logger & { lines: string[]; logged(re: RegExp): Promise<string> } {
  const lines: string[] = [];
  const waiters: { re: RegExp; resolve: (line: string) => void }[] = [];
  return {
    lines,
    warn: (m: string) => {
      lines.push(m);
      for (const w of waiters.filter((x) => x.re.test(m))) { waiters.splice(waiters.indexOf(w), 1); w.resolve(m); }
    },
    logged: (re: RegExp) => {
      const seen = lines.find((l) => re.test(l));
      return seen !== undefined ? Promise.resolve(seen) : new Promise((resolve) => waiters.push({ re, resolve }));
    },
  };
}

/** Settles when the session has ended (at once if it already has), with the reason. */
export function ended(session: RpcSession): Promise<Error | null> {
  return new Promise((resolve) => session.onEnd(resolve));
}

/** Polls `cond` every few ms until it holds (rejecting after `ms`): only for state that no event
 *  reports (a server's session count, open fds, bytes a socket's peer has read); where there is
 *  an event (a session's end, a death notice, a callback) await that instead. */
export function until(cond: () => boolean, ms = 5000): Promise<void> {
  return new Promise((resolve, reject) => {
    const t0 = Date.now();
    const tick = () => {
      if (cond()) return resolve();
      if (Date.now() - t0 > ms) return reject(new Error("timed out waiting"));
      setTimeout(tick, 5);
    };
    tick();
  });
}

import { buildSync } from "esbuild";
import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";

/** Run a TypeScript fixture in a child node process (bundled on the fly with esbuild).
 *  Resolves once the child prints its first line (its "ready" signal). */
export async function spawnFixture(name: string, args: string[], ids: { uid?: number; gid?: number } = {}): Promise<{ child: ChildProcess; firstLine: string }> {
  const entry = fileURLToPath(new URL(`./fixtures/${name}.ts`, import.meta.url));
  // bundled inside the repo (.tmp/ is ignored) so packages like koffi resolve from node_modules
  // (a child running as another uid gets a world-readable copy in the temp dir instead)
  const dir = ids.uid !== undefined ? tmpdir() : fileURLToPath(new URL("../../.tmp/fixtures/", import.meta.url));
  mkdirSync(dir, { recursive: true });
  const outDir = mkdtempSync(join(dir, `${name}-`));
  if (ids.uid !== undefined) chmodSync(outDir, 0o755);
  const out = join(outDir, `${name}.mjs`);
  buildSync({ entryPoints: [entry], bundle: true, platform: "node", format: "esm", outfile: out, logLevel: "warning",
    packages: "external" });
  const child = spawn(process.execPath, [out, ...args], { stdio: ["ignore", "pipe", "inherit"], ...ids });
  const firstLine = await new Promise<string>((resolve, reject) => {
    let buf = "";
    child.stdout!.on("data", (d) => {
      buf += String(d);
      const nl = buf.indexOf("\n");
      if (nl >= 0) resolve(buf.slice(0, nl));
    });
    child.once("exit", (code) => reject(new Error(`fixture ${name} exited with ${code} before it was ready`)));
  });
  return { child, firstLine };
}

/** A transport connection that sends nothing anywhere and never delivers: for driving a
 *  Connection or a session by hand with onData(). */
export function inertTransport(canPassFds = false): TransportConnection {
  return {
    start() {}, write() {}, close() {}, onDrain() {}, pauseReading() {}, resumeReading() {},
    bufferedAmount: 0, peer: { kind: "anonymous" }, canPassFds, description: "test",
  };
}
