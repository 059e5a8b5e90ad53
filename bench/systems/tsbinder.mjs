// tsbinder: the bench service (a hand-written stub, the way a generated AIDL stub reads and
// writes its parcels) and the client calls of each case, on any runtime and socket transport.
import {
  BENCH_DESCRIPTOR, CALLBACK_DESCRIPTOR, CODE_BYTES, CODE_CALLBACK, CODE_CB_PING, CODE_ECHO, CODE_HOLD,
  CODE_MEMORY, CODE_ONEWAY_SEQ, CODE_PING, CODE_RELEASE, CODE_SEQ_CHECK,
} from "../common.mjs";
import { fullGc, loadDistFile, loadTsb, memory } from "../lib/rt.mjs";

let tsb;
const load = async () => (tsb ??= await loadTsb());

/** The service; a class factory because Binder comes from the loaded package. */
function makeService({ Binder }, wasmBytes) {
  return class BenchService extends Binder {
    constructor() { super(BENCH_DESCRIPTOR); this.next = 0; this.received = 0; this.outOfOrder = 0; this.held = []; }
    async onTransact(code, data, reply) {
      data.enforceInterface(BENCH_DESCRIPTOR);
      switch (code) {
        case CODE_PING: reply.writeNoException(); return true;
        case CODE_ECHO: { const s = data.readString16(); reply.writeNoException(); reply.writeString16(s); return true; }
        case CODE_BYTES: { const b = data.readByteArray(); reply.writeNoException(); reply.writeByteArray(b); return true; }
        case CODE_ONEWAY_SEQ: {
          const i = data.readInt32();
          if (i !== this.next) this.outOfOrder++;
          this.next = i + 1;
          this.received++;
          return true;
        }
        case CODE_SEQ_CHECK:
          reply.writeNoException();
          reply.writeInt32Array([this.received, this.outOfOrder]);
          this.received = 0; this.outOfOrder = 0; this.next = 0;
          return true;
        case CODE_CALLBACK: {
          // call the client's binder n times, nested in this call; answer the times (ms)
          const cb = data.readStrongBinderNonNull();
          const n = data.readInt32();
          const samples = new Array(n);
          for (let i = 0; i < n; i++) {
            const t = performance.now();
            const p = cb.newParcel();
            p.writeInterfaceToken(CALLBACK_DESCRIPTOR);
            const r = await cb.transact(CODE_CB_PING, p);
            p.dispose();
            r.readException();
            r.dispose();
            samples[i] = performance.now() - t;
          }
          reply.writeNoException();
          reply.writeDoubleArray(samples);
          return true;
        }
        case CODE_HOLD: {
          const n = data.readInt32();
          for (let i = 0; i < n; i++) this.held.push(data.readStrongBinderNonNull());
          reply.writeNoException();
          return true;
        }
        case CODE_RELEASE: this.held = []; reply.writeNoException(); return true;
        case CODE_MEMORY: {
          fullGc();
          const m = memory();
          reply.writeNoException();
          reply.writeDoubleArray([m.heap, m.external, m.rss, wasmBytes()]);
          return true;
        }
        default: return false;
      }
    }
  };
}

/** Size of the wasm core's linear memory in bytes. */
export async function wasmMemoryReader() {
  const { mem8 } = await loadDistFile("src/core/core.js");
  return () => mem8().buffer.byteLength;
}

/** Start a server; resolves to the address clients connect to. */
export async function serve({ transport, address, tls, maxThreads = 1 }) {
  const t = await load();
  const Service = makeService(t, await wasmMemoryReader());
  // the bench's TCP and TLS clients have no identity (no client certificate), nor do Deno's
  // Unix peers: admit them (a local benchmark, not a deployment)
  const options = { maxThreads, allowAnonymous: true };
  let server, addr = address;
  // unix: RpcServer + the adapter's unix transport (what listenUnix does), which keeps the
  // bench independent of how the adapters assemble their entry points
  if (transport === "unix") { server = new t.RpcServer(options); await server.listen(t.unixTransport, address); }
  else if (transport === "tcp") { server = await t.listenTcp("127.0.0.1", 0, options); addr = `127.0.0.1:${server.port}`; }
  else if (transport === "tls") { server = await t.listenTls("127.0.0.1", 0, { cert: tls.cert, key: tls.key }, options); addr = `127.0.0.1:${server.port}`; }
  else throw new Error(`tsbinder: no ${transport} server here`);
  server.setRoot(new Service());
  return addr;
}

/** Connect a session and get the root. */
export async function connect({ transport, address, tls, options = {} }) {
  const t = await load();
  let session;
  if (transport === "unix") session = await t.connectUnix(address, options);
  else {
    const host = address.slice(0, address.lastIndexOf(":")), port = Number(address.slice(address.lastIndexOf(":") + 1));
    session = transport === "tcp" ? await t.connectTcp(host, port, options)
      : await t.connectTls(host, port, { ca: tls.ca, serverName: "localhost" }, options);
  }
  const root = await session.getRoot();
  if (!root) throw new Error("the bench server has no root object");
  return { session, root, close: () => session.shutdown() };
}

/** The call of a latency case on `root` (one round trip, checked). */
export function caller(root, kase, payload) {
  const two = async (code, write, check) => {
    const data = root.newParcel();
    data.writeInterfaceToken(BENCH_DESCRIPTOR);
    write?.(data);
    const reply = await root.transact(code, data);
    data.dispose();
    try { reply.readException(); check?.(reply); } finally { reply.dispose(); }
  };
  switch (kase) {
    case "null-call": return () => two(CODE_PING);
    case "echo-1k": return () => two(CODE_ECHO, (d) => d.writeString16(payload), (r) => { if (r.readString16() !== payload) throw new Error("echo came back different"); });
    case "bytes-64k": case "bytes-1m":
      return () => two(CODE_BYTES, (d) => d.writeByteArray(payload), (r) => { if (r.readByteArray().length !== payload.length) throw new Error("bytes came back different"); });
    default: throw new Error(`tsbinder: no caller for ${kase}`);
  }
}

/** Send `code` with the interface token and `write`, read the reply with `read`. */
export async function call(root, code, write, read, flags = 0) {
  const data = root.newParcel();
  data.writeInterfaceToken(BENCH_DESCRIPTOR);
  write?.(data);
  const reply = await root.transact(code, data, flags);
  data.dispose();
  try {
    if (flags) return undefined;
    reply.readException();
    return read?.(reply);
  } finally { reply.dispose(); }
}

let Callback;
/** A local callback object the server can call (answers ping). */
export async function callbackBinder() {
  const { Binder } = await load();
  Callback ??= class extends Binder {
    constructor() { super(CALLBACK_DESCRIPTOR); }
    onTransact(code, data, reply) {
      if (code !== CODE_CB_PING) return false;
      data.enforceInterface(CALLBACK_DESCRIPTOR);
      reply.writeNoException();
      return true;
    }
  };
  return new Callback();
}

/** { call, close } for a sequential latency case. */
export async function latencyClient({ transport, address, tls, kase, payload, options }) {
  const c = await connect({ transport, address, tls, options });
  return { call: caller(c.root, kase, payload), close: c.close };
}
