// Wire structs and whole frames against golden-wire-vectors.md §2-§4. Every expected byte
// string is parsed from the reference file (test/fixtures/reference.ts); this file states only
// which fields produce each vector and checks encode -> exact bytes -> decode -> same fields.
import { describe, expect, it } from "vitest";
import { Parcel, ParcelError, ParcelFileDescriptor } from "tsbinder";
import { core, SIZES, toScratch } from "../../src/core/core.js";
import { F, MODE } from "../../src/core/layout.js";
import {
  AddressOption, Command, ConnectionOption, FdMode, SpecialTransaction, WIRE_VERSION_EXPERIMENTAL,
  checkConnectionInit, decodeConnectionHeader, decodeDecStrong, decodeNewSessionResponse, decodeR34Transaction,
  decodeReply, decodeTransaction, decodeWireHeader, encodeConnectionHeader, encodeConnectionInit, encodeDecStrong,
  encodeNewSessionResponse, encodeR34Transaction, encodeReply, encodeTransaction, encodeWireHeader, replySize,
} from "../../src/wire/structs.js";
import { openIncoming, r34TransactionFrame, replyFrame, transactionFrame } from "../../src/wire/frames.js";
import {
  bytesToHex, capturedSessions, fdBodyGolden, fuzzerSeeds, r34Vectors, v2FramingGolden, wireTableVectors, type WireVector,
} from "../fixtures/reference.js";

const table = wireTableVectors();
function vector(section: "3" | "4", name: RegExp): WireVector {
  const found = table.filter((v) => v.section === section && name.test(v.name));
  if (found.length !== 1) throw new Error(`expected one §${section} vector matching ${name}, found ${found.length}`);
  return found[0]!;
}
const hex = bytesToHex;
const cat = (...parts: Uint8Array[]) => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) { out.set(p, at); at += p.length; }
  return out;
};
const u32 = (b: Uint8Array, at: number) => new DataView(b.buffer, b.byteOffset, b.byteLength).getUint32(at, true);
const u32le = (...vs: number[]) => {
  const b = new Uint8Array(vs.length * 4);
  vs.forEach((v, i) => new DataView(b.buffer).setUint32(i * 4, v, true));
  return b;
};
const special = { options: 0, id: 0 };

function withParcel<T>(fn: (p: Parcel) => T, bytes?: Uint8Array): T {
  const p = bytes ? Parcel.fromBytes(bytes) : new Parcel();
  try { return fn(p); } finally { p.dispose(); }
}

/** Split a non-r34 frame into header fields and body, checking bodySize against the length. */
function splitFrame(frame: Uint8Array) {
  const h = decodeWireHeader(frame);
  expect(h.known).toBe(true);
  expect(frame.length).toBe(SIZES.wireHeader + h.bodySize);
  return { ...h, body: frame.subarray(SIZES.wireHeader) };
}

describe("struct sizes come from the core", () => {
  it("16/8/8/16/40/20/4/16 and the r34 sizes", () => {
    expect(SIZES.connectionHeader).toBe(16);
    expect(SIZES.sessionId).toBe(32);
    expect(SIZES.newSessionResponse).toBe(8);
    expect(SIZES.connectionInit).toBe(8);
    expect(SIZES.wireHeader).toBe(16);
    expect(SIZES.transaction).toBe(40);
    expect(replySize(1)).toBe(20);
    expect(replySize(2)).toBe(20);
    expect(replySize(0)).toBe(4);
    expect(SIZES.decStrong).toBe(16);
    expect(SIZES.r34Transaction).toBe(64);
    expect(SIZES.r34DecStrong).toBe(32);
    expect(SIZES.r34Prefix).toBe(4);
  });
  it("the encoders produce exactly those sizes", () => {
    expect(encodeConnectionHeader({ version: 2, options: 0, fdMode: 0, sessionId: null }).length).toBe(SIZES.connectionHeader);
    expect(encodeNewSessionResponse(1).length).toBe(SIZES.newSessionResponse);
    expect(encodeConnectionInit().length).toBe(SIZES.connectionInit);
    expect(encodeWireHeader(0, 0).length).toBe(SIZES.wireHeader);
    expect(encodeTransaction(1, { address: special, code: 0, flags: 0, asyncNumber: 0n, parcelDataSize: 0 }).length).toBe(SIZES.transaction);
    expect(encodeReply(0, 0, 0).length).toBe(4);
    expect(encodeReply(1, 0, 0).length).toBe(20);
    expect(encodeDecStrong({ options: 1, id: 1 }, 1).length).toBe(SIZES.decStrong);
    expect(encodeR34Transaction({ address: null, code: 0, flags: 0, asyncNumber: 0n }).length).toBe(SIZES.r34Transaction);
  });
  it("the reference parser found every vector this file checks", () => {
    expect(table.filter((v) => v.section === "3").length).toBe(5);
    expect(table.filter((v) => v.section === "4").length).toBe(7);
    expect(fuzzerSeeds().map((s) => s.name)).toEqual(["special_transaction", "transact_on_binder"]);
    expect([...r34Vectors().keys()]).toEqual(["TRANSACT(GET_ROOT)", "REPLY", "DEC_STRONG", "new-session preamble"]);
  });
});

