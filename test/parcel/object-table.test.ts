// Object tables of received parcels (wire v1+), checked as libbinder checks them and a little
// more (assembly/parcel/table.ts): in bounds, strictly ascending, non-overlapping, each entry an
// fd (v1+) or binder (v2) header whose object fits in the data, fd entries matching the fds
// that came with the message; objects read only where the table has them, plain data never
// read over one. A refused table is that call's error (BAD_TABLE on every read; a two-way call
// is answered BAD_VALUE, as RpcState's processTransactInternal does), never the session's.
import { describe, expect, it } from "vitest";
import { Binder, Parcel, ParcelError, RpcServer, StatusCode, type IBinder } from "../../src/index.js";
import { transactCall, writeNoException } from "../../src/codegen.js";
import { connectSession, memoryTransport } from "../../src/transport.js";
import { core } from "../../src/core/core.js";
import { derivePlatform, portablePlatform } from "../../src/platform/platform.js";
import { MODE } from "../../src/core/layout.js";
import { openIncoming } from "../../src/wire/frames.js";
import { concat } from "../fuzz/harness.js";
import {
  AddressOption, Command, decodeReply, encodeConnectionHeader, encodeConnectionInit, encodeTransaction, encodeWireHeader,
} from "../../src/wire/structs.js";

const cat = (...parts: Uint8Array[]) => concat(parts);
const u32le = (...vs: number[]) => {
  const b = new Uint8Array(vs.length * 4);
  vs.forEach((v, i) => new DataView(b.buffer).setUint32(i * 4, v, true));
  return b;
};
const binder = (id: number) => u32le(1, AddressOption.CREATED, id, 0x0c);
const fd = (index: number) => u32le(2, index);
/** String16 "units" as libbinder lays it out: length, units, NUL, padding. */
const string16 = (s: string) => {
  const units = [...s].map((c) => c.charCodeAt(0));
  const b = new Uint8Array(((4 + (units.length + 1) * 2) + 3) & ~3);
  const v = new DataView(b.buffer);
  v.setInt32(0, units.length, true);
  units.forEach((u, i) => v.setUint16(4 + 2 * i, u, true));
  return b;
};

function body(version: number, data: Uint8Array, table: number[]): Uint8Array {
  const t = encodeTransaction(version, { address: { options: 0, id: 0 }, code: 3, flags: 0, asyncNumber: 0n, parcelDataSize: data.length });
  return cat(t, data, u32le(...table));
}

function parcelError(fn: () => unknown): ParcelError {
  try { fn(); } catch (e) {
    if (e instanceof ParcelError) return e;
    throw e;
  }
  throw new Error("expected a ParcelError");
}

/** A platform for descriptor numbers that are never real fds: nothing may close or dup them. */
const standIns = derivePlatform(portablePlatform, {
  name: "stand-in fds",
  fds: { close(fd) { throw new Error(`closed stand-in fd ${fd}`); }, dup(fd) { throw new Error(`duplicated stand-in fd ${fd}`); } },
});

/** Open a TRANSACT body that came with `fds` descriptors (numbers never used as real fds). */
function open<T>(version: number, data: Uint8Array, table: number[], fds: number, fn: (p: Parcel) => T): T {
  const p = new Parcel({ platform: standIns });
  try {
    p._setMode(MODE.FDS | (version >= 2 ? MODE.BINDER_POSITIONS : 0));
    // stand-ins for the received fds: the parcel owns what it adopts, so detach them after
    p._adoptFds(Array.from({ length: fds }, (_, i) => 1_000_000 + i));
    expect(openIncoming(p, version, Command.TRANSACT, body(version, data, table))).toMatchObject({ code: 3 });
    return fn(p);
  } finally {
    p._fds = [];
    p._fdOwned = [];
    p.dispose();
  }
}

const refused = (version: number, data: Uint8Array, table: number[], fds = 0) => open(version, data, table, fds, (p) => {
  // no data is readable, and every read says why
  expect(p.dataSize).toBe(0);
  expect(parcelError(() => p.readInt32()).code).toBe("BAD_TABLE");
  expect(parcelError(() => p.readString16()).code).toBe("BAD_TABLE");
  expect(parcelError(() => p.readByteArray()).code).toBe("BAD_TABLE");
  expect(core.parcel_readBinder(p._h)).toBe(-1);
  expect(parcelError(() => p.readStrongBinder()).code).toBe("BAD_TABLE");
  return true;
});

