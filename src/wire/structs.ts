// The TypeScript face of the wire structs in assembly/wire/ (where every byte layout is
// stated once). Encoders return fresh byte arrays; decoders take bytes and return fields.
import { core, copyOut as copyOutWith, outWord, portableByteCopies, scratch, toScratch, SIZES } from "../core/core.js";

// The structs encoded here (handshake messages, single headers) are small and rare: plain
// Uint8Arrays on every platform.
const copyOut = (at: number, n: number): Uint8Array => copyOutWith(portableByteCopies, at, n);
import { ParcelError, ParcelErrorCode } from "../parcel/errors.js";

export const WIRE_VERSION_MAX = 2;
export const WIRE_VERSION_EXPERIMENTAL = 0xf0000000;
export const Command = { TRANSACT: 0, REPLY: 1, DEC_STRONG: 2 } as const;
export const ConnectionOption = { INCOMING: 1 } as const;
export const FdMode = { NONE: 0, UNIX: 1, TRUSTY: 2 } as const;
export const AddressOption = { CREATED: 1, FOR_SERVER: 2 } as const;
export const SpecialTransaction = { GET_ROOT: 0, GET_MAX_THREADS: 1, GET_SESSION_ID: 2 } as const;

function need(bytes: Uint8Array, n: number, what: string): void {
  if (bytes.length < n) throw new ParcelError(ParcelErrorCode.BAD_FRAME, 0, `${n} bytes of ${what}`, `${what} too short (${bytes.length} bytes)`);
}

export interface ConnectionHeader { version: number; options: number; fdMode: number; sessionId: Uint8Array | null }

export function encodeConnectionHeader(h: ConnectionHeader): Uint8Array {
  const idSize = h.sessionId ? h.sessionId.length : 0;
  if (idSize !== 0 && idSize !== SIZES.sessionId) throw new RangeError(`session id must be ${SIZES.sessionId} bytes`);
  const at = scratch(SIZES.connectionHeader + idSize);
  core.wire_encodeConnectionHeader(at, h.version >>> 0, h.options, h.fdMode, idSize);
  const out = copyOut(at, SIZES.connectionHeader + idSize);
  if (h.sessionId) out.set(h.sessionId, SIZES.connectionHeader);
  return out;
}

/** Decode the fixed 16 bytes; the session id (sessionIdSize bytes) follows separately. */
export function decodeConnectionHeader(bytes: Uint8Array): { version: number; options: number; fdMode: number; sessionIdSize: number } {
  need(bytes, SIZES.connectionHeader, "RpcConnectionHeader");
  const ok = core.wire_decodeConnectionHeader(toScratch(bytes.subarray(0, SIZES.connectionHeader)));
  const h = { version: outWord(0) >>> 0, options: outWord(1), fdMode: outWord(2), sessionIdSize: outWord(3) };
  if (!ok) throw new ParcelError(ParcelErrorCode.BAD_FRAME, 14, `a session id size of 0 or ${SIZES.sessionId}`, `bad session id size ${h.sessionIdSize}`);
  return h;
}

export function encodeNewSessionResponse(version: number): Uint8Array {
  const at = scratch(SIZES.newSessionResponse);
  core.wire_encodeNewSessionResponse(at, version >>> 0);
  return copyOut(at, SIZES.newSessionResponse);
}
export function decodeNewSessionResponse(bytes: Uint8Array): { version: number } {
  need(bytes, SIZES.newSessionResponse, "RpcNewSessionResponse");
  core.wire_decodeNewSessionResponse(toScratch(bytes.subarray(0, SIZES.newSessionResponse)));
  return { version: outWord(0) >>> 0 };
}

export function encodeConnectionInit(): Uint8Array {
  const at = scratch(SIZES.connectionInit);
  core.wire_encodeConnectionInit(at);
  return copyOut(at, SIZES.connectionInit);
}
export function checkConnectionInit(bytes: Uint8Array): boolean {
  need(bytes, SIZES.connectionInit, "RpcOutgoingConnectionInit");
  return core.wire_checkConnectionInit(toScratch(bytes.subarray(0, SIZES.connectionInit))) === 1;
}

export interface WireHeader { command: number; bodySize: number }
export function encodeWireHeader(command: number, bodySize: number): Uint8Array {
  const at = scratch(SIZES.wireHeader);
  core.wire_encodeWireHeader(at, command, bodySize >>> 0);
  return copyOut(at, SIZES.wireHeader);
}
/** Decode a header; `known` is false for a command other than TRANSACT/REPLY/DEC_STRONG. */
export function decodeWireHeader(bytes: Uint8Array): WireHeader & { known: boolean } {
  need(bytes, SIZES.wireHeader, "RpcWireHeader");
  const known = core.wire_decodeWireHeader(toScratch(bytes.subarray(0, SIZES.wireHeader))) === 1;
  return { command: outWord(0) >>> 0, bodySize: outWord(1) >>> 0, known };
}