describe("§4 handshake structs", () => {
  it("RpcConnectionHeader v2, outgoing, fd mode NONE, new session", () => {
    const v = vector("4", /^RpcConnectionHeader, client max version 2, outgoing, fd mode NONE/);
    const fields = { version: 2, options: 0, fdMode: FdMode.NONE };
    expect(hex(encodeConnectionHeader({ ...fields, sessionId: null }))).toBe(hex(v.bytes));
    expect(decodeConnectionHeader(v.bytes)).toEqual({ ...fields, sessionIdSize: 0 });
  });
  it("RpcConnectionHeader, same with fd mode UNIX", () => {
    const v = vector("4", /^Same, fd mode UNIX$/);
    const fields = { version: 2, options: 0, fdMode: FdMode.UNIX };
    expect(hex(encodeConnectionHeader({ ...fields, sessionId: null }))).toBe(hex(v.bytes));
    expect(decodeConnectionHeader(v.bytes)).toEqual({ ...fields, sessionIdSize: 0 });
  });
  it("RpcConnectionHeader v1, INCOMING, attaching to a 32-byte session id", () => {
    const v = vector("4", /INCOMING, attaching to session id S/);
    expect(v.open).toEqual({ at: SIZES.connectionHeader, length: SIZES.sessionId });
    const id = Uint8Array.from({ length: 32 }, (_, i) => (i * 37 + 11) & 0xff);
    const expected = v.bytes.slice();
    expected.set(id, v.open!.at);
    const fields = { version: 1, options: ConnectionOption.INCOMING, fdMode: FdMode.NONE };
    const enc = encodeConnectionHeader({ ...fields, sessionId: id });
    expect(hex(enc)).toBe(hex(expected));
    const dec = decodeConnectionHeader(enc);
    expect(dec).toEqual({ ...fields, sessionIdSize: 32 });
    expect(hex(enc.subarray(SIZES.connectionHeader, SIZES.connectionHeader + dec.sessionIdSize))).toBe(hex(id));
  });
  it("a session id size other than 0 or 32 is refused both ways", () => {
    expect(() => encodeConnectionHeader({ version: 1, options: 0, fdMode: 0, sessionId: new Uint8Array(16) })).toThrow(RangeError);
    const bad = vector("4", /INCOMING, attaching/).bytes.slice(0, 16);
    bad[14] = 16;
    expect(() => decodeConnectionHeader(bad)).toThrow(ParcelError);
    expect(() => decodeConnectionHeader(bad.subarray(0, 15))).toThrow(ParcelError);
  });
  it("RpcNewSessionResponse, negotiated version 1", () => {
    const v = vector("4", /^RpcNewSessionResponse, negotiated version 1$/);
    expect(hex(encodeNewSessionResponse(1))).toBe(hex(v.bytes));
    expect(decodeNewSessionResponse(v.bytes)).toEqual({ version: 1 });
  });
  it("RpcOutgoingConnectionInit (§3 and §4 agree)", () => {
    for (const v of [vector("3", /^RpcOutgoingConnectionInit$/), vector("4", /^RpcOutgoingConnectionInit$/)]) {
      expect(hex(encodeConnectionInit())).toBe(hex(v.bytes));
      expect(checkConnectionInit(v.bytes)).toBe(true);
    }
    expect(checkConnectionInit(new Uint8Array(8))).toBe(false);
    expect(checkConnectionInit(Uint8Array.from([0x63, 0x63, 0x6a, 0, 0, 0, 0, 0]))).toBe(false);
  });
});

