// Shared by the bench client (run.mjs) and the server child (server.mjs): loading the built
// package, the benchmark service's wire contract, and the raw length-prefixed echo framing.
import { existsSync, readdirSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");

/** Import the BUILT package (what users get), or exit with a clear message. */
export async function loadDist({ warnIfStale = false } = {}) {
  const core = join(ROOT, "dist", "src", "index.js");
  const node = join(ROOT, "dist", "runtimes", "node", "index.js");
  for (const f of [core, node]) {
    if (!existsSync(f)) {
      console.error(`bench: ${f.slice(ROOT.length + 1)} is missing. Build the package first: npm run build`);
      process.exit(2);
    }
  }
  const stale = warnIfStale && newestSource(join(ROOT, "src"), join(ROOT, "runtimes"), join(ROOT, "assembly"));
  if (warnIfStale && stale && stale.mtimeMs > statSync(core).mtimeMs) {
    console.error(`bench: warning: ${stale.path.slice(ROOT.length + 1)} is newer than dist/; run npm run build to measure the current code`);
  }
  // the entries merged: tsbinder, /codegen (transactCall, ...), /transport (connectSession, ...), /node
  const entries = [core, join(ROOT, "dist", "src", "codegen.js"), join(ROOT, "dist", "src", "transport.js"), node];
  return Object.assign({}, ...await Promise.all(entries.map((f) => import(pathToFileURL(f).href))));
}

/** Warn when a source file is newer than dist/ (the bench would measure old code). */
export function warnIfStale() {
  const core = join(ROOT, "dist", "src", "index.js");
  const stale = newestSource(join(ROOT, "src"), join(ROOT, "runtimes"), join(ROOT, "assembly"));
  if (existsSync(core) && stale && stale.mtimeMs > statSync(core).mtimeMs) {
    console.error(`bench: warning: ${stale.path.slice(ROOT.length + 1)} is newer than dist/; run npm run build to measure the current code`);
  }
}

/** The most recently modified .ts file under the given directories. */
function newestSource(...dirs) {
  let best = null;
  const walk = (dir) => {
    if (!existsSync(dir)) return;
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith(".ts") && !e.name.endsWith(".d.ts")) {
        const m = statSync(p).mtimeMs;
        if (!best || m > best.mtimeMs) best = { path: p, mtimeMs: m };
      }
    }
  };
  dirs.forEach(walk);
  return best;
}

// ---- the benchmark service (hand-written, the shape an AIDL stub has) ---------------------

export const BENCH_DESCRIPTOR = "bench.IBench";
/** void ping(): interface token in, Status OK out. */
export const CODE_PING = 1;
/** String echo(String s). */
export const CODE_ECHO = 2;

// ---- raw echo framing: u32 little-endian length, then the payload -----------------------

/**
 * Collects length-prefixed messages from stream chunks and calls `onMessage(buf)` with each
 * whole message (prefix included). The common case — one chunk holding exactly one message —
 * costs no copy; split or coalesced chunks are handled correctly.
 */
export function rawFramer(onMessage) {
  let pending = null; // Buffer holding a partial message
  return (chunk) => {
    let buf = pending ? Buffer.concat([pending, chunk]) : chunk;
    pending = null;
    let off = 0;
    while (buf.length - off >= 4) {
      const len = buf.readUInt32LE(off);
      if (buf.length - off < 4 + len) break;
      onMessage(off === 0 && buf.length === 4 + len ? buf : buf.subarray(off, off + 4 + len));
      off += 4 + len;
    }
    if (off < buf.length) pending = Buffer.from(buf.subarray(off));
  };
}

/** A raw message: 4-byte length then `n` payload bytes. */
export function rawMessage(n) {
  const b = Buffer.alloc(4 + n, 0x61);
  b.writeUInt32LE(n, 0);
  return b;
}

// ---- codes of the bench service beyond ping/echo (see systems/tsbinder.mjs) ------------
/** byte[] bytes(byte[] b): the array back. */
export const CODE_BYTES = 3;
/** double[] callback(IBinder cb, int n): the server calls cb n times (nested in this call) and
 *  answers how long each took (ms, timed in the server). */
export const CODE_CALLBACK = 4;
/** oneway void seq(int i): the server checks that i follows the previous one. */
export const CODE_ONEWAY_SEQ = 5;
/** int[] seqCheck(): [calls received, out-of-order count]; resets both. */
export const CODE_SEQ_CHECK = 6;
/** void hold(IBinder[] bs): the server keeps the proxies. */
export const CODE_HOLD = 7;
/** long[] memory(): the server collects garbage and answers [heap, external, rss, wasm]. */
export const CODE_MEMORY = 8;
/** void release(): the server drops what hold() kept. */
export const CODE_RELEASE = 9;
/** the client callback's only method: void ping() */
export const CODE_CB_PING = 1;
export const CALLBACK_DESCRIPTOR = "bench.ICallback";
/** FLAG_ONEWAY of IBinder.transact. */
export const FLAG_ONEWAY_VALUE = 0x01;
