// Frame-size caps (src/rpc/frame-size.ts): a session sends no frame body larger than the peer
// accepts. Against a peer that has not agreed to more (libbinder takes 100,000 bytes up to
// Android 15; here the r34 dialect, which has no extension, and a tsbinder peer that states a
// small limit) an oversized request or reply is refused with FAILED_TRANSACTION before any of
// it is written, and the session goes on. Between tsbinder peers the client asks the first time
// a request is too large, and large frames then flow both ways.
import { afterEach, describe, expect, it } from "vitest";
import {
  Binder, BinderError, FLAG_ONEWAY, RpcServer, StatusCode, type IBinder, type Parcel,
  type RpcSession, type SessionLimits,
} from "../../src/index.js";
import { readException, writeNoException } from "../../src/codegen.js";
import { connectSession, memoryTransport, type RpcTransport } from "../../src/transport.js";
import { SPECIAL_MAX_FRAME_BODY } from "../../src/rpc/frame-size.js";
import { engineOf } from "../../src/rpc/session.js";

const DESCRIPTOR = "test.IBlob";
const ECHO = 1, MAKE = 2;

class BlobService extends Binder {
  calls = 0;
  specials: number[] = [];
  constructor() { super(DESCRIPTOR); }
  protected onTransact(code: number, data: Parcel, reply: Parcel): boolean {
    data.enforceInterface(DESCRIPTOR);
    this.calls++;
    writeNoException(reply);
    if (code === ECHO) reply.writeByteArray(data.readByteArray());
    else if (code === MAKE) reply.writeByteArray(new Uint8Array(data.readInt32()).fill(7));
    else return false;
    return true;
  }
}

const cleanup: (() => unknown)[] = [];
afterEach(async () => { for (const f of cleanup.splice(0).reverse()) await f(); });

/** memoryTransport, counting the bytes each client connection writes. */
function counting(): RpcTransport & { written: () => number } {
  let written = 0;
  return {
    name: "counting",
    written: () => written,
    listen: (a, on) => memoryTransport.listen(a, on),
    async connect(address) {
      const tc = await memoryTransport.connect(address);
      const write = tc.write.bind(tc);
      tc.write = (b, f, m) => { written += b.length; write(b, f, m); };
      // (the memory transport's writeNow goes through write)
      return tc;
    },
  };
}

let n = 0;
async function setup(opts: { version?: number | "r34"; server?: Partial<SessionLimits>; client?: Partial<SessionLimits> } = {}) {
  const name = `frames-${n++}`;
  const transport = counting();
  const server = new RpcServer({ limits: opts.server, allowAnonymous: true });
  const service = new BlobService();
  server.setRoot(service);
  await server.listen(transport, name);
  cleanup.push(() => server.shutdown());
  const session: RpcSession = await connectSession(transport, name, { version: opts.version, limits: opts.client });
  cleanup.push(() => session.shutdown());
  const root = (await session.getRoot())!;
  return { transport, service, session, root };
}

async function call(b: IBinder, code: number, fill: (p: Parcel) => void, flags = 0): Promise<Uint8Array | null> {
  const data = b.newParcel();
  let reply: Parcel;
  try {
    data.writeInterfaceToken(DESCRIPTOR);
    fill(data);
    reply = await b.transact(code, data, flags);
  } finally { data.dispose(); }
  try {
    if (flags & FLAG_ONEWAY) return null;
    readException(reply);
    return reply.readByteArray();
  } finally { reply.dispose(); }
}

const failed = (e: unknown) => e instanceof BinderError && e.status === StatusCode.FAILED_TRANSACTION;