describe("§4 special transactions (v1+)", () => {
  it("GET_MAX_THREADS request: the frame builder and the struct encoders both give the vector", () => {
    const v = vector("4", /^GET_MAX_THREADS request, v1\+$/);
    const t = { address: special, code: SpecialTransaction.GET_MAX_THREADS, flags: 0, asyncNumber: 0n, parcelDataSize: 0 };
    for (const version of [1, 2]) {
      expect(hex(withParcel((p) => transactionFrame(p, version, special, t.code, 0, 0)))).toBe(hex(v.bytes));
      expect(hex(cat(encodeWireHeader(Command.TRANSACT, SIZES.transaction), encodeTransaction(version, t)))).toBe(hex(v.bytes));
    }
    const f = splitFrame(v.bytes);
    expect(f.command).toBe(Command.TRANSACT);
    expect(decodeTransaction(f.body)).toEqual(t);
    withParcel((p) => {
      const o = openIncoming(p, 1, Command.TRANSACT, f.body);
      expect(o).toEqual({ command: Command.TRANSACT, address: special, code: t.code, flags: 0, asyncNumber: 0 });
      expect(p.dataSize).toBe(0);
    });
  });
  it("reply to GET_MAX_THREADS (server max 1)", () => {
    const v = vector("4", /^Reply to GET_MAX_THREADS/);
    const frame = withParcel((p) => { p.writeInt32(1); return replyFrame(p, 1, 0); });
    expect(hex(frame)).toBe(hex(v.bytes));
    const f = splitFrame(v.bytes);
    expect(f.command).toBe(Command.REPLY);
    expect(decodeReply(1, f.body)).toEqual({ status: 0, parcelDataSize: 4 });
    withParcel((p) => {
      expect(openIncoming(p, 1, Command.REPLY, f.body)).toEqual({ command: Command.REPLY, status: 0 });
      expect(p.dataSize).toBe(4);
      expect(p.readInt32()).toBe(1);
      expect(p.dataAvail()).toBe(0);
    });
  });
});

describe("§3 rsbinder android13+ vectors", () => {
  it("v0 TRANSACT GET_ROOT to the special address, no data", () => {
    const v = vector("3", /^v0 TRANSACT to special address, code GET_ROOT/);
    expect(v.bytes.length).toBe(SIZES.wireHeader + SIZES.transaction);
    expect(hex(withParcel((p) => transactionFrame(p, 0, special, SpecialTransaction.GET_ROOT, 0, 0)))).toBe(hex(v.bytes));
    const f = splitFrame(v.bytes);
    expect(f).toMatchObject({ command: Command.TRANSACT, bodySize: SIZES.transaction });
    expect(decodeTransaction(f.body)).toEqual({ address: special, code: 0, flags: 0, asyncNumber: 0n, parcelDataSize: 0 });
    withParcel((p) => {
      expect(openIncoming(p, 0, Command.TRANSACT, f.body)).toMatchObject({ address: special, code: 0 });
      expect(p.dataSize).toBe(0);
    });
  });
  it("v0 REPLY status 0 with unaligned data aabb", () => {
    const v = vector("3", /^v0 REPLY status 0, data `aabb`$/);
    const data = Uint8Array.from([0xaa, 0xbb]);
    expect(hex(withParcel((p) => replyFrame(p, 0, 0), data))).toBe(hex(v.bytes));
    expect(hex(cat(encodeWireHeader(Command.REPLY, replySize(0) + 2), encodeReply(0, 0, 2), data))).toBe(hex(v.bytes));
    const f = splitFrame(v.bytes);
    expect(decodeReply(0, f.body)).toEqual({ status: 0, parcelDataSize: 0 }); // v0 has no size field
    withParcel((p) => {
      expect(openIncoming(p, 0, Command.REPLY, f.body)).toEqual({ command: Command.REPLY, status: 0 });
      expect(hex(p.toBytes())).toBe("aabb"); // v0: the rest of the body is the data
    });
  });
  it("v1 REPLY status 7 with data ccddee", () => {
    const v = vector("3", /^v1 REPLY status 7, data `ccddee`$/);
    const data = Uint8Array.from([0xcc, 0xdd, 0xee]);
    expect(hex(cat(encodeWireHeader(Command.REPLY, replySize(1) + 3), encodeReply(1, 7, 3), data))).toBe(hex(v.bytes));
    const f = splitFrame(v.bytes);
    expect(f.bodySize).toBe(0x17);
    expect(decodeReply(1, f.body)).toEqual({ status: 7, parcelDataSize: 3 });
    withParcel((p) => {
      expect(openIncoming(p, 1, Command.REPLY, f.body)).toEqual({ command: Command.REPLY, status: 7 });
      expect(hex(p.toBytes())).toBe("ccddee");
    });
    // Our own frame builder sends no data with a failure status (as libbinder does): the same
    // header and status with parcelDataSize 0.
    const ours = withParcel((p) => replyFrame(p, 1, 7), data);
    expect(hex(ours)).toBe(hex(cat(encodeWireHeader(Command.REPLY, 20), encodeReply(1, 7, 0))));
  });
  it("DEC_STRONG {CREATED, 1} amount 1 (v0 and v1)", () => {
    const v = vector("3", /^DEC_STRONG \(v0 and v1\)/);
    const address = { options: AddressOption.CREATED, id: 1 };
    expect(hex(cat(encodeWireHeader(Command.DEC_STRONG, SIZES.decStrong), encodeDecStrong(address, 1)))).toBe(hex(v.bytes));
    const f = splitFrame(v.bytes);
    expect(f).toMatchObject({ command: Command.DEC_STRONG, bodySize: SIZES.decStrong });
    expect(decodeDecStrong(f.body)).toEqual({ address, amount: 1 });
  });
  it("an unknown command decodes as not known; short inputs are ParcelErrors", () => {
    expect(decodeWireHeader(cat(u32le(3, 0), new Uint8Array(8)))).toEqual({ command: 3, bodySize: 0, known: false });
    expect(() => decodeWireHeader(new Uint8Array(15))).toThrow(ParcelError);
    expect(() => decodeTransaction(new Uint8Array(39))).toThrow(ParcelError);
    expect(() => decodeReply(1, new Uint8Array(19))).toThrow(ParcelError);
    expect(() => decodeReply(0, new Uint8Array(3))).toThrow(ParcelError);
    expect(() => decodeDecStrong(new Uint8Array(15))).toThrow(ParcelError);
    expect(() => decodeNewSessionResponse(new Uint8Array(7))).toThrow(ParcelError);
    expect(() => checkConnectionInit(new Uint8Array(7))).toThrow(ParcelError);
    expect(() => decodeR34Transaction(new Uint8Array(63))).toThrow(ParcelError);
  });
});

