// tsbinder: the bench service (a hand-written stub, the way a generated AIDL stub reads and
// writes its parcels) and the client calls of each case, on any runtime and socket transport.
import {
  BENCH_DESCRIPTOR, CALLBACK_DESCRIPTOR, CODE_BYTES, CODE_CALLBACK, CODE_CB_PING, CODE_ECHO, CODE_HOLD,
  CODE_MEMORY, CODE_ONEWAY_SEQ, CODE_PING, CODE_RELEASE, CODE_SEQ_CHECK,
} from "../common.mjs";
import { fullGc, loadDistFile, loadTsb, memory } from "../lib/rt.mjs";

let tsb;
const load = async () => (tsb ??= await loadTsb());

/** The service; a class factory because Binder comes from the loaded package. onTransact is
 *  what `tsbinder aidl` generates for these methods (enforceInterface, read the arguments,
 *  dispatchCall around an async implementation method), so a call costs what it costs users. */
function makeService({ Binder, dispatchCall, dispatchOneway, transactCall }, wasmBytes) {
  const none = () => {};
  return class BenchService extends Binder {
    constructor() { super(BENCH_DESCRIPTOR); this.next = 0; this.received = 0; this.outOfOrder = 0; this.held = []; }
    // the implementation, as a user writes it
    async ping() {}
    async echo(s) { return s; }
    async bytes(b) { return b; }
    async onewaySeq(i) {
      if (i !== this.next) this.outOfOrder++;
      this.next = i + 1;
      this.received++;
    }
    async seqCheck() {
      const r = [this.received, this.outOfOrder];
      this.received = 0; this.outOfOrder = 0; this.next = 0;
      return r;
    }
    async callback(cb, n) {
      // call the client's binder n times, nested in this call; answer the times (ms)
      const samples = new Array(n);
      for (let i = 0; i < n; i++) {
        const t = performance.now();
        await transactCall(cb, CALLBACK_DESCRIPTOR, CODE_CB_PING, 0, none, none);
        samples[i] = performance.now() - t;
      }
      return samples;
    }
    async hold(bs) { for (const b of bs) this.held.push(b); }
    async release() { this.held = []; }
    async memory() {
      fullGc();
      const m = memory();
      return [m.heap, m.external, m.rss, wasmBytes()];
    }
    // the stub
    onTransact(code, data, reply) {
      data.enforceInterface(BENCH_DESCRIPTOR);
      switch (code) {
        case CODE_PING: return dispatchCall(reply, () => this.ping(), none);
        case CODE_ECHO: { const s = data.readString16(); return dispatchCall(reply, () => this.echo(s), (r, v) => r.writeString16(v)); }
        case CODE_BYTES: { const b = data.readByteArray(); return dispatchCall(reply, () => this.bytes(b), (r, v) => r.writeByteArray(v)); }
        case CODE_ONEWAY_SEQ: { const i = data.readInt32(); return dispatchOneway(() => this.onewaySeq(i)); }
        case CODE_SEQ_CHECK: return dispatchCall(reply, () => this.seqCheck(), (r, v) => r.writeInt32Array(v));
        case CODE_CALLBACK: {
          const cb = data.readStrongBinderNonNull();
          const n = data.readInt32();
          return dispatchCall(reply, () => this.callback(cb, n), (r, v) => r.writeDoubleArray(v));
        }
        case CODE_HOLD: {
          const n = data.readInt32();
          const bs = [];
          for (let i = 0; i < n; i++) bs.push(data.readStrongBinderNonNull());
          return dispatchCall(reply, () => this.hold(bs), none);
        }
        case CODE_RELEASE: return dispatchCall(reply, () => this.release(), none);
        case CODE_MEMORY: return dispatchCall(reply, () => this.memory(), (r, v) => r.writeDoubleArray(v));
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

/** The bench service class (for servers set up elsewhere, e.g. the worker case). */
export async function serviceClass() {
  return makeService(await load(), await wasmMemoryReader());
}

/** Start a server; resolves to the address clients connect to. */
/** The Unix transport of this runtime's adapter: its own sockets (node:net, Deno.listen,
 *  Bun.listen); with `libc: "net"` Deno's node:net sockets with SO_PEERCRED through FFI (the
 *  Deno adapter's default with --allow-ffi); with `libc: "ffi"` Deno's libc sockets (peer
 *  credentials and fds, one thread hop per read). */
function unixTransportOf(t, libc) {
  if (!libc) return t.unixTransport;
  const x = libc === "net" ? t.unixNetTransport : t.unixFfiTransport;
  if (!x) throw new Error(`tsbinder: no ${libc} Unix transport in this runtime's adapter`);
  return x;
}

export async function serve({ transport, address, tls, maxThreads = 1, libc = false }) {
  const t = await load();
  const Service = makeService(t, await wasmMemoryReader());
  // the bench's TCP and TLS clients have no identity (no client certificate), nor do Deno's
  // Unix peers: admit them (a local benchmark, not a deployment)
  const options = { maxThreads, allowAnonymous: true };
  let server, addr = address;
  // unix: RpcServer + the adapter's unix transport (what listenUnix does), which keeps the
  // bench independent of how the adapters assemble their entry points
  if (transport === "unix") { server = new t.RpcServer(options); await server.listen(unixTransportOf(t, libc), address); }
  else if (transport === "tcp") { server = await t.listenTcp("127.0.0.1", 0, options); addr = `127.0.0.1:${server.port}`; }
  else if (transport === "tls") { server = await t.listenTls("127.0.0.1", 0, { cert: tls.cert, key: tls.key }, options); addr = `127.0.0.1:${server.port}`; }
  else throw new Error(`tsbinder: no ${transport} server here`);
  server.setRoot(new Service());
  return addr;
}

/** Connect a session and get the root. */
export async function connect({ transport, address, tls, options = {}, libc = false }) {
  const t = await load();
  let session;
  if (transport === "unix") session = await t.connectSession(unixTransportOf(t, libc), address, options);
  else {
    const host = address.slice(0, address.lastIndexOf(":")), port = Number(address.slice(address.lastIndexOf(":") + 1));
    session = transport === "tcp" ? await t.connectTcp(host, port, options)
      : await t.connectTls(host, port, { ca: tls.ca, serverName: "localhost" }, options);
  }
  const root = await session.getRoot();
  if (!root) throw new Error("the bench server has no root object");
  return { session, root, close: () => session.shutdown() };
}

/** The call of a latency case on `root` (one round trip, checked): what a generated proxy
 *  method does (transactCall: interface token, arguments, transact, Status, result). */
export async function caller(root, kase, payload) {
  const { transactCall } = await load();
  switch (kase) {
    case "null-call": return () => transactCall(root, BENCH_DESCRIPTOR, CODE_PING, 0, () => {}, () => {});
    // the result is checked in the reply's reader, where a generated proxy reads it: no extra
    // async frame around the call (raw-echo has none either)
    case "echo-1k": return () => transactCall(root, BENCH_DESCRIPTOR, CODE_ECHO, 0, (d) => d.writeString16(payload), (r) => {
      if (r.readString16() !== payload) throw new Error("echo came back different");
    });
    case "bytes-64k": case "bytes-1m": return () => transactCall(root, BENCH_DESCRIPTOR, CODE_BYTES, 0, (d) => d.writeByteArray(payload), (r) => {
      if (r.readByteArray().length !== payload.length) throw new Error("bytes came back different");
    });
    default: throw new Error(`tsbinder: no caller for ${kase}`);
  }
}

/** Send `code` with the interface token and `write`, read the reply with `read` (a generated
 *  proxy method: transactCall, or transactOneway when `flags` has FLAG_ONEWAY). */
export function call(root, code, write, read, flags = 0) {
  if (flags) return tsb.transactOneway(root, BENCH_DESCRIPTOR, code, flags, write ?? (() => {}));
  return tsb.transactCall(root, BENCH_DESCRIPTOR, code, 0, write ?? (() => {}), read ?? (() => undefined));
}

let Callback;
/** A local callback object the server can call (answers ping). */
export async function callbackBinder() {
  const { Binder, dispatchCall } = await load();
  Callback ??= class extends Binder {
    constructor() { super(CALLBACK_DESCRIPTOR); }
    async ping() {}
    onTransact(code, data, reply) {
      if (code !== CODE_CB_PING) return false;
      data.enforceInterface(CALLBACK_DESCRIPTOR);
      return dispatchCall(reply, () => this.ping(), () => {});
    }
  };
  return new Callback();
}

/** { call, close } for a sequential latency case. */
export async function latencyClient({ transport, address, tls, kase, payload, options, libc }) {
  const c = await connect({ transport, address, tls, options, libc });
  return { call: await caller(c.root, kase, payload), close: c.close };
}