describe("frame-size caps", () => {
  it("the default cap is libbinder's 100,000 bytes", async () => {
    const { DEFAULT_SESSION_LIMITS } = await import("../../src/codegen.js");
    expect(DEFAULT_SESSION_LIMITS.maxSentFrameBody).toBe(100_000);
  });

  it("r34 (no extension): a request over the cap is refused before a byte of it is written; the session goes on", async () => {
    const { transport, service, root, session } = await setup({ version: "r34" });
    const before = transport.written();
    const err = await call(root, ECHO, (p) => p.writeByteArray(new Uint8Array(200_000))).catch((e) => e);
    expect(failed(err), String(err)).toBe(true);
    const oneway = await call(root, ECHO, (p) => p.writeByteArray(new Uint8Array(200_000)), FLAG_ONEWAY).catch((e) => e);
    expect(failed(oneway), String(oneway)).toBe(true);
    expect(transport.written() - before, "bytes written for refused calls").toBe(0);
    expect(service.calls).toBe(0);
    // just under the cap goes
    expect((await call(root, ECHO, (p) => p.writeByteArray(new Uint8Array(90_000))))!.length).toBe(90_000);
    expect(session.isAlive()).toBe(true);
  });

  it("a reply over the cap is answered FAILED_TRANSACTION instead (r34 server), and the session goes on", async () => {
    const { root, session, service } = await setup({ version: "r34" });
    expect(failed(await call(root, MAKE, (p) => p.writeInt32(150_000)).catch((e) => e))).toBe(true);
    expect(service.calls).toBe(1);
    expect((await call(root, MAKE, (p) => p.writeInt32(99_000)))!.length).toBe(99_000);
    expect(session.isAlive()).toBe(true);
  });

  it("between tsbinder peers the client agrees at connect; large frames go both ways from the first call", async () => {
    const { root, session } = await setup({ version: 2 });
    // a small request with a large reply, before any large request
    expect((await call(root, MAKE, (p) => p.writeInt32(1 << 20)))!.length).toBe(1 << 20);
    const big = new Uint8Array(1536 * 1024).map((_, i) => i & 0xff);
    expect(Buffer.compare(Buffer.from((await call(root, ECHO, (p) => p.writeByteArray(big)))!), Buffer.from(big))).toBe(0);
    expect((await call(root, MAKE, (p) => p.writeInt32(4 << 20)))!.length).toBe(4 << 20);
    // many at once, while the first ask may still be on its way
    const all = await Promise.all(Array.from({ length: 8 }, () => call(root, ECHO, (p) => p.writeByteArray(big))));
    for (const r of all) expect(r!.length).toBe(big.length);
    expect(session.isAlive()).toBe(true);
  });

  it("agreeFrameSize() answers what was agreed at connect", async () => {
    const { root, session } = await setup({ version: 1 });
    expect(await engineOf(session).router.agreeFrameSize()).toBe(16 * 1024 * 1024);
    expect((await call(root, MAKE, (p) => p.writeInt32(2 << 20)))!.length).toBe(2 << 20);
    // and a large oneway may go now
    await call(root, ECHO, (p) => p.writeByteArray(new Uint8Array(300_000)), FLAG_ONEWAY);
    const r34 = await setup({ version: "r34" });
    expect(await engineOf(r34.session).router.agreeFrameSize()).toBe(100_000);
  });

  it("a tsbinder peer states its own limit: more is refused before it is written", async () => {
    const { transport, root, service } = await setup({ version: 1, server: { maxFrameBody: 300_000 } });
    expect((await call(root, ECHO, (p) => p.writeByteArray(new Uint8Array(250_000))))!.length).toBe(250_000);
    const before = transport.written();
    const calls = service.calls;
    expect(failed(await call(root, ECHO, (p) => p.writeByteArray(new Uint8Array(400_000))).catch((e) => e))).toBe(true);
    expect(transport.written()).toBe(before);
    expect(service.calls).toBe(calls);
  });

  it("the extension is a special transaction a client sends only when a request is too large", async () => {
    expect(SPECIAL_MAX_FRAME_BODY).toBe(0x54530002);
    const { transport, root } = await setup({ version: 2 });
    const before = transport.written();
    await call(root, ECHO, (p) => p.writeByteArray(new Uint8Array(64 * 1024)));
    // one TRANSACT frame of about 64 KiB: no ask went with it
    expect(transport.written() - before).toBeLessThan(64 * 1024 + 200);
  });

  it("a configured cap applies (maxSentFrameBody)", async () => {
    const { root } = await setup({ version: "r34", client: { maxSentFrameBody: 10_000 } });
    expect(failed(await call(root, ECHO, (p) => p.writeByteArray(new Uint8Array(20_000))).catch((e) => e))).toBe(true);
    expect((await call(root, ECHO, (p) => p.writeByteArray(new Uint8Array(5_000))))!.length).toBe(5_000);
  });
});