describe("§3 v2 object-table framing golden", () => {
  const g = v2FramingGolden();
  it("the golden's arithmetic matches the core's sizes", () => {
    expect(g.bodySize).toBe(SIZES.transaction + g.data.length + 4 * g.positions.length);
    expect(g.replyBodySize).toBe(replySize(2) + g.data.length + 4 * g.positions.length);
    expect(hex(g.table)).toBe(hex(u32le(...g.positions)));
  });
  it("the frame builder appends the table and counts it in bodySize (TRANSACT and REPLY)", () => {
    // libbinder refuses to install (or accept) an entry without room for an object after its
    // type word (offset + 4 < dataSize), and the golden's entry 4 in 8 bytes has none. So the
    // table is installed while the parcel holds 12 bytes and the size is then cut to 8.
    const build = (fn: (p: Parcel) => Uint8Array) => withParcel((p) => {
      const at = toScratch(g.table);
      expect(core.parcel_setObjectTable(p._h, at, g.positions.length)).toBe(1);
      p.setField(F.SIZE, g.data.length);
      return fn(p);
    }, cat(g.data, new Uint8Array(4)));
    const frame = build((p) => transactionFrame(p, 2, special, 0, 0, 0));
    const f = splitFrame(frame);
    expect(f.bodySize).toBe(g.bodySize);
    expect(decodeTransaction(f.body).parcelDataSize).toBe(g.data.length);
    expect(hex(f.body.subarray(SIZES.transaction))).toBe(hex(cat(g.data, g.table)));
    expect(hex(frame)).toBe(hex(cat(encodeWireHeader(Command.TRANSACT, g.bodySize),
      encodeTransaction(2, { address: special, code: 0, flags: 0, asyncNumber: 0n, parcelDataSize: 8 }), g.data, g.table)));

    const reply = build((p) => replyFrame(p, 2, 0));
    const r = splitFrame(reply);
    expect(r.bodySize).toBe(g.replyBodySize);
    expect(decodeReply(2, r.body)).toEqual({ status: 0, parcelDataSize: g.data.length });
    expect(hex(r.body.subarray(replySize(2)))).toBe(hex(cat(g.data, g.table)));
  });
  it("receiving: the table is split off at parcelDataSize; the golden's table (no objects at its positions) is the call's BAD_TABLE", () => {
    // the golden is framing arithmetic: its 8 data bytes hold no objects at [0, 4] (and entry
    // 4 leaves no room for a type word, libbinder's own check). The body still opens (the
    // session lives on, as libbinder's does) but every read of it is BAD_TABLE.
    const body = cat(encodeTransaction(2, { address: special, code: 7, flags: 0, asyncNumber: 0n, parcelDataSize: 8 }), g.data, g.table);
    withParcel((p) => {
      expect(openIncoming(p, 2, Command.TRANSACT, body)).toMatchObject({ code: 7 });
      expect(p.dataSize).toBe(0);
      expect(core.parcel_objectCount(p._h)).toBe(2); // still counted, for the session's limit
      expect(catchError(() => p.readInt32()).code).toBe("BAD_TABLE");
      expect(catchError(() => p.readString16()).code).toBe("BAD_TABLE");
    });
    // the same framing around two binders (16 bytes each) at [0, 16] opens cleanly
    const binder = (id: number) => cat(u32le(1), u32le(AddressOption.CREATED), u32le(id), u32le(0x0c));
    const data = cat(binder(1), binder(2));
    const ok = cat(encodeTransaction(2, { address: special, code: 5, flags: 0, asyncNumber: 0n, parcelDataSize: 32 }), data, u32le(0, 16));
    withParcel((p) => {
      expect(openIncoming(p, 2, Command.TRANSACT, ok)).toMatchObject({ code: 5 });
      expect(hex(p.toBytes())).toBe(hex(data));
      expect(core.parcel_objectCount(p._h)).toBe(2);
      const tableAt = core.parcel_objectTable(p._h);
      expect(Array.from(new Uint32Array(core.memory.buffer, tableAt, 2))).toEqual([0, 16]);
    });
  });
  it("a table that is not a whole number of entries, or a data size past the body, is BAD_FRAME", () => {
    const t = (n: number) => encodeTransaction(2, { address: special, code: 0, flags: 0, asyncNumber: 0n, parcelDataSize: n });
    withParcel((p) => expect(catchError(() => openIncoming(p, 2, Command.TRANSACT, cat(t(8), g.data, new Uint8Array(3)))).code).toBe("BAD_FRAME"));
    withParcel((p) => expect(catchError(() => openIncoming(p, 2, Command.TRANSACT, cat(t(9), g.data))).code).toBe("BAD_FRAME"));
    withParcel((p) => expect(catchError(() => openIncoming(p, 1, Command.REPLY, new Uint8Array(19))).code).toBe("BAD_FRAME"));
  });
  it("a parcel with objects cannot be framed at v0", () => {
    withParcel((p) => {
      p._setMode(MODE.BINDER_POSITIONS);
      p._writeBinderAddress(AddressOption.CREATED, 1, 0x0c);
      expect(catchError(() => transactionFrame(p, 0, special, 0, 0, 0)).code).toBe("BAD_FRAME");
      // and the parcel is still usable at v2: position 0 is in the table
      const f = splitFrame(transactionFrame(p, 2, special, 0, 0, 0));
      expect(f.bodySize).toBe(SIZES.transaction + 16 + 4);
      expect(hex(f.body.subarray(SIZES.transaction + 16))).toBe("00000000");
    });
  });
});

