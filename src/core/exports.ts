// The functions the wasm core exports (assembly/index.ts), as the facade sees them.
// Pointers are numbers; bool results are 0/1.
//
// Every address the core returns is a u32, but a wasm i32 result reaches JS as a *signed*
// number: above 2 GiB of linear memory it is negative, and `subarray(at, ...)` would count from
// the end of memory (another parcel's bytes, or zeros). So the facade never sees the raw
// exports: unsignedAddresses() wraps each export that returns an address or a byte count with
// `>>> 0`, once, at load. Arguments need nothing: JS numbers up to 2^32 - 1 pass to an i32
// parameter with the same bits. Addresses held in JS are therefore in [0, 2^32); index typed
// arrays with `>>> 2`, never `>> 2` (which would make an address above 2 GiB negative again).
export interface CoreExports {
  readonly memory: WebAssembly.Memory;
  readonly wire_out: WebAssembly.Global;
  scratch(n: number): number;
  sizes(at: number): void;

  parcel_create(initial: number, headroom: number): number;
  parcel_destroy(p: number): void;
  /** Destroyed handles kept for reuse (assembly/parcel/handle.ts). */
  parcel_pooledHandles(): number;
  parcel_reset(p: number): void;
  parcel_reserve(p: number, n: number): number;
  parcel_writeInt32(p: number, v: number): number;
  parcel_writeFloat(p: number, v: number): number;
  parcel_writeDouble(p: number, v: number): number;
  parcel_writeInt64(p: number, lo: number, hi: number): number;
  parcel_readInt32(p: number): number;
  parcel_readFloat(p: number): number;
  parcel_readDouble(p: number): number;
  parcel_readInt64Slot(p: number): number;
  parcel_writeString16Utf8(p: number, src: number, n: number): number;
  parcel_writeString16Units(p: number, src: number, units: number): number;
  parcel_readString16(p: number, narrow: number): number;
  parcel_reserveString16(p: number, units: number): number;
  parcel_writeString8(p: number, src: number, n: number): number;
  parcel_readString8(p: number): number;
  parcel_writeCString(p: number, src: number, n: number): number;
  parcel_readCString(p: number): number;
  parcel_writeArrayReserve(p: number, count: number, elemSize: number): number;
  parcel_readArray(p: number, elemSize: number): number;
  parcel_readCount(p: number, minElem: number): number;
  parcel_writeNullBinder(p: number): number;
  parcel_writeBinder(p: number, options: number, id: number, stability: number): number;
  parcel_writeBinderR34(p: number, src: number): number;
  parcel_readBinder(p: number): number;
  parcel_writeFd(p: number): number;
  parcel_readFd(p: number, fdCount: number): number;
  parcel_setObjectTable(p: number, src: number, n: number): number;
  parcel_objectCount(p: number): number;
  parcel_objectTable(p: number): number;
  parcel_dataAddress(p: number): number;
  parcel_beginParcelable(p: number): number;
  parcel_endParcelable(p: number, start: number): number;
  parcel_enterParcelable(p: number): number;
  parcel_exitParcelable(p: number, end: number): number;
  parcel_skipSizedBlock(p: number): number;
  parcel_setPosition(p: number, pos: number): number;
  parcel_readExceptionCode(p: number): number;
  parcel_skipStackTrace(p: number): number;

  wire_encodeConnectionHeader(at: number, version: number, options: number, fdMode: number, idSize: number): void;
  wire_decodeConnectionHeader(at: number): number;
  wire_encodeNewSessionResponse(at: number, version: number): void;
  wire_decodeNewSessionResponse(at: number): void;
  wire_encodeConnectionInit(at: number): void;
  wire_checkConnectionInit(at: number): number;
  wire_encodeWireHeader(at: number, command: number, bodySize: number): void;
  wire_decodeWireHeader(at: number): number;
  wire_encodeTransaction(at: number, version: number, options: number, id: number, code: number, flags: number,
    asyncLo: number, asyncHi: number, dataSize: number): void;
  wire_decodeTransaction(at: number): void;
  wire_encodeReply(at: number, version: number, status: number, dataSize: number): void;
  wire_decodeReply(at: number, version: number): void;
  wire_replySize(version: number): number;
  wire_encodeDecStrong(at: number, options: number, id: number, amount: number): void;
  wire_decodeDecStrong(at: number): void;
  wire_encodeR34Transaction(at: number, src: number, code: number, flags: number, asyncLo: number, asyncHi: number): void;
  wire_decodeR34Transaction(at: number): void;
  wire_versionSupported(v: number): number;

