// IBinder.transactRead: a session proxy reads a two-way call's reply the moment it arrives and
// settles the caller's one promise with the result (what generated proxies use through
// transactCall). What it must keep from the plain transact() path: the caller's errors stay the
// caller's (a ServiceException, a reply too short to read), no parcel outlives the call, the
// session carries on, and a remote without transactRead still works.
import { parcelCounts, liveParcels } from "../fuzz/counters.js";
import { afterEach, describe, expect, it } from "vitest";
import {
  Binder, FLAG_ONEWAY, ParcelError, RpcServer, ServiceException, type IBinder, type Parcel,
} from "../../src/index.js";
import { transactCall, writeException, writeNoException } from "../../src/codegen.js";
import { connectSession, memoryTransport } from "../../src/transport.js";

const D = "test.IRead";
const ECHO = 1, THROW = 2, SHORT = 3, WAIT = 4;

class Service extends Binder {
  gate: Promise<void> = Promise.resolve();
  constructor() { super(D); }
  protected onTransact(code: number, data: Parcel, reply: Parcel): boolean | Promise<boolean> {
    data.enforceInterface(D);
    if (code === ECHO) { const s = data.readString16(); writeNoException(reply); reply.writeString16(s); return true; }
    if (code === THROW) { writeException(reply, new ServiceException(-3, "refused")); return true; }
    // a reply that says "no exception" and then ends: reading a string from it must fail
    if (code === SHORT) { writeNoException(reply); return true; }
    if (code === WAIT) return this.gate.then(() => { writeNoException(reply); reply.writeInt32(7); return true; });
    return false;
  }
}

const cleanup: (() => unknown)[] = [];
afterEach(async () => { for (const f of cleanup.splice(0)) await f(); });

async function setup() {
  const name = `read-${Math.random()}`;
  const server = new RpcServer({ allowAnonymous: true });
  await server.listen(memoryTransport, name);
  const service = new Service();
  server.setRoot(service);
  const session = await connectSession(memoryTransport, name);
  cleanup.push(() => session.shutdown(), () => server.shutdown());
  const root = (await session.getRoot()) as IBinder;
  return { service, root };
}

const echo = (b: IBinder, s: string) => transactCall(b, D, ECHO, 0, (p) => p.writeString16(s), (r) => r.readString16NonNull());

describe("transactRead", () => {
  it("a session proxy has it, and transactCall goes through it rather than transact()", async () => {
    const { root } = await setup();
    expect(typeof root.transactRead).toBe("function");
    let plain = 0, read = 0;
    const transact = root.transact.bind(root), transactRead = root.transactRead!.bind(root);
    Object.assign(root, {
      transact: (...a: Parameters<IBinder["transact"]>) => { plain++; return transact(...a); },
      transactRead: (...a: Parameters<NonNullable<IBinder["transactRead"]>>) => { read++; return transactRead(...a); },
    });
    for (let i = 0; i < 10; i++) expect(await echo(root, `x${i}`)).toBe(`x${i}`);
    expect([plain, read]).toEqual([0, 10]);
  });

  it("a ServiceException and an unreadable reply reject the call, free both parcels, and the session goes on", async () => {
    expect(parcelCounts.installed).toBe(true);
    const { root } = await setup();
    await echo(root, "warm");
    const before = liveParcels();
    for (let i = 0; i < 20; i++) {
      const refused = transactCall(root, D, THROW, 0, () => {}, () => "never");
      await expect(refused).rejects.toBeInstanceOf(ServiceException);
      await expect(refused).rejects.toMatchObject({ exceptionCode: -3 });
      const short = transactCall(root, D, SHORT, 0, () => {}, (r) => r.readString16NonNull());
      await expect(short).rejects.toBeInstanceOf(ParcelError);
      const wrote = transactCall(root, D, ECHO, 0, () => { throw new RangeError("bad argument"); }, () => "never");
      await expect(wrote).rejects.toBeInstanceOf(RangeError);
      expect(await echo(root, `after ${i}`)).toBe(`after ${i}`);
    }
    expect(liveParcels()).toBe(before);
  });

  it("the data parcel is freed when the call is sent, before the reply comes", async () => {
    const { service, root } = await setup();
    let open!: () => void;
    service.gate = new Promise((r) => { open = r; });
    let data: Parcel | null = null;
    const newParcel = root.newParcel.bind(root);
    root.newParcel = () => (data = newParcel());
    const call = transactCall(root, D, WAIT, 0, (p) => p.writeInt32(1), (r) => r.readInt32());
    expect(data).not.toBeNull();
    let error: unknown = null;
    try { data!.dataPosition = 0; data!.readInt32(); } catch (e) { error = e; }
    expect(error).toBeInstanceOf(ParcelError);
    expect((error as ParcelError).code).toBe("DISPOSED");
    open();
    expect(await call).toBe(7);
  });

  it("with FLAG_ONEWAY, read gets the empty reply transact() gives, and it is freed", async () => {
    const { root } = await setup();
    const before = liveParcels();
    const data = root.newParcel();
    data.writeInterfaceToken(D);
    data.writeString16("one way");
    const size = await root.transactRead!(ECHO, data, FLAG_ONEWAY, (r) => r.dataSize);
    data.dispose();
    expect(size).toBe(0);
    expect(await echo(root, "still here")).toBe("still here");
    expect(liveParcels()).toBe(before);
  });

  it("a remote without transactRead (a local object) still takes the transact() path", async () => {
    const local = new Service();
    expect((local as IBinder).transactRead).toBeUndefined();
    expect(await echo(local, "in process")).toBe("in process");
    await expect(transactCall(local, D, THROW, 0, () => {}, () => "never")).rejects.toBeInstanceOf(ServiceException);
  });
});