describe("§3 rpc_fd_v1_body_golden", () => {
  it("a non-null ParcelFileDescriptor at v1+: body bytes and object position", () => {
    const g = fdBodyGolden();
    withParcel((p) => {
      p._setMode(MODE.FDS);
      const fd = new ParcelFileDescriptor(0);
      p.writeParcelFileDescriptor(fd);
      fd.detach(); // never close fd 0
      expect(hex(p.toBytes())).toBe(hex(g.bytes));
      expect(core.parcel_objectCount(p._h)).toBe(1);
      expect(new Uint32Array(core.memory.buffer, core.parcel_objectTable(p._h), 1)[0]).toBe(g.position);
    });
    withParcel((p) => {
      p.writeParcelFileDescriptor(null);
      expect(hex(p.toBytes())).toBe("00000000");
      expect(core.parcel_objectCount(p._h)).toBe(0);
    });
  });
});

describe("§3 r34 (Android 12 layout) vectors", () => {
  const r34 = r34Vectors();
  const prefixed = (b: Uint8Array) => cat(u32le(b.length), b);
  it("TRANSACT(GET_ROOT): the builder adds rsbinder's length prefix in front of the vector", () => {
    const v = r34.get("TRANSACT(GET_ROOT)")!.bytes;
    expect(v.length).toBe(SIZES.wireHeader + SIZES.r34Transaction);
    const frame = withParcel((p) => r34TransactionFrame(p, null, SpecialTransaction.GET_ROOT, 0, 0));
    expect(hex(frame)).toBe(hex(prefixed(v)));
    expect(hex(frame.subarray(SIZES.r34Prefix))).toBe(hex(v));
    const body = v.subarray(SIZES.wireHeader);
    expect(decodeWireHeader(v)).toEqual({ command: Command.TRANSACT, bodySize: SIZES.r34Transaction, known: true });
    expect(hex(encodeR34Transaction({ address: null, code: 0, flags: 0, asyncNumber: 0n }))).toBe(hex(body));
    expect(decodeR34Transaction(body)).toEqual({ address: new Uint8Array(32), code: 0, flags: 0, asyncNumber: 0n });
    withParcel((p) => {
      const o = openIncoming(p, "r34", Command.TRANSACT, body);
      expect(o).toEqual({ command: Command.TRANSACT, address: new Uint8Array(32), code: 0, flags: 0, asyncNumber: 0 });
      expect(p.dataSize).toBe(0);
    });
  });
  it("an r34 transaction with a 32-byte address, code, flags, async number and data round-trips", () => {
    const address = Uint8Array.from({ length: 32 }, (_, i) => 255 - i);
    const frame = withParcel((p) => { p.writeInt32(42); return r34TransactionFrame(p, address, 7, 1, 0x1_0000_0002); });
    expect(u32(frame, 0)).toBe(frame.length - SIZES.r34Prefix);
    const h = decodeWireHeader(frame.subarray(SIZES.r34Prefix));
    expect(h).toEqual({ command: Command.TRANSACT, bodySize: SIZES.r34Transaction + 4, known: true });
    const body = frame.subarray(SIZES.r34Prefix + SIZES.wireHeader);
    expect(hex(encodeR34Transaction({ address, code: 7, flags: 1, asyncNumber: 0x1_0000_0002n }))).toBe(hex(body.subarray(0, 64)));
    expect(decodeR34Transaction(body)).toEqual({ address, code: 7, flags: 1, asyncNumber: 0x1_0000_0002n });
    withParcel((p) => {
      expect(openIncoming(p, "r34", Command.TRANSACT, body)).toEqual({ command: Command.TRANSACT, address, code: 7, flags: 1, asyncNumber: 0x1_0000_0002 });
      expect(p.readInt32()).toBe(42);
    });
  });
  it("REPLY status 0 with data aabb", () => {
    const v = r34.get("REPLY")!.bytes;
    expect(hex(withParcel((p) => replyFrame(p, "r34", 0), Uint8Array.from([0xaa, 0xbb])))).toBe(hex(prefixed(v)));
    withParcel((p) => {
      expect(openIncoming(p, "r34", Command.REPLY, v.subarray(SIZES.wireHeader))).toEqual({ command: Command.REPLY, status: 0 });
      expect(hex(p.toBytes())).toBe("aabb");
    });
  });
  it("DEC_STRONG: header with bodySize = the 32-byte address", () => {
    const v = r34.get("DEC_STRONG")!;
    expect(v.open).toEqual({ at: SIZES.wireHeader, length: SIZES.r34DecStrong });
    expect(hex(encodeWireHeader(Command.DEC_STRONG, SIZES.r34DecStrong))).toBe(hex(v.bytes.subarray(0, SIZES.wireHeader)));
    expect(decodeWireHeader(v.bytes)).toEqual({ command: Command.DEC_STRONG, bodySize: 32, known: true });
  });
});

