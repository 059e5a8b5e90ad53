// A client that speaks the wire by hand over a Unix socket (bench/load.mjs, bench/attacks.mjs):
// it can do what the library's own client never does (stop reading, send half a frame, lie
// about sizes), so a server can be measured against it.
import * as net from "node:net";

export class RawPeer {
  /** `structs`: the built package's src/wire/structs.js. */
  constructor(socket, structs) {
    this.s = socket;
    this.w = structs;
    this.buf = Buffer.alloc(0);
    this.wake = null;
    this.closed = false;
    this.closedAt = null;
    socket.on("data", (d) => { this.buf = this.buf.length ? Buffer.concat([this.buf, d]) : d; this.onData?.(); this.wake?.(); });
    socket.on("close", () => { this.closed = true; this.closedAt = performance.now(); this.wake?.(); });
    socket.on("error", () => {});
  }
  static connect(path, structs) {
    return new Promise((resolve, reject) => {
      const c = net.connect({ path }, () => resolve(new RawPeer(c, structs)));
      c.once("error", reject);
    });
  }
  /** Resolves when the server closes the socket. */
  whenClosed() {
    return new Promise((resolve) => { if (this.closed) resolve(); else this.s.once("close", () => resolve()); });
  }
  async read(n) {
    while (this.buf.length < n) {
      if (this.closed) throw new Error("closed");
      await new Promise((r) => { this.wake = r; });
    }
    const b = this.buf.subarray(0, n);
    this.buf = this.buf.subarray(n);
    return b;
  }
  write(b) { return this.s.write(b); }
  /** Connection header (wire v1, no fds) and init; waits for the version response. */
  async handshake() {
    this.write(this.w.encodeConnectionHeader({ version: 1, options: 0, fdMode: 0, sessionId: null }));
    this.write(this.w.encodeConnectionInit());
    await this.read(8);
  }
  /** A TRANSACT frame's bytes (wire v1). */
  transactBytes(address, code, data, { flags = 0, asyncNumber = 0n } = {}) {
    const tx = this.w.encodeTransaction(1, { address, code, flags, asyncNumber, parcelDataSize: data.length });
    return Buffer.concat([this.w.encodeWireHeader(this.w.Command.TRANSACT, tx.length + data.length), tx, data]);
  }
  transact(address, code, data, opts) { return this.write(this.transactBytes(address, code, data, opts)); }
  /** The next REPLY's body (DEC_STRONGs before it are skipped). */
  async readReply() {
    for (;;) {
      const h = await this.read(16);
      const body = await this.read(h.readUInt32LE(4));
      if (h.readUInt32LE(0) === this.w.Command.REPLY) return body;
    }
  }
  /** GET_ROOT: the root object's address. */
  async root() {
    this.transact({ options: 0, id: 0 }, this.w.SpecialTransaction.GET_ROOT, new Uint8Array(0));
    const r = await this.readReply();
    // reply: status, parcelDataSize, 12 reserved; then the binder: type, options, id, stability
    return { options: r.readUInt32LE(24), id: r.readUInt32LE(28) };
  }
  destroy() { this.s.destroy(); }
}
