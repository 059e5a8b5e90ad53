// raw-echo: the floor. The client sends a message (a 4-byte little-endian length, then the
// payload) and waits until as many bytes have come back. The server reads each message whole,
// as the length says, and writes it back: the least a request/response server does (it cannot
// answer before it has the request). With `streaming`, the server instead writes back every
// byte the moment it reads it, whole message or not: cross-core, a big message then comes back
// while it is still going out, which no RPC can do; that row is reported beside the floor.
// Same socket type and runtime as the tsbinder row it is compared with: node:net / node:tls on
// Node, Deno.listen / Deno.connect on Deno, Bun.listen / Bun.connect on Bun.
// Several messages may be in flight on one socket (inflight case): replies come back in order.
import { RUNTIME } from "../lib/rt.mjs";

/** Start the echo server. `address` is a socket path (unix) or ignored (tcp/tls: port 0 on
 *  127.0.0.1). Resolves to the address clients connect to ("path" or "127.0.0.1:port"). */
export async function serve({ transport, address, tls, streaming = false, owned = false }) {
  if (RUNTIME === "deno") return serveDeno(transport, address, streaming, owned);
  if (RUNTIME === "bun") return serveBun(transport, address, streaming, owned);
  const net = await import("node:net");
  const onSocket = (s) => {
    s.setNoDelay?.(true);
    s.on("error", () => {});
    if (streaming) { s.on("data", (d) => s.write(d)); return; }
    // whole messages back, each from the chunks it came in (corked: one writev, no copy)
    s.on("data", messages((pieces) => {
      if (owned) keepOwned(pieces);
      if (pieces.length === 1) { s.write(pieces[0]); return; }
      s.cork();
      for (const p of pieces) s.write(p);
      s.uncork();
    }));
  };
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

/** A chunk handler that calls `send(pieces)` once per chunk with every message it completed,
 *  as views of the chunks they arrived in, adjacent bytes of one chunk in one view (so 64
 *  pipelined messages in one chunk go back in one write). Chunks must not be reused by their
 *  owner (node's and Bun's are not). */
export function messages(send) {
  const chunks = [];
  let head = 0; // offset into chunks[0]
  let have = 0; // bytes buffered
  let need = -1; // size of the message being gathered (length word included), -1 if unknown
  const byteAt = (i) => { for (let k = 0, h = head; ; k++, h = 0) { const c = chunks[k]; if (i < c.length - h) return c[h + i]; i -= c.length - h; } };
  return (chunk) => {
    chunks.push(chunk);
    have += chunk.length;
    const pieces = [];
    let from = null, start = 0, end = 0; // the piece being extended: from[start, end)
    for (;;) {
      if (need < 0) {
        if (have < 4) break;
        need = 4 + (byteAt(0) | (byteAt(1) << 8) | (byteAt(2) << 16) | (byteAt(3) << 24)) >>> 0;
      }
      if (have < need) break;
      let left = need;
      while (left > 0) {
        const c = chunks[0];
        const take = Math.min(c.length - head, left);
        if (from === c && end === head) end += take;
        else { if (from) pieces.push(from.subarray(start, end)); from = c; start = head; end = head + take; }
        left -= take;
        if (head + take === c.length) { chunks.shift(); head = 0; } else head += take;
      }
      have -= need;
      need = -1;
    }
    if (from) { pieces.push(start === 0 && end === from.length ? from : from.subarray(start, end)); send(pieces); }
  };
}

function serveDeno(transport, address, streaming, owned) {
  const l = transport === "unix" ? Deno.listen({ transport: "unix", path: address }) : Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const writeAll = async (c, b) => { let off = 0; while (off < b.length) off += await c.write(b.subarray(off)); };
  (async () => {
    for await (const c of l) {
      if (transport === "tcp") c.setNoDelay(true);
      (async () => {
        let buf = new Uint8Array(256 * 1024);
        let filled = 0;
        for (;;) {
          if (streaming) {
            const n = await c.read(buf);
            if (n === null) break;
            await writeAll(c, buf.subarray(0, n));
            continue;
          }
          // read into the free end of one buffer; write back every whole message in it
          if (filled === buf.length) { const b = new Uint8Array(buf.length * 2); b.set(buf); buf = b; }
          const n = await c.read(buf.subarray(filled));
          if (n === null) break;
          filled += n;
          let off = 0;
          while (filled - off >= 4) {
            const size = 4 + (buf[off] | (buf[off + 1] << 8) | (buf[off + 2] << 16) | (buf[off + 3] << 24)) >>> 0;
            if (filled - off < size) break; // (a message bigger than buf: buf doubles when full)
            off += size;
          }
          if (off === 0) continue;
          if (owned) keepOwned([buf.subarray(0, off)]);
          await writeAll(c, buf.subarray(0, off));
          buf.copyWithin(0, off, filled);
          filled -= off;
        }
      })().catch(() => {}).finally(() => { try { c.close(); } catch { /* closed */ } });
    }
  })().catch(() => {});
  return transport === "unix" ? address : `127.0.0.1:${l.addr.port}`;
}

/** `pieces` back to back in new memory (from `alloc`). */
function concat(pieces, alloc = (n) => new Uint8Array(n)) {
  const out = alloc(pieces.reduce((n, p) => n + p.length, 0));
  let off = 0;
  for (const p of pieces) { out.set(p, off); off += p.length; }
  return out;
}

function serveBun(transport, address, streaming, owned) {
  // write back what came (streaming) or each whole message; queue what the socket did not
  // take and flush it on drain
  const write = (s, d) => {
    if (s.data.q.length) { s.data.q.push(d.slice()); return; }
    const n = s.write(d);
    if (n < d.length) s.data.q.push(d.slice(Math.max(n, 0)));
  };
  const socket = {
    binaryType: "uint8array",
    // a message that came in several chunks leaves in one write (Bun has no writev): a copy
    // costs less than a second send, which can wake the client for half a message
    open(s) { s.data = { q: [], onChunk: streaming ? (d) => write(s, d) : messages((pieces) => { if (owned) keepOwned(pieces); write(s, pieces.length === 1 ? pieces[0] : concat(pieces)); }) }; },
    data(s, d) { s.data.onChunk(d); },
    drain(s) {
      const q = s.data.q;
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

/** New memory of `n` bytes, the cheapest the runtime has for a result the receiver keeps: on
 *  Node from 16 KiB an ArrayBuffer that is not zero-filled (Buffer.allocUnsafeSlow's), as
 *  tsbinder's own owned copies; elsewhere a new (zero-filled) array. */
let allocUnsafeSlow = null;
if (RUNTIME === "node") allocUnsafeSlow = (await import("node:buffer")).Buffer.allocUnsafeSlow;
function ownedArray(n) {
  return allocUnsafeSlow && n >= 16 * 1024 ? new Uint8Array(allocUnsafeSlow(n).buffer, 0, n) : new Uint8Array(n);
}

/** The last copies made (`owned`), so they are live data, as a handler's byte[] would be. */
const kept = [];
/** Copy `pieces` (one received message, or several back to back) into new memory, and keep it. */
function keepOwned(pieces) {
  // one piece: slice(), one allocate-and-copy (Node's unzeroed memory goes through ownedArray)
  remember(pieces.length === 1 && !allocUnsafeSlow ? Uint8Array.prototype.slice.call(pieces[0]) : concat(pieces, ownedArray));
}
function remember(bytes) {
  kept.push(bytes);
  if (kept.length > 4) kept.shift();
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
export async function connect({ transport, address, tls, owned = false }) {
  const pending = []; // { left, size, resolve, dst }
  const onData = (chunk) => {
    let n = chunk.length, at = 0;
    while (n > 0 && pending.length) {
      const p = pending[0];
      const take = Math.min(n, p.left);
      // owned: copied as it arrives (Deno's read buffer is reused after this call)
      if (owned) {
        const piece = chunk.subarray(at, at + take);
        if (take === p.size) keepOwned([piece]); // the whole reply in one chunk
        else { p.dst ??= ownedArray(p.size); p.dst.set(piece, p.size - p.left); }
      }
      p.left -= take;
      n -= take;
      at += take;
      if (p.left === 0) {
        pending.shift();
        if (p.dst) remember(p.dst);
        p.resolve();
      }
    }
  };
  const [host, port] = transport === "unix" ? [null, 0] : [address.slice(0, address.lastIndexOf(":")), Number(address.slice(address.lastIndexOf(":") + 1))];
  let write, close;
  if (RUNTIME === "deno") {
    const c = transport === "unix" ? await Deno.connect({ transport: "unix", path: address }) : await Deno.connect({ hostname: host, port });
    if (transport === "tcp") c.setNoDelay(true);
    (async () => {
      const buf = new Uint8Array(256 * 1024);
      for (;;) { const n = await c.read(buf); if (n === null) break; onData(buf.subarray(0, n)); }
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
    const socket = { binaryType: "uint8array", data: (_s, d) => onData(d), drain: flush };
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
    s.on("data", (d) => onData(d));
    write = (m) => { s.write(m); };
    close = () => s.destroy();
  }
  return {
    send: (m) => new Promise((resolve) => { pending.push({ left: m.length, size: m.length, resolve, dst: null }); write(m); }),
    close,
  };
}

/** { call, close } for a sequential latency case: a message as big as the case's payload
 *  (null-call: 5 bytes). */
export async function latencyClient({ transport, address, tls, payload, owned = false }) {
  const c = await connect({ transport, address, tls, owned });
  const size = payload === undefined ? 5 : typeof payload === "string" ? payload.length * 2 : payload.length;
  const m = message(size);
  return { call: () => c.send(m), close: c.close };
}