describe("§2 AOSP rpc_fuzzer seeds", () => {
  const seeds = new Map(fuzzerSeeds().map((s) => [s.name, s.bytes]));
  // Each seed: connection header, cci, then TRANSACT frames, then 4 fuzzer control bytes.
  function walk(bytes: Uint8Array) {
    const header = decodeConnectionHeader(bytes);
    let at = SIZES.connectionHeader + header.sessionIdSize;
    const cci = checkConnectionInit(bytes.subarray(at));
    at += SIZES.connectionInit;
    const frames: { command: number; bodySize: number; reserved: string; body: Uint8Array }[] = [];
    while (bytes.length - at > 4) {
      const h = decodeWireHeader(bytes.subarray(at));
      expect(h.known).toBe(true);
      const body = bytes.subarray(at + SIZES.wireHeader, at + SIZES.wireHeader + h.bodySize);
      frames.push({ command: h.command, bodySize: h.bodySize, reserved: hex(bytes.subarray(at + 8, at + 16)), body });
      at += SIZES.wireHeader + h.bodySize;
    }
    return { header, cci, frames, control: hex(bytes.subarray(at)) };
  }
  it("special_transaction: new-session handshake at EXPERIMENTAL, cci, TRANSACT GET_ROOT", () => {
    const w = walk(seeds.get("special_transaction")!);
    expect(w.header).toEqual({ version: WIRE_VERSION_EXPERIMENTAL, options: 0, fdMode: 0, sessionIdSize: 0 });
    expect(w.cci).toBe(true);
    expect(w.frames.length).toBe(1);
    expect(w.frames[0]).toMatchObject({ command: Command.TRANSACT, bodySize: 40, reserved: "1111111111111111" });
    expect(decodeTransaction(w.frames[0]!.body)).toEqual({ address: special, code: SpecialTransaction.GET_ROOT, flags: 0, asyncNumber: 0n, parcelDataSize: 0 });
    expect(w.control).toBe("8d4a8d4a");
    // the reserved header words are ignored: re-encoding gives the seed with them zeroed
    expect(hex(encodeWireHeader(Command.TRANSACT, 40))).toBe("00000000280000000000000000000000");
  });
  it("transact_on_binder: GET_ROOT, then a TRANSACT to {CREATED|FOR_SERVER, id 0}", () => {
    const w = walk(seeds.get("transact_on_binder")!);
    expect(w.header.version).toBe(WIRE_VERSION_EXPERIMENTAL);
    expect(w.cci).toBe(true);
    expect(w.frames.map((f) => [f.command, f.bodySize])).toEqual([[0, 40], [0, 40]]);
    const t = decodeTransaction(w.frames[1]!.body);
    expect(t).toEqual({ address: { options: AddressOption.CREATED | AddressOption.FOR_SERVER, id: 0 }, code: 0, flags: 0, asyncNumber: 0n, parcelDataSize: 0 });
    for (const version of [0, 1, 2]) {
      withParcel((p) => {
        expect(openIncoming(p, version, Command.TRANSACT, w.frames[1]!.body)).toMatchObject({ address: t.address, code: 0 });
        expect(p.dataSize).toBe(0);
      });
    }
    expect(w.control).toBe("8d4a8d4a");
  });
});

