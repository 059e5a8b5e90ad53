// Bun: its own socket API (Bun.connect / Bun.listen) against the node:net compatibility layer,
// over a Unix socket, with the server in a second Bun process. Not a test; run after
// `npm run build`:
//   node_modules/.bin/bun bench/bun-echo.mjs [--quick]
// Rows:
//   raw echo        64-byte sequential round trips: Bun.connect/Bun.listen vs node:net
//   stream          64 MiB one way, 16 KiB writes, with backpressure: Bun sockets vs node:net
//   tsbinder echo   IHello.echo("hello") round trips on the built package: the Bun adapter vs
//                   the Node adapter's node:net transport, both run under Bun
import * as net from "node:net";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

if (typeof Bun === "undefined") {
  console.error("run this with bun: node_modules/.bin/bun bench/bun-echo.mjs");
  process.exit(2);
}
const quick = process.argv.includes("--quick");
const ROUND_TRIPS = quick ? 3_000 : 20_000;
const CALLS = quick ? 2_000 : 10_000;
const STREAM_BYTES = 64 * 1024 * 1024;
const dist = new URL("../dist/", import.meta.url);
const fixtures = new URL("../test/runtimes/fixtures/", import.meta.url);

// ---- the server process -----------------------------------------------------------------
if (process.argv[2] === "serve") {
  const [, , , kind, path] = process.argv;
  if (kind === "bun-echo") {
    // echo with Bun's own API: write back what came, queue what the socket did not take
    const pending = new Map();
    const flush = (s) => {
      const q = pending.get(s);
      while (q && q.length) {
        const b = q[0];
        const n = s.write(b);
        if (n < b.length) { q[0] = b.subarray(Math.max(n, 0)); return; }
        q.shift();
      }
    };
    Bun.listen({ unix: path, socket: {
      binaryType: "uint8array",
      open(s) { pending.set(s, []); },
      data(s, d) {
        const q = pending.get(s);
        if (q.length) { q.push(d); return; }
        const n = s.write(d);
        if (n < d.length) q.push(d.subarray(Math.max(n, 0)));
      },
      drain: flush,
      close(s) { pending.delete(s); },
    } });
  } else if (kind === "node-echo") {
    net.createServer((s) => s.on("data", (d) => s.write(d)).on("error", () => {})).listen(path);
  } else if (kind === "bun-sink") {
    // count bytes until the client ends, then answer with the count
    Bun.listen({ unix: path, socket: {
      binaryType: "uint8array",
      open(s) { s.data = { total: 0 }; },
      data(s, d) { s.data.total += d.length; },
      end(s) { s.write(String(s.data.total)); s.end(); },
    } });
  } else if (kind === "node-sink") {
    net.createServer({ allowHalfOpen: true }, (s) => {
      let total = 0;
      s.on("data", (d) => { total += d.length; }).on("end", () => s.end(String(total))).on("error", () => {});
    }).listen(path);
  } else if (kind === "tsbinder-bun" || kind === "tsbinder-node") {
    const { RpcServer } = await import(new URL("src/index.js", dist).href);
    const { HelloService } = await import(new URL("hello.mjs", fixtures).href);
    const transport = kind === "tsbinder-bun"
      ? (await import(new URL("runtimes/bun/index.js", dist).href)).unixTransport
      : (await import(new URL("runtimes/node/index.js", dist).href)).unixTransport;
    const server = new RpcServer();
    server.addService("hello", new HelloService());
    await server.listen(transport, path);
  }
  await new Promise((r) => setTimeout(r, 50));
  console.log("ready");
  setInterval(() => {}, 1 << 30);
} else {
  await main();
}

async function startServer(dir, kind, n) {
  const path = join(dir, `${kind}-${n}.sock`);
  const child = Bun.spawn([process.execPath, import.meta.path, "serve", kind, path], { stdout: "pipe", stderr: "inherit" });
  const reader = child.stdout.getReader();
  const { value } = await reader.read();
  if (!new TextDecoder().decode(value).includes("ready")) throw new Error(`server ${kind} did not start`);
  reader.releaseLock();
  return { path, stop: () => child.kill("SIGKILL") };
}

/** Sequential 64-byte round trips with Bun.connect. */
async function rawBun(path) {
  let want = 0, resolve = null;
  const s = await Bun.connect({ unix: path, socket: {
    binaryType: "uint8array",
    data(_s, d) { want -= d.length; if (want <= 0 && resolve) { const r = resolve; resolve = null; r(); } },
  } });
  const msg = new Uint8Array(64).fill(7);
  const once = () => new Promise((r) => { want = msg.length; resolve = r; s.write(msg); });
  for (let i = 0; i < 500; i++) await once();
  const t = performance.now();
  for (let i = 0; i < ROUND_TRIPS; i++) await once();
  const ms = performance.now() - t;
  s.end();
  return ms;
}

/** Sequential 64-byte round trips with node:net (Bun's compatibility layer). */
async function rawNode(path) {
  const s = net.connect(path);
  s.setNoDelay?.(true);
  await new Promise((r) => s.once("connect", r));
  const msg = new Uint8Array(64).fill(7);
  let want = 0, resolve = null;
  s.on("data", (d) => { want -= d.length; if (want <= 0 && resolve) { const r = resolve; resolve = null; r(); } });
  const once = () => new Promise((r) => { want = msg.length; resolve = r; s.write(msg); });
  for (let i = 0; i < 500; i++) await once();
  const t = performance.now();
  for (let i = 0; i < ROUND_TRIPS; i++) await once();
  const ms = performance.now() - t;
  s.destroy();
  return ms;
}

