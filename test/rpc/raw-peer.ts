// A raw peer speaking wire v1 by hand over a Unix socket, for tests of what a server does with
// frames no tsbinder client would send (hostile peers, exact asyncNumbers, half frames).
import * as net from "node:net";
import { Parcel } from "../../src/index.js";
import { encodeConnectionHeader, encodeConnectionInit, encodeWireHeader, encodeTransaction } from "../../src/wire/structs.js";
import { DESCRIPTOR, Nester } from "./test-service.js";
import { connectUnix, listenUnix } from "../../runtimes/node/index.js";
import { recordingLogger, socketPath } from "./helpers.js";

/** A raw peer speaking wire v1 by hand. */
export class RawPeer {
  private buf = Buffer.alloc(0);
  private waiters: (() => void)[] = [];
  closed = false;
  constructor(readonly s: net.Socket) {
    s.on("data", (d) => { this.buf = Buffer.concat([this.buf, d]); this.waiters.splice(0).forEach((w) => w()); });
    s.on("close", () => { this.closed = true; this.waiters.splice(0).forEach((w) => w()); });
    s.on("error", () => {});
  }
  static async connect(path: string): Promise<RawPeer> {
    const s = await new Promise<net.Socket>((resolve, reject) => {
      const c = net.connect({ path }, () => resolve(c));
      c.once("error", reject);
    });
    return new RawPeer(s);
  }
  async read(n: number): Promise<Buffer> {
    while (this.buf.length < n) {
      if (this.closed) throw new Error("closed");
      await new Promise<void>((r) => this.waiters.push(r));
    }
    const out = this.buf.subarray(0, n);
    this.buf = this.buf.subarray(n);
    return out;
  }
  async readFrame(): Promise<{ command: number; body: Buffer }> {
    const h = await this.read(16);
    return { command: h.readUInt32LE(0), body: await this.read(h.readUInt32LE(4)) };
  }
  write(b: Uint8Array): void { this.s.write(b); }
  async handshake(): Promise<void> {
    this.write(encodeConnectionHeader({ version: 1, options: 0, fdMode: 0, sessionId: null }));
    this.write(encodeConnectionInit());
    await this.read(8);
  }
  transact(address: { options: number; id: number }, code: number, flags: number, asyncNumber: bigint, data: Uint8Array): void {
    const t = encodeTransaction(1, { address, code, flags, asyncNumber, parcelDataSize: data.length });
    this.write(Buffer.concat([encodeWireHeader(0, t.length + data.length), t, data]));
  }
  /** GET_ROOT: returns the root's address. */
  async root(): Promise<{ options: number; id: number }> {
    this.transact({ options: 0, id: 0 }, 0, 0, 0n, new Uint8Array(0));
    const r = await this.readFrame();
    // reply: status, parcelDataSize, 12 reserved; then binder: type, options, id, stability
    return { options: r.body.readUInt32LE(24), id: r.body.readUInt32LE(28) };
  }
  waitClosed(): Promise<void> {
    return new Promise((resolve) => { if (this.closed) resolve(); else this.s.once("close", () => resolve()); });
  }
}

/** The data of a call to the interface `descriptor` (its token, then `write`), as bytes. */
export function callData(descriptor: string, write: (p: Parcel) => void): Uint8Array {
  const p = new Parcel();
  try {
    p.writeInterfaceToken(descriptor);
    write(p);
    return p.toBytes();
  } finally { p.dispose(); }
}

/** The data of a call to the test service. */
export function request(write: (p: Parcel) => void): Uint8Array {
  return callData(DESCRIPTOR, write);
}


/** A Unix server with a Nester root and a recording logger (options `opts`); `cleanup` gets
 *  what to undo. */
export async function serveNester(opts: Parameters<typeof listenUnix>[1], cleanup: (() => unknown)[]) {
  const path = socketPath();
  const logger = recordingLogger();
  const server = await listenUnix(path, { logger, ...opts });
  const service = new Nester("server");
  server.setRoot(service);
  cleanup.push(() => server.shutdown());
  return { path, server, service, logger };
}

/** serveNester, and a well-behaved client that must keep working throughout. */
export async function serveWithGoodClient(opts: Parameters<typeof listenUnix>[1], cleanup: (() => unknown)[]) {
  const served = await serveNester(opts, cleanup);
  const good = await connectUnix(served.path);
  cleanup.push(() => good.shutdown());
  const goodRoot = (await good.getRoot())!;
  return { ...served, goodRoot };
}

/** serveNester, and a raw peer that has done its handshake and holds the root's address. */
export async function serveRaw(opts: Parameters<typeof listenUnix>[1], cleanup: (() => unknown)[]) {
  const served = await serveNester(opts, cleanup);
  const p = await RawPeer.connect(served.path);
  cleanup.push(() => { p.s.destroy(); });
  await p.handshake();
  const root = await p.root();
  return { ...served, p, root };
}