describe("captured rsbinder sessions (rsbinder-sessions.hex): decode, then rebuild byte for byte", () => {
  const sessions = capturedSessions();
  const dialects: [string, number | "r34"][] = [["A", "r34"], ["V0", 0], ["V1", 1], ["V2", 2]];
  for (const [name, dialect] of dialects) {
    it(`section ${name} (${dialect === "r34" ? "r34" : `wire v${dialect}`})`, () => {
      const messages = sessions.get(name)!;
      expect(messages.length).toBeGreaterThanOrEqual(8);
      let frames = 0;
      for (const m of messages) {
        const b = m.bytes;
        if (/RpcConnectionHeader/.test(m.title)) {
          const h = decodeConnectionHeader(b);
          expect(h.version).toBe(dialect);
          expect(hex(encodeConnectionHeader({ ...h, sessionId: h.sessionIdSize ? b.slice(16, 16 + h.sessionIdSize) : null }))).toBe(hex(b));
          continue;
        }
        if (/RpcOutgoingConnectionInit/.test(m.title)) {
          expect(checkConnectionInit(b)).toBe(true);
          expect(hex(encodeConnectionInit())).toBe(hex(b));
          continue;
        }
        if (/RpcNewSessionResponse/.test(m.title)) {
          expect(decodeNewSessionResponse(b)).toEqual({ version: dialect });
          expect(hex(encodeNewSessionResponse(dialect as number))).toBe(hex(b));
          continue;
        }
        frames++;
        const prefix = dialect === "r34" ? SIZES.r34Prefix : 0;
        if (prefix) expect(u32(b, 0)).toBe(b.length - prefix);
        const h = decodeWireHeader(b.subarray(prefix));
        expect(h.known).toBe(true);
        expect(prefix + SIZES.wireHeader + h.bodySize).toBe(b.length);
        const body = b.subarray(prefix + SIZES.wireHeader);
        if (h.command === Command.DEC_STRONG) {
          if (dialect === "r34") {
            expect(body.length).toBe(SIZES.r34DecStrong);
            expect(hex(encodeWireHeader(Command.DEC_STRONG, SIZES.r34DecStrong))).toBe(hex(b.subarray(prefix, prefix + 16)));
          } else {
            const d = decodeDecStrong(body);
            expect(hex(cat(encodeWireHeader(Command.DEC_STRONG, SIZES.decStrong), encodeDecStrong(d.address, d.amount)))).toBe(hex(b));
          }
          continue;
        }
        // TRANSACT / REPLY: open the body, then frame the same data and object table again
        const rebuilt = withParcel((inp) => {
          const o = openIncoming(inp, dialect, h.command, body);
          const data = inp.toBytes();
          const n = core.parcel_objectCount(inp._h);
          const table = new Uint8Array(core.memory.buffer, core.parcel_objectTable(inp._h), n * 4).slice();
          return withParcel((out) => {
            if (n) expect(core.parcel_setObjectTable(out._h, toScratch(table), n)).toBe(1);
            if (o.command === Command.REPLY) return replyFrame(out, dialect, o.status);
            if (dialect === "r34") return r34TransactionFrame(out, o.address as Uint8Array, o.code, o.flags, o.asyncNumber);
            return transactionFrame(out, dialect, o.address as { options: number; id: number }, o.code, o.flags, o.asyncNumber);
          }, data);
        });
        expect(hex(rebuilt), `${m.id} ${m.title}`).toBe(hex(b));
      }
      expect(frames).toBeGreaterThanOrEqual(5);
    });
  }
  it("the v2 REPLY to GET_ROOT carries the root binder's position in its table, and it reads back", () => {
    const m = sessions.get("V2")!.find((x) => /REPLY to GET_ROOT/.test(x.title))!;
    withParcel((p) => {
      openIncoming(p, 2, Command.REPLY, m.bytes.subarray(SIZES.wireHeader));
      expect(core.parcel_objectCount(p._h)).toBe(1);
      p._setMode(p._mode() | MODE.BINDER_POSITIONS);
      const at = new Uint32Array(core.memory.buffer, core.parcel_objectTable(p._h), 1)[0]!;
      p.dataPosition = at;
      // plain data may not be read over an object the table declares; the binder reads
      expect(catchError(() => p.readInt32()).code).toBe("BAD_OBJECT");
      expect(core.parcel_readBinder(p._h)).toBe(1);
      expect(p.dataPosition).toBe(at + 16);
    });
  });
});

