// grpc-js (Node only): unary calls over a Unix socket (unix:PATH), the payload in a protobuf
// message (bench.proto), loaded with @grpc/proto-loader as most Node users do.
import { fileURLToPath } from "node:url";

async function load() {
  const grpc = await import("@grpc/grpc-js");
  const loader = await import("@grpc/proto-loader");
  const def = loader.loadSync(fileURLToPath(new URL("./bench.proto", import.meta.url)), { keepCase: true });
  return { grpc, Bench: grpc.loadPackageDefinition(def).bench.Bench };
}

const LIMITS = { "grpc.max_receive_message_length": 8 << 20, "grpc.max_send_message_length": 8 << 20 };

export async function serve({ transport, address }) {
  if (transport !== "unix") throw new Error("grpc-js: the bench serves it on unix only");
  const { grpc, Bench } = await load();
  const server = new grpc.Server(LIMITS);
  server.addService(Bench.service, {
    Ping: (_call, cb) => cb(null, {}),
    Echo: (call, cb) => cb(null, { s: call.request.s }),
    Bytes: (call, cb) => cb(null, { b: call.request.b }),
  });
  await new Promise((resolve, reject) => server.bindAsync(`unix:${address}`, grpc.ServerCredentials.createInsecure(), (e) => (e ? reject(e) : resolve())));
  return address;
}

export async function connect({ address }) {
  const { grpc, Bench } = await load();
  const client = new Bench(`unix:${address}`, grpc.credentials.createInsecure(), LIMITS);
  await new Promise((resolve, reject) => client.waitForReady(Date.now() + 5000, (e) => (e ? reject(e) : resolve())));
  // `check` looks at the response in grpc's own callback: no extra async frame per call
  const unary = (method, req, check) => new Promise((resolve, reject) => client[method](req, (e, r) => {
    if (e) return reject(e);
    try { check?.(r); resolve(r); } catch (x) { reject(x); }
  }));
  return { unary, close: () => client.close() };
}

export async function latencyClient({ address, kase, payload }) {
  const c = await connect({ address });
  const buf = payload instanceof Uint8Array ? Buffer.from(payload.buffer, payload.byteOffset, payload.length) : undefined;
  const call = kase === "null-call" ? () => c.unary("Ping", {})
    : kase === "echo-1k" ? () => c.unary("Echo", { s: payload }, (r) => { if (r.s !== payload) throw new Error("echo came back different"); })
    : () => c.unary("Bytes", { b: buf }, (r) => { if (r.b.length !== buf.length) throw new Error("bytes came back different"); });
  return { call, close: c.close };
}