export interface WireAddress { options: number; id: number }
export interface Transaction {
  address: WireAddress; code: number; flags: number; asyncNumber: bigint; parcelDataSize: number;
}
const lo = (v: bigint) => Number(v & 0xffffffffn);
const hi = (v: bigint) => Number((v >> 32n) & 0xffffffffn);

export function encodeTransaction(version: number, t: Transaction): Uint8Array {
  const at = scratch(SIZES.transaction);
  core.wire_encodeTransaction(at, version, t.address.options, t.address.id, t.code >>> 0, t.flags >>> 0,
    lo(t.asyncNumber), hi(t.asyncNumber), t.parcelDataSize);
  return copyOut(at, SIZES.transaction);
}
export function decodeTransaction(bytes: Uint8Array): Transaction {
  need(bytes, SIZES.transaction, "RpcWireTransaction");
  core.wire_decodeTransaction(toScratch(bytes.subarray(0, SIZES.transaction)));
  return {
    address: { options: outWord(0) >>> 0, id: outWord(1) >>> 0 },
    code: outWord(2) >>> 0, flags: outWord(3) >>> 0,
    asyncNumber: (BigInt(outWord(5) >>> 0) << 32n) | BigInt(outWord(4) >>> 0),
    parcelDataSize: outWord(6) >>> 0,
  };
}

export function replySize(version: number): number { return core.wire_replySize(version); }
export function encodeReply(version: number, status: number, parcelDataSize: number): Uint8Array {
  const n = replySize(version);
  const at = scratch(n);
  core.wire_encodeReply(at, version, status | 0, parcelDataSize >>> 0);
  return copyOut(at, n);
}
export function decodeReply(version: number, bytes: Uint8Array): { status: number; parcelDataSize: number } {
  need(bytes, replySize(version), "RpcWireReply");
  core.wire_decodeReply(toScratch(bytes.subarray(0, replySize(version))), version);
  return { status: outWord(0) | 0, parcelDataSize: outWord(1) >>> 0 };
}

export function encodeDecStrong(address: WireAddress, amount: number): Uint8Array {
  const at = scratch(SIZES.decStrong);
  core.wire_encodeDecStrong(at, address.options, address.id, amount >>> 0);
  return copyOut(at, SIZES.decStrong);
}
export function decodeDecStrong(bytes: Uint8Array): { address: WireAddress; amount: number } {
  need(bytes, SIZES.decStrong, "RpcDecStrong");
  core.wire_decodeDecStrong(toScratch(bytes.subarray(0, SIZES.decStrong)));
  return { address: { options: outWord(0) >>> 0, id: outWord(1) >>> 0 }, amount: outWord(2) >>> 0 };
}

export interface R34Transaction { address: Uint8Array | null; code: number; flags: number; asyncNumber: bigint }
export function encodeR34Transaction(t: R34Transaction): Uint8Array {
  const at = scratch(SIZES.r34Transaction + 32);
  const src = at + SIZES.r34Transaction;
  if (t.address) copyIn(t.address, src);
  core.wire_encodeR34Transaction(at, t.address ? src : 0, t.code >>> 0, t.flags >>> 0, lo(t.asyncNumber), hi(t.asyncNumber));
  return copyOut(at, SIZES.r34Transaction);
}
export function decodeR34Transaction(bytes: Uint8Array): R34Transaction {
  need(bytes, SIZES.r34Transaction, "r34 RpcWireTransaction");
  const at = toScratch(bytes.subarray(0, SIZES.r34Transaction));
  core.wire_decodeR34Transaction(at);
  return {
    address: copyOut(outWord(0) >>> 0, 32),
    code: outWord(2) >>> 0, flags: outWord(3) >>> 0,
    asyncNumber: (BigInt(outWord(5) >>> 0) << 32n) | BigInt(outWord(4) >>> 0),
  };
}

function copyIn(bytes: Uint8Array, at: number): void {
  // scratch() was sized by the caller; toScratch would reuse the same area from its start
  new Uint8Array(core.memory.buffer).set(bytes, at);
}

export function versionSupported(v: number): boolean { return core.wire_versionSupported(v >>> 0) === 1; }