describe("frames and parcels that came off the wire", () => {
  it("framing a received parcel whose headroom is too small is a ParcelError, not a write before its buffer", () => {
    const body = cat(encodeReply(0, 0, 0), u32le(5));
    withParcel((p) => {
      openIncoming(p, 0, Command.REPLY, body); // data starts 4 bytes into the buffer
      expect(p.readInt32()).toBe(5);
      expect(catchError(() => transactionFrame(p, 1, special, 0, 0, 0)).code).toBe("BAD_FRAME");
      expect(catchError(() => replyFrame(p, 0, 0)).code).toBe("BAD_FRAME");
      expect(catchError(() => replyFrame(p, 1, 0)).code).toBe("BAD_FRAME");
      expect(catchError(() => replyFrame(p, "r34", 0)).code).toBe("BAD_FRAME");
      expect(catchError(() => r34TransactionFrame(p, null, 0, 0, 0)).code).toBe("BAD_FRAME");
      // the parcel is intact and still usable
      expect(hex(p.toBytes())).toBe("05000000");
      p.dataPosition = 0;
      expect(p.readInt32()).toBe(5);
    });
    // and the heap is intact: parcels can still be created, written and framed
    const frame = withParcel((q) => { q.writeString16("after"); return replyFrame(q, 1, 0); });
    expect(splitFrame(frame).bodySize).toBe(20 + 16);
  });
  it("a body larger than the parcel's maxSize is refused before it is copied", () => {
    withParcel((p) => {
      p.maxSize = 64;
      expect(catchError(() => openIncoming(p, 1, Command.REPLY, new Uint8Array(20 + 1024))).code).toBe("TOO_LARGE");
      expect(openIncoming(p, 1, Command.REPLY, cat(encodeReply(1, 0, 4), u32le(9)))).toEqual({ command: Command.REPLY, status: 0 });
      expect(p.readInt32()).toBe(9);
    });
  });
  it("one parcel reused for bodies of different dialects reads each in its own layout", () => {
    const addr = Uint8Array.from({ length: 32 }, (_, i) => i + 1);
    const r34Body = cat(u32le(0), u32le(1), addr); // status 0, r34 binder
    const v1Body = cat(encodeReply(1, 0, 16), u32le(1, 3, 7, 0x0c)); // binder {3, 7}, SYSTEM
    withParcel((p) => {
      openIncoming(p, "r34", Command.REPLY, r34Body); // the status is not part of the data
      expect(core.parcel_readBinder(p._h)).toBe(1);
      expect(p.dataAvail()).toBe(0);
      openIncoming(p, 1, Command.REPLY, v1Body);
      expect(core.parcel_readBinder(p._h)).toBe(1);
      expect(p.field(F.OUT_A)).toBe(3);
      expect(p.field(F.OUT_B)).toBe(7);
      expect(p.dataAvail()).toBe(0);
    });
  });
  it("openIncoming refuses other commands and disposed parcels", () => {
    withParcel((p) => expect(catchError(() => openIncoming(p, 1, Command.DEC_STRONG, new Uint8Array(16))).code).toBe("BAD_FRAME"));
    const p = new Parcel();
    p.dispose();
    expect(catchError(() => openIncoming(p, 1, Command.REPLY, new Uint8Array(20))).code).toBe("DISPOSED");
    expect(catchError(() => replyFrame(p, 1, 0)).code).toBe("DISPOSED");
  });
});

function catchError(fn: () => unknown): ParcelError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ParcelError);
    return e as ParcelError;
  }
  throw new Error("expected a ParcelError");
}
