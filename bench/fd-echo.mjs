// fd transport round trips, one process, the same script under Node, Bun and Deno (with
// --allow-ffi): an echo listener and a client on the adapter's fd-passing Unix transport.
//   small+fd  16-byte message carrying one descriptor (a dup of stdin), echoed back with it
//   64 KiB    65,536 bytes echoed back (no descriptors)
// Prints one JSON line: median µs per round trip of each case. Run after `npm run build`:
//   node bench/fd-echo.mjs | bun bench/fd-echo.mjs | deno run -A bench/fd-echo.mjs
const isBun = typeof globalThis.Bun !== "undefined";
const isDeno = typeof globalThis.Deno !== "undefined";
const name = isBun ? "bun" : isDeno ? "deno" : "node";
const rt = await import(`../dist/runtimes/${name}/index.js`);
const transport = isDeno ? rt.unixFfiTransport : rt.unixFdTransport;
const { ParcelFileDescriptor } = await import("../dist/src/index.js");
const platform = rt[`${name}Platform`];
const path = `${isDeno ? Deno.env.get("TMPDIR") ?? "/tmp" : process.env.TMPDIR ?? "/tmp"}/tsbinder-fd-echo-${name}-${Date.now()}.sock`;

const listener = await transport.listen(path, (conn) => {
  let want = 0;
  const held = [];
  conn.start({
    // echo each message back once it is whole (the client says how long it is in byte 0..3)
    data(chunk, fds) {
      held.push(chunk.slice());
      if (fds) for (const fd of fds) new ParcelFileDescriptor(fd, platform).close();
      const total = held.reduce((n, c) => n + c.length, 0);
      if (!want) want = new DataView(held[0].buffer, held[0].byteOffset).getUint32(0, true);
      if (total < want) return;
      const out = new Uint8Array(total);
      let at = 0;
      for (const c of held) { out.set(c, at); at += c.length; }
      held.length = 0; want = 0;
      conn.write(out);
    },
    end() {},
  });
});

const client = await transport.connect(path);
let wake = null, got = 0, need = 0;
client.start({ data(chunk, fds) { if (fds) for (const fd of fds) new ParcelFileDescriptor(fd, platform).close(); got += chunk.length; if (got >= need && wake) { const w = wake; wake = null; w(); } }, end() {} });
function roundTrip(bytes, fds) {
  got = 0; need = bytes.length;
  return new Promise((resolve) => { wake = resolve; client.write(bytes, fds); });
}
const dup = (fd) => platform.fds.dup(fd);

async function measure(label, bytes, withFd, n) {
  new DataView(bytes.buffer).setUint32(0, bytes.length, true);
  for (let i = 0; i < n / 10; i++) await roundTrip(bytes, withFd ? [dup(0)] : undefined);
  const times = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await roundTrip(bytes, withFd ? [dup(0)] : undefined);
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  return [label, +(times[times.length >> 1] * 1000).toFixed(1)];
}
const results = Object.fromEntries([
  await measure("small+fd µs", new Uint8Array(16), true, 4000),
  await measure("64KiB µs", new Uint8Array(65536), false, 2000),
]);
console.log(JSON.stringify({ runtime: name, ...results }));
client.close();
await listener.close();
if (isDeno) Deno.exit(0); else process.exit(0);
