// raw-echo: the floor. The server writes back every byte it reads; the client sends a message
// (a 4-byte length, then the payload) and waits until as many bytes have come back. Same
// socket type and runtime as the tsbinder row it is compared with: node:net / node:tls on
// Node, Deno.listen / Deno.connect on Deno, Bun.listen / Bun.connect on Bun.
// Several messages may be in flight on one socket (inflight case): replies come back in order.
import { RUNTIME } from "../lib/rt.mjs";

/** Start the echo server. `address` is a socket path (unix) or ignored (tcp/tls: port 0 on
 *  127.0.0.1). Resolves to the address clients connect to ("path" or "127.0.0.1:port"). */
export async function serve({ transport, address, tls }) {
  if (RUNTIME === "deno") return serveDeno(transport, address);
  if (RUNTIME === "bun") return serveBun(transport, address);
  const net = await import("node:net");
  const onSocket = (s) => { s.setNoDelay?.(true); s.on("data", (d) => s.write(d)); s.on("error", () => {}); };
  const server = transport === "tls"
    ? (await import("node:tls")).createServer({ cert: tls.cert, key: tls.key }, onSocket)
    : net.createServer(onSocket);
  await new Promise((resolve, reject) => {
    server.once("error", reject);
    if (transport === "unix") server.listen(address, resolve);
    else server.listen(0, "127.0.0.1", resolve);
  });
  return transport === "unix" ? address : `127.0.0.1:${server.address().port}`;
}

function serveDeno(transport, address) {
  const l = transport === "unix" ? Deno.listen({ transport: "unix", path: address }) : Deno.listen({ hostname: "127.0.0.1", port: 0 });
  (async () => {
    for await (const c of l) {
      if (transport === "tcp") c.setNoDelay(true);
      (async () => {
        const buf = new Uint8Array(256 * 1024);
        for (;;) {
          const n = await c.read(buf);
          if (n === null) break;
          let off = 0;
          while (off < n) off += await c.write(buf.subarray(off, n));
        }
      })().catch(() => {}).finally(() => { try { c.close(); } catch { /* closed */ } });
    }
  })().catch(() => {});
  return transport === "unix" ? address : `127.0.0.1:${l.addr.port}`;
}

function serveBun(transport, address) {
  // write back what came; queue what the socket did not take and flush it on drain
  const socket = {
    binaryType: "uint8array",
    open(s) { s.data = []; },
    data(s, d) {
      if (s.data.length) { s.data.push(d.slice()); return; }
      const n = s.write(d);
      if (n < d.length) s.data.push(d.slice(Math.max(n, 0)));
    },
    drain(s) {
      const q = s.data;
      while (q.length) {
        const n = s.write(q[0]);
        if (n < q[0].length) { q[0] = q[0].subarray(Math.max(n, 0)); return; }
        q.shift();
      }
    },
  };
  const l = transport === "unix" ? Bun.listen({ unix: address, socket }) : Bun.listen({ hostname: "127.0.0.1", port: 0, socket });
  return transport === "unix" ? address : `127.0.0.1:${l.port}`;
}

/** A message of `payload` bytes (plus the 4-byte length). */
export function message(payload) {
  const m = new Uint8Array(4 + payload).fill(0x61);
  new DataView(m.buffer).setUint32(0, payload, true);
  return m;
}

/**
 * Connect; resolves to { send(msg): Promise<void> (resolves when msg.length bytes are back),
 * close() }. Replies are matched to requests by byte count, in order.
 */
export async function connect({ transport, address, tls }) {
  const pending = []; // { left, resolve }
  const onData = (n) => {
    while (n > 0 && pending.length) {
      const p = pending[0];
      const take = Math.min(n, p.left);
      p.left -= take;
      n -= take;
      if (p.left === 0) { pending.shift(); p.resolve(); }
    }
  };
  const [host, port] = transport === "unix" ? [null, 0] : [address.slice(0, address.lastIndexOf(":")), Number(address.slice(address.lastIndexOf(":") + 1))];
  let write, close;
  if (RUNTIME === "deno") {
    const c = transport === "unix" ? await Deno.connect({ transport: "unix", path: address }) : await Deno.connect({ hostname: host, port });
    if (transport === "tcp") c.setNoDelay(true);
    (async () => {
      const buf = new Uint8Array(256 * 1024);
      for (;;) { const n = await c.read(buf); if (n === null) break; onData(n); }
    })().catch(() => {});
    // writes are chained: concurrent Deno writes could interleave partial writes
    let chain = Promise.resolve();
    const writeAll = async (m) => { let off = 0; while (off < m.length) off += await c.write(m.subarray(off)); };
    write = (m) => { chain = chain.then(() => writeAll(m)); };
    close = () => { try { c.close(); } catch { /* closed */ } };
  } else if (RUNTIME === "bun") {
    const queue = [];
    const flush = (s) => {
      while (queue.length) {
        const n = s.write(queue[0]);
        if (n < queue[0].length) { queue[0] = queue[0].subarray(Math.max(n, 0)); return; }
        queue.shift();
      }
    };
    const socket = { binaryType: "uint8array", data: (_s, d) => onData(d.length), drain: flush };
    const s = transport === "unix" ? await Bun.connect({ unix: address, socket }) : await Bun.connect({ hostname: host, port, socket });
    write = (m) => {
      if (queue.length) { queue.push(m); return; }
      const n = s.write(m);
      if (n < m.length) queue.push(m.subarray(Math.max(n, 0)));
    };
    close = () => s.end();
  } else {
    const mod = await import(transport === "tls" ? "node:tls" : "node:net");
    const s = transport === "unix" ? mod.connect({ path: address })
      : transport === "tls" ? mod.connect({ host, port, ca: tls.ca, servername: "localhost" })
      : mod.connect({ host, port });
    await new Promise((resolve, reject) => { s.once(transport === "tls" ? "secureConnect" : "connect", resolve); s.once("error", reject); });
    s.setNoDelay?.(true);
    s.on("data", (d) => onData(d.length));
    write = (m) => { s.write(m); };
    close = () => s.destroy();
  }
  return {
    send: (m) => new Promise((resolve) => { pending.push({ left: m.length, resolve }); write(m); }),
    close,
  };
}

/** { call, close } for a sequential latency case: a message as big as the case's payload
 *  (null-call: 5 bytes). */
export async function latencyClient({ transport, address, tls, payload }) {
  const c = await connect({ transport, address, tls });
  const size = payload === undefined ? 5 : typeof payload === "string" ? payload.length * 2 : payload.length;
  const m = message(size);
  return { call: () => c.send(m), close: c.close };
}