describe("received object tables", () => {
  it("a good table: a binder (v2) and an fd, each read where the table has it", () => {
    const data = cat(binder(7), fd(0), u32le(99));
    open(2, data, [0, 16], 1, (p) => {
      expect(core.parcel_objectCount(p._h)).toBe(2);
      expect(core.parcel_readBinder(p._h)).toBe(1);
      expect(core.parcel_readFd(p._h, 1)).toBe(0);
      expect(p.readInt32()).toBe(99);
    });
    // v1: fds only
    open(1, cat(u32le(5), fd(0)), [4], 1, (p) => {
      expect(p.readInt32()).toBe(5);
      expect(core.parcel_readFd(p._h, 1)).toBe(0);
    });
  });

  it("out of bounds: offset + 4 >= dataSize (libbinder's own check), or an object that does not fit", () => {
    expect(refused(2, cat(binder(1)), [16])).toBe(true);
    expect(refused(2, cat(binder(1)), [12])).toBe(true); // a type word, but no room for the binder
    expect(refused(2, cat(binder(1)), [0xfffffffc])).toBe(true); // offset + 4 wraps in 32 bits
    expect(refused(1, cat(u32le(0), u32le(2)), [4], 1)).toBe(true); // fd type word as the last word
  });

  it("unordered or repeated entries", () => {
    const data = cat(binder(1), binder(2));
    expect(refused(2, data, [16, 0])).toBe(true);
    expect(refused(2, data, [0, 0])).toBe(true);
  });

  it("overlapping entries: an object inside another", () => {
    // an fd-looking word inside the binder's address, and two binders 8 bytes apart
    const data = cat(u32le(1, 2, 0, 0x0c), binder(3));
    expect(refused(2, data, [0, 4], 1)).toBe(true);
    expect(refused(2, cat(binder(1), binder(2)), [0, 8])).toBe(true);
  });

  it("entries that are not object headers: the middle of a string, a null binder, binders below v2", () => {
    const s = string16("just text, no objects");
    expect(refused(2, s, [12])).toBe(true); // ' t' is no object type
    expect(refused(2, cat(u32le(0, 0), binder(1)), [0])).toBe(true); // null binders are never in the table
    expect(refused(1, cat(binder(1)), [0])).toBe(true); // A16r4 refuses binder entries below v2
  });

  it("an entry into a string whose word happens to look like a binder: reading the string over it is refused", () => {
    // units 0x0001 0x0000 at offset 4 read as the word 1 (a binder type) with 16 bytes after it
    const s = string16("\u0001\u0000abcdefghijklmn");
    open(2, s, [4], 0, (p) => {
      const e = parcelError(() => p.readString16());
      expect(e.code).toBe("BAD_OBJECT");
      expect(p.dataPosition).toBe(0);
      // nor any other plain read over it
      p.dataPosition = 4;
      expect(parcelError(() => p.readInt32()).code).toBe("BAD_OBJECT");
      p.dataPosition = 0;
      expect(p.readInt32()).toBe(16); // the length word before it is plain data
    });
  });

  it("the fd entries must match the fds that came with the message (Parcel.cpp rpcSetDataReference)", () => {
    expect(refused(1, cat(fd(0)), [0], 0)).toBe(true); // an fd entry, no fd
    expect(refused(1, cat(fd(0), u32le(0)), [0], 2)).toBe(true); // one entry, two fds
    expect(refused(1, u32le(0, 0), [], 1)).toBe(true); // no entry, one fd
  });

  it("objects are read only where the table has them", () => {
    open(2, cat(binder(1), binder(2)), [0], 0, (p) => {
      expect(core.parcel_readBinder(p._h)).toBe(1);
      const e = parcelError(() => p.readStrongBinder());
      expect(e.code).toBe("BAD_OBJECT");
      expect(e.offset).toBe(16);
    });
    open(1, cat(fd(0), fd(0)), [0], 1, (p) => {
      expect(core.parcel_readFd(p._h, 1)).toBe(0);
      expect(core.parcel_readFd(p._h, 1)).toBe(-1); // at 8: not in the table
      expect(parcelError(() => p.readFileDescriptor()).code).toBe("BAD_OBJECT");
    });
    // below v2 binders are never in the table: one (or a null one) read over an fd is refused
    open(1, cat(u32le(1, 0), fd(0x0c)), [8], 1, (p) => {
      expect(parcelError(() => p.readStrongBinder()).code).toBe("BAD_OBJECT");
      expect(p.dataPosition).toBe(0);
    });
    open(1, cat(u32le(0), fd(0)), [4], 1, (p) => {
      expect(parcelError(() => p.readStrongBinder()).code).toBe("BAD_OBJECT");
      p.dataPosition = 4;
      expect(core.parcel_readFd(p._h, 1)).toBe(0);
    });
  });

  it("a refused table is that call's BAD_VALUE; the session goes on serving", async () => {
    const D = "test.ITable";
    class Svc extends Binder {
      calls = 0;
      constructor() { super(D); }
      protected onTransact(_code: number, data: Parcel, reply: Parcel): boolean {
        this.calls++;
        data.enforceInterface(D);
        writeNoException(reply);
        reply.writeInt32(data.readInt32() * 2);
        return true;
      }
    }
    const svc = new Svc();
    const server = new RpcServer({ allowAnonymous: true });
    const name = `table-${Math.random()}`;
    await server.listen(memoryTransport, name);
    server.setRoot(svc);
    // a raw v2 peer
    const c = await memoryTransport.connect(name);
    let inbox = new Uint8Array(0);
    let wake: (() => void) | null = null;
    c.start({ data: (chunk) => { inbox = cat(inbox, chunk); wake?.(); }, end: () => wake?.() });
    const read = async (n: number) => {
      while (inbox.length < n) await new Promise<void>((r) => { wake = r; });
      const out = inbox.subarray(0, n);
      inbox = inbox.subarray(n);
      return out;
    };
    /** The next frame other than a DEC_STRONG (the server returns the references we send it). */
    const readFrame = async (): Promise<{ command: number; body: Uint8Array }> => {
      for (;;) {
        const h = await read(16);
        const v = new DataView(h.buffer, h.byteOffset, 16);
        const frame = { command: v.getUint32(0, true), body: await read(v.getUint32(4, true)) };
        if (frame.command !== Command.DEC_STRONG) return frame;
      }
    };
    const transact = (address: { options: number; id: number }, data: Uint8Array, table: number[], code = 1) => {
      const t = encodeTransaction(2, { address, code, flags: 0, asyncNumber: 0n, parcelDataSize: data.length });
      c.write(cat(encodeWireHeader(Command.TRANSACT, t.length + data.length + table.length * 4), t, data, u32le(...table)));
    };
    try {
      c.write(encodeConnectionHeader({ version: 2, options: 0, fdMode: 0, sessionId: null }));
      c.write(encodeConnectionInit());
      await read(8);
      transact({ options: 0, id: 0 }, new Uint8Array(0), [], 0); // GET_ROOT
      const root = await readFrame();
      const rv = new DataView(root.body.buffer, root.body.byteOffset, root.body.length);
      const addr = { options: rv.getUint32(24, true), id: rv.getUint32(28, true) };
      const token = (() => { const p = new Parcel(); try { p.writeInterfaceToken(D); return p.toBytes(); } finally { p.dispose(); } })();

      // entries into the interface token's string: one whose word is no object type (the table
      // is refused), one whose word looks like a binder (the token read over it is refused);
      // both calls are answered BAD_VALUE, and the handler never gets past the token
      for (const entry of [12, 8]) {
        transact(addr, cat(token, u32le(21)), [entry]);
        const bad = await readFrame();
        expect(bad.command).toBe(Command.REPLY);
        expect(decodeReply(2, bad.body).status).toBe(StatusCode.BAD_VALUE);
      }
      expect(svc.calls).toBe(2);
      // the same session, a good call
      transact(addr, cat(token, u32le(21)), []);
      const good = await readFrame();
      expect(decodeReply(2, good.body)).toEqual({ status: 0, parcelDataSize: 8 });
      expect(new DataView(good.body.buffer, good.body.byteOffset + 20 + 4, 4).getInt32(0, true)).toBe(42);
      // and other sessions were never touched
      const session = await connectSession(memoryTransport, name);
      const r = (await session.getRoot()) as IBinder;
      expect(await transactCall(r, D, 1, 0, (p) => p.writeInt32(5), (q) => q.readInt32())).toBe(10);
      await session.shutdown();
    } finally {
      c.close();
      await server.shutdown();
    }
  });
});
