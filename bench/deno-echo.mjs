// Deno: its own socket API against the node:net compatibility layer, over a Unix socket, with
// the echo server in a second Deno process. Not a test; run after `npm run build`:
//   node_modules/.bin/deno run --allow-read --allow-write --allow-net --allow-env --allow-run bench/deno-echo.mjs [--quick]
// Rows:
//   raw echo        64-byte sequential round trips: Deno.connect/Deno.listen vs node:net
//   read strategy   64 MiB one way: one reused buffer + slice(0, n) per read, a fresh 64 KiB
//                   buffer per read, the hybrid the adapter uses (slice small reads, hand over
//                   the buffer itself after a big one), conn.readable
// Each contender runs several times, interleaved; the medians are printed.
//   tsbinder echo   IHello.echo("hello") round trips on the built package: the Deno adapter vs
//                   the Node adapter's node:net transport, run under Deno
import * as net from "node:net";

const quick = Deno.args.includes("--quick");
const ROUND_TRIPS = quick ? 2_000 : 10_000;
const CALLS = quick ? 1_000 : 5_000;
const STREAM_BYTES = (quick ? 32 : 64) * 1024 * 1024;
const dist = new URL("../dist/", import.meta.url);

// ---- the server process -----------------------------------------------------------------
if (Deno.args[0] === "serve") {
  const [, kind, path] = Deno.args;
  if (kind === "deno-echo") {
    const l = Deno.listen({ transport: "unix", path });
    (async () => {
      for await (const c of l) {
        (async () => {
          const buf = new Uint8Array(64 * 1024);
          for (;;) {
            const n = await c.read(buf);
            if (n === null) break;
            let off = 0;
            while (off < n) off += await c.write(buf.subarray(off, n));
          }
          c.close();
        })().catch(() => {});
      }
    })();
  } else if (kind === "node-echo") {
    net.createServer((s) => s.on("data", (d) => s.write(d)).on("error", () => {})).listen(path);
  } else if (kind === "deno-sink") {
    // accept one connection per strategy and count bytes until EOF, then answer "done"
    const l = Deno.listen({ transport: "unix", path });
    void (async () => { for await (const c of l) {
      const strategy = new TextDecoder().decode(await readExactly(c, 1));
      let total = 0;
      const keep = [];
      if (strategy === "r") {
        for await (const chunk of c.readable) { total += chunk.length; keep.push(chunk); if (keep.length > 8) keep.shift(); }
      } else {
        let shared = new Uint8Array(64 * 1024);
        for (;;) {
          const buf = strategy === "f" ? new Uint8Array(64 * 1024) : shared;
          const n = await c.read(buf);
          if (n === null) break;
          // the chunk handed to the session, kept for a while (as an incomplete frame would be)
          if (strategy === "f") keep.push(buf.subarray(0, n));
          else if (strategy === "h" && n >= 16 * 1024) { keep.push(buf.subarray(0, n)); shared = new Uint8Array(64 * 1024); }
          else keep.push(buf.slice(0, n));
          if (keep.length > 8) keep.shift();
          total += n;
        }
      }
      const w = await Deno.connect({ transport: "unix", path: path + ".done" });
      await w.write(new TextEncoder().encode(String(total)));
      w.close();
    } })();
  } else if (kind === "tsbinder-deno" || kind === "tsbinder-node") {
    const { RpcServer } = await import(new URL("src/index.js", dist).href);
    const { HelloService } = await import(new URL("../test/runtimes/fixtures/hello.mjs", import.meta.url).href);
    // both servers load the Deno adapter, so both run with its AsyncLocalStorage context store
    const denoAdapter = await import(new URL("runtimes/deno/index.js", dist).href);
    const transport = kind === "tsbinder-deno"
      ? denoAdapter.unixTransport
      : (await import(new URL("runtimes/node/unix.js", dist).href)).unixTransport;
    const server = new RpcServer();
    server.addService("hello", new HelloService());
    await server.listen(transport, path);
  }
  console.log("ready");
  await new Promise(() => {});
}

async function readExactly(c, n) {
  const out = new Uint8Array(n);
  let off = 0;
  while (off < n) {
    const got = await c.read(out.subarray(off));
    if (got === null) throw new Error("eof");
    off += got;
  }
  return out;
}

// ---- the client (this process) ----------------------------------------------------------
const dir = Deno.makeTempDirSync({ prefix: "tsbinder-deno-bench-" });
let servers = 0;
async function startServer(kind) {
  const path = `${dir}/${kind}-${servers++}.sock`;
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-read", "--allow-write", "--allow-net", "--allow-env", new URL(import.meta.url).pathname, "serve", kind, path],
    stdout: "piped", stderr: "inherit",
  }).spawn();
  const reader = child.stdout.getReader();
  const { value } = await reader.read();
  if (!new TextDecoder().decode(value).includes("ready")) throw new Error(`server ${kind} did not start`);
  reader.releaseLock();
  return { path, stop: () => { try { child.kill("SIGKILL"); } catch { /* gone */ } } };
}

const us = (ms, n) => (ms * 1000 / n).toFixed(1);
console.log(`deno ${Deno.version.deno}, ${ROUND_TRIPS} raw round trips, ${CALLS} tsbinder calls, server in a second process`);
const row = (a, b, c) => console.log(`${a.padEnd(16)} ${b.padEnd(40)} ${c}`);

