// capnweb (Node only): the same calls on an RpcTarget, over the same kind of Unix socket
// through capnweb's custom transport interface (RpcTransport: JSON strings, here framed with
// a 4-byte length), and over a local WebSocket (the `ws` package) as it is usually deployed.
// capnweb's wire format is JSON, so a Uint8Array travels as base64 text.
import * as net from "node:net";
import { RpcSession, RpcTarget, newWebSocketRpcSession } from "capnweb";
import { WebSocket, WebSocketServer } from "ws";
import { rawFramer } from "../common.mjs";

// capnweb reads the WebSocket global's constants; Node 20 has no global WebSocket
globalThis.WebSocket ??= WebSocket;

class BenchApi extends RpcTarget {
  ping() {}
  echo(s) { return s; }
  bytes(b) { return b; }
}

/** capnweb's RpcTransport over a stream socket: u32 LE length + UTF-8 JSON per message. */
class SocketTransport {
  constructor(socket) {
    this.socket = socket;
    this.inbox = [];
    this.waiting = null;
    this.error = null;
    socket.on("data", rawFramer((m) => this.deliver(m.toString("utf8", 4))));
    const fail = (e) => {
      this.error = e ?? new Error("socket closed");
      if (this.waiting) { const w = this.waiting; this.waiting = null; w.reject(this.error); }
    };
    socket.on("error", fail);
    socket.on("close", () => fail());
  }
  deliver(msg) {
    if (this.waiting) { const w = this.waiting; this.waiting = null; w.resolve(msg); } else this.inbox.push(msg);
  }
  send(message) {
    const n = Buffer.byteLength(message);
    const b = Buffer.allocUnsafe(4 + n);
    b.writeUInt32LE(n, 0);
    b.write(message, 4);
    this.socket.write(b);
  }
  receive() {
    if (this.inbox.length) return Promise.resolve(this.inbox.shift());
    if (this.error) return Promise.reject(this.error);
    return new Promise((resolve, reject) => { this.waiting = { resolve, reject }; });
  }
  abort() { this.socket.destroy(); }
}

export async function serve({ transport, address }) {
  if (transport === "unix") {
    const server = net.createServer((s) => { new RpcSession(new SocketTransport(s), new BenchApi()); });
    await new Promise((resolve, reject) => { server.once("error", reject); server.listen(address, resolve); });
    return address;
  }
  if (transport === "ws") {
    const wss = new WebSocketServer({ host: "127.0.0.1", port: 0 });
    await new Promise((resolve) => wss.once("listening", resolve));
    wss.on("connection", (ws) => { newWebSocketRpcSession(ws, new BenchApi()); });
    return `ws://127.0.0.1:${wss.address().port}`;
  }
  throw new Error(`capnweb: no ${transport} server here`);
}

export async function connect({ transport, address }) {
  if (transport === "unix") {
    const s = net.connect({ path: address });
    await new Promise((resolve, reject) => { s.once("connect", resolve); s.once("error", reject); });
    const session = new RpcSession(new SocketTransport(s));
    return { stub: session.getRemoteMain(), close: () => s.destroy() };
  }
  const ws = new WebSocket(address);
  await new Promise((resolve, reject) => { ws.once("open", resolve); ws.once("error", reject); });
  const stub = newWebSocketRpcSession(ws);
  return { stub, close: () => ws.close() };
}

export async function latencyClient({ transport, address, kase, payload }) {
  const { stub, close } = await connect({ transport, address });
  const call = kase === "null-call" ? () => stub.ping()
    // the result checked in a then(): no extra async frame per call (as for every system)
    : kase === "echo-1k" ? () => stub.echo(payload).then((s) => { if (s !== payload) throw new Error("echo came back different"); })
    : () => stub.bytes(payload).then((b) => { if (b.length !== payload.length) throw new Error("bytes came back different"); });
  return { call, close };
}