  frame_transaction(p: number, version: number, r34: number, options: number, id: number, addrSrc: number,
    code: number, flags: number, asyncLo: number, asyncHi: number): number;
  frame_reply(p: number, version: number, r34: number, status: number, decOptions: number, decId: number, decAmount: number): number;
  frame_prepareBody(p: number, bodySize: number): number;
  frame_openTransaction(p: number, version: number, r34: number, fdCount: number): number;
  frame_openReply(p: number, version: number, r34: number, fdCount: number): number;
}

/** The exports whose result is an address (or 0 for none/error) or an unsigned size: the ones
 *  unsignedAddresses() wraps. Results that are small signed values (-1 for null, -2 for an
 *  error, positions within one parcel) are left as they are. */
export const ADDRESS_RESULTS = [
  "scratch", "parcel_create", "parcel_reserve", "parcel_readInt64Slot", "parcel_readString16",
  "parcel_reserveString16", "parcel_readString8", "parcel_readCString", "parcel_writeArrayReserve",
  "parcel_readArray", "parcel_objectTable", "parcel_dataAddress", "parcel_objectCount",
  "frame_transaction", "frame_reply", "frame_prepareBody",
] as const satisfies readonly (keyof CoreExports)[];

/** The exports with every address result read unsigned. Each wrapper is written out (no rest
 *  arguments) so calling it allocates nothing and the engines inline it. */
export function unsignedAddresses(raw: CoreExports): CoreExports {
  const r = raw;
  const wrapped: Pick<CoreExports, (typeof ADDRESS_RESULTS)[number]> = {
    scratch: (n) => r.scratch(n) >>> 0,
    parcel_create: (initial, headroom) => r.parcel_create(initial, headroom) >>> 0,
    parcel_reserve: (p, n) => r.parcel_reserve(p, n) >>> 0,
    parcel_readInt64Slot: (p) => r.parcel_readInt64Slot(p) >>> 0,
    parcel_readString16: (p, narrow) => r.parcel_readString16(p, narrow) >>> 0,
    parcel_reserveString16: (p, units) => r.parcel_reserveString16(p, units) >>> 0,
    parcel_readString8: (p) => r.parcel_readString8(p) >>> 0,
    parcel_readCString: (p) => r.parcel_readCString(p) >>> 0,
    parcel_writeArrayReserve: (p, count, elemSize) => r.parcel_writeArrayReserve(p, count, elemSize) >>> 0,
    parcel_readArray: (p, elemSize) => r.parcel_readArray(p, elemSize) >>> 0,
    parcel_objectTable: (p) => r.parcel_objectTable(p) >>> 0,
    parcel_dataAddress: (p) => r.parcel_dataAddress(p) >>> 0,
    parcel_objectCount: (p) => r.parcel_objectCount(p) >>> 0,
    frame_transaction: (p, version, r34, options, id, addrSrc, code, flags, asyncLo, asyncHi) =>
      r.frame_transaction(p, version, r34, options, id, addrSrc, code, flags, asyncLo, asyncHi) >>> 0,
    frame_reply: (p, version, r34, status, decOptions, decId, decAmount) =>
      r.frame_reply(p, version, r34, status, decOptions, decId, decAmount) >>> 0,
    frame_prepareBody: (p, bodySize) => r.frame_prepareBody(p, bodySize) >>> 0,
  };
  // the wasm exports object is frozen and has no prototype: copy it, then replace
  return { ...raw, ...wrapped };
}