async function rawDeno(path) {
  const c = await Deno.connect({ transport: "unix", path });
  const msg = new Uint8Array(64).fill(7);
  const buf = new Uint8Array(64 * 1024);
  const once = async () => {
    await c.write(msg);
    let got = 0;
    while (got < msg.length) { const n = await c.read(buf); if (n === null) throw new Error("eof"); got += n; }
  };
  for (let i = 0; i < 200; i++) await once();
  const t = performance.now();
  for (let i = 0; i < ROUND_TRIPS; i++) await once();
  const ms = performance.now() - t;
  c.close();
  return ms;
}

async function rawNode(path) {
  const s = net.connect(path);
  s.setNoDelay(true);
  await new Promise((r) => s.once("connect", r));
  const msg = new Uint8Array(64).fill(7);
  let want = 0, resolve = null;
  s.on("data", (d) => { want -= d.length; if (want <= 0 && resolve) { const r = resolve; resolve = null; r(); } });
  const once = () => new Promise((r) => { want = msg.length; resolve = r; s.write(msg); });
  for (let i = 0; i < 200; i++) await once();
  const t = performance.now();
  for (let i = 0; i < ROUND_TRIPS; i++) await once();
  const ms = performance.now() - t;
  s.destroy();
  return ms;
}

async function stream(path, strategy) {
  const done = Deno.listen({ transport: "unix", path: path + ".done" });
  const c = await Deno.connect({ transport: "unix", path });
  const t = performance.now();
  await c.write(new TextEncoder().encode(strategy));
  const block = new Uint8Array(16 * 1024).fill(1);
  for (let sent = 0; sent < STREAM_BYTES; sent += block.length) {
    let off = 0;
    while (off < block.length) off += await c.write(block.subarray(off));
  }
  await c.closeWrite();
  const w = await done.accept();
  const total = Number(new TextDecoder().decode(await readAll(w)));
  const ms = performance.now() - t;
  done.close();
  c.close();
  if (total !== STREAM_BYTES) throw new Error(`sink got ${total}`);
  return ms;
}

async function readAll(c) {
  const parts = [];
  const buf = new Uint8Array(256);
  for (;;) { const n = await c.read(buf); if (n === null) break; parts.push(...buf.subarray(0, n)); }
  return new Uint8Array(parts);
}

async function tsbinderClient(path, which) {
  const { getService } = await import(new URL("src/index.js", dist).href);
  const { connectSession } = await import(new URL("src/transport.js", dist).href);
  const { echo } = await import(new URL("../test/runtimes/fixtures/hello.mjs", import.meta.url).href);
  const transport = which === "deno"
    ? (await import(new URL("runtimes/deno/index.js", dist).href)).unixTransport
    : (await import(new URL("runtimes/node/unix.js", dist).href)).unixTransport;
  const session = await connectSession(transport, path);
  const root = await session.getRoot();
  const hello = await getService(root, "hello");
  for (let i = 0; i < 300; i++) await echo(hello, "hello");
  return {
    run: async () => {
      const t = performance.now();
      for (let i = 0; i < CALLS; i++) await echo(hello, "hello");
      return performance.now() - t;
    },
    close: () => session.shutdown(),
  };
}

// every contender runs ROUNDS times, interleaved (a 2-vCPU VM is noisy); the median is shown
const ROUNDS = quick ? 3 : 7;
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
async function interleaved(contenders) {
  const times = contenders.map(() => []);
  for (let r = 0; r < ROUNDS; r++) {
    for (let i = 0; i < contenders.length; i++) times[i].push(await contenders[i].run());
  }
  return times.map(median);
}

try {
  {
    const a = await startServer("deno-echo");
    const b = await startServer("node-echo");
    const [da, db] = await interleaved([{ run: () => rawDeno(a.path) }, { run: () => rawNode(b.path) }]);
    a.stop(); b.stop();
    row("raw echo, 64 B", "Deno.connect / Deno.listen", `${us(da, ROUND_TRIPS)} µs/round trip`);
    row("raw echo, 64 B", "node:net (in Deno)", `${us(db, ROUND_TRIPS)} µs/round trip`);
  }
  {
    const s = await startServer("deno-sink");
    const strategies = [["one buffer, slice(0, n)", "s"], ["fresh 64 KiB buffer per read", "f"], ["hybrid (big reads keep the buffer)", "h"], ["conn.readable", "r"]];
    const ms = await interleaved(strategies.map(([, k]) => ({ run: () => stream(s.path, k) })));
    s.stop();
    strategies.forEach(([label], i) => row("read 64 MiB", label, `${(STREAM_BYTES / 1048576 / (ms[i] / 1000)).toFixed(0)} MiB/s`));
  }
  {
    const a = await startServer("tsbinder-deno");
    const b = await startServer("tsbinder-node");
    const ca = await tsbinderClient(a.path, "deno");
    const cb = await tsbinderClient(b.path, "node");
    const [ta, tb] = await interleaved([{ run: ca.run }, { run: cb.run }]);
    ca.close(); cb.close(); a.stop(); b.stop();
    row("tsbinder echo", "tsbinder/deno (Deno.connect)", `${us(ta, CALLS)} µs/call`);
    row("tsbinder echo", "node:net transport (in Deno)", `${us(tb, CALLS)} µs/call`);
  }
} finally {
  Deno.removeSync(dir, { recursive: true });
}
Deno.exit(0);