/** 64 MiB in 16 KiB writes through Bun.connect, honouring backpressure (drain). */
async function streamBun(path) {
  const block = new Uint8Array(16 * 1024).fill(1);
  let sent = 0, rest = null, answer = "";
  const done = Promise.withResolvers();
  const pump = (s) => {
    for (;;) {
      const b = rest ?? (sent < STREAM_BYTES ? block : null);
      if (!b) { s.shutdown(); return; }
      const n = s.write(b);
      if (rest === null) sent += b.length;
      if (n < b.length) { rest = b.subarray(Math.max(n, 0)); return; }
      rest = null;
    }
  };
  const t = performance.now();
  const s = await Bun.connect({ unix: path, allowHalfOpen: true, socket: {
    data(_s, d) { answer += new TextDecoder().decode(d); },
    drain: pump,
    close() { done.resolve(); },
    end(sock) { sock.end(); },
  } });
  pump(s);
  await done.promise;
  const ms = performance.now() - t;
  if (Number(answer) !== STREAM_BYTES) throw new Error(`sink got ${answer}`);
  return ms;
}

/** The same through node:net (write() buffers; wait for 'drain' when it says so). */
async function streamNode(path) {
  const block = new Uint8Array(16 * 1024).fill(1);
  const t = performance.now();
  const s = net.connect({ path, allowHalfOpen: true });
  await new Promise((r) => s.once("connect", r));
  let answer = "";
  const got = new Promise((r) => { s.on("data", (d) => { answer += d; }); s.on("end", r); });
  for (let sent = 0; sent < STREAM_BYTES; sent += block.length) {
    if (!s.write(block)) await new Promise((r) => s.once("drain", r));
  }
  s.end();
  await got;
  const ms = performance.now() - t;
  s.destroy();
  if (Number(answer) !== STREAM_BYTES) throw new Error(`sink got ${answer}`);
  return ms;
}

async function tsbinder(path, which) {
  const { getService } = await import(new URL("src/index.js", dist).href);
  const { connectSession } = await import(new URL("src/transport.js", dist).href);
  const { echo } = await import(new URL("hello.mjs", fixtures).href);
  const transport = which === "bun"
    ? (await import(new URL("runtimes/bun/index.js", dist).href)).unixTransport
    : (await import(new URL("runtimes/node/index.js", dist).href)).unixTransport;
  const session = await connectSession(transport, path);
  const hello = await getService(await session.getRoot(), "hello");
  for (let i = 0; i < 300; i++) await echo(hello, "hello");
  const t = performance.now();
  for (let i = 0; i < CALLS; i++) await echo(hello, "hello");
  const ms = performance.now() - t;
  session.shutdown();
  return ms;
}

async function main() {
  const dir = mkdtempSync(join(tmpdir(), "tsbinder-bun-bench-"));
  const us = (ms, n) => (ms * 1000 / n).toFixed(1);
  const mibs = (ms) => (STREAM_BYTES / 1048576 / (ms / 1000)).toFixed(0);
  const rows = [];
  let n = 0;
  /** Both variants against their own server, alternated `rounds` times: best and median. */
  const compare = async (label, unit, fmt, a, b, rounds) => {
    const servers = [await startServer(dir, a.kind, n++), await startServer(dir, b.kind, n++)];
    const times = [[], []];
    try {
      for (let r = 0; r < rounds; r++) {
        times[0].push(await a.fn(servers[0].path));
        times[1].push(await b.fn(servers[1].path));
      }
    } finally { servers.forEach((s) => s.stop()); }
    for (const [i, v] of [a, b].entries()) {
      const sorted = times[i].sort((x, y) => x - y);
      rows.push([label, v.name, `${fmt(sorted[0])} ${unit} (best), ${fmt(sorted[sorted.length >> 1])} (median of ${rounds})`]);
    }
  };
  try {
    await compare("raw echo, 64 B", "µs/round trip", (ms) => us(ms, ROUND_TRIPS),
      { name: "Bun.connect / Bun.listen", kind: "bun-echo", fn: rawBun },
      { name: "node:net (in Bun)", kind: "node-echo", fn: rawNode }, 5);
    await compare("stream 64 MiB", "MiB/s", mibs,
      { name: "Bun.connect / Bun.listen", kind: "bun-sink", fn: streamBun },
      { name: "node:net (in Bun)", kind: "node-sink", fn: streamNode }, 5);
    await compare("tsbinder echo", "µs/call", (ms) => us(ms, CALLS),
      { name: "tsbinder/bun (Bun.connect)", kind: "tsbinder-bun", fn: (p) => tsbinder(p, "bun") },
      { name: "tsbinder/node transport (in Bun)", kind: "tsbinder-node", fn: (p) => tsbinder(p, "node") }, 5);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  console.log(`bun ${Bun.version}, ${ROUND_TRIPS} raw round trips, ${CALLS} tsbinder calls per run, variants alternated, server in a second Bun process`);
  for (const r of rows) console.log(`${r[0].padEnd(16)} ${r[1].padEnd(34)} ${r[2]}`);
  process.exit(0);
}
