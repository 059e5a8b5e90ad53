// Whole frames, built in place: an outgoing parcel keeps HEADROOM bytes in front of its data,
// so the header and the transaction/reply struct are written there and the object table is
// appended after the data; the frame is then one contiguous range the facade hands to the
// socket with a single copy. Incoming bodies are copied once into a parcel's buffer and
// opened in place.
import { get, set, fail, dataPtr } from "../parcel/handle";
import { recordObject } from "../parcel/objects";
import { checkReceivedTable } from "../parcel/table";
import {
  F_BUF, F_CAP, F_START, F_SIZE, F_POS, F_OBJS, F_NOBJ, F_MODE, F_MAX, F_ERR, F_BAD_ENTRY,
  MODE_CHECK_TABLE, MODE_R34, ALLOC_MAX, E_BAD_FRAME, E_TOO_LARGE,
} from "../parcel/layout";
import { put } from "./out";
import { WIRE_HEADER_SIZE, CMD_TRANSACT, CMD_REPLY, CMD_DEC_STRONG, encodeWireHeader } from "./header";
import { TRANSACTION_SIZE, encodeTransaction, decodeTransaction } from "./transaction";
import { replySize, encodeReply, decodeReply } from "./reply";
import { DEC_STRONG_SIZE, encodeDecStrong } from "./dec-strong";
import {
  R34_PREFIX_SIZE, R34_TRANSACTION_SIZE, R34_REPLY_SIZE, encodeR34Transaction, decodeR34Transaction,
} from "./r34";

/** Append the object table after the data (v1+). Returns its byte length or -1. */
function appendTable(p: usize, version: u32): i32 {
  const n = get(p, F_NOBJ);
  if (n == 0) return 0;
  // v0 has no object table: a parcel with objects cannot be sent (libbinder: BAD_VALUE)
  if (version == 0) { fail(p, E_BAD_FRAME, get(p, F_SIZE), n); return -1; }
  const bytes = n << 2;
  const end = get(p, F_START) + get(p, F_SIZE);
  if (<u64>end + <u64>bytes > <u64>get(p, F_CAP)) {
    if (<u64>end + <u64>bytes + 64 > <u64>ALLOC_MAX) { fail(p, E_TOO_LARGE, get(p, F_SIZE), n); return -1; }
    const ncap = end + bytes + 64;
    set(p, F_BUF, <u32>heap.realloc(<usize>get(p, F_BUF), <usize>ncap));
    set(p, F_CAP, ncap);
  }
  memory.copy(<usize>get(p, F_BUF) + <usize>end, <usize>get(p, F_OBJS), <usize>bytes);
  return <i32>bytes;
}

/** Build a TRANSACT frame around the parcel. Returns the frame address (length in out[0]),
 *  or 0 on error. For r34, addrSrc points at the 32 address bytes (0 = special). */
export function frameTransaction(p: usize, version: u32, r34: bool, options: u32, id: u32, addrSrc: usize,
    code: u32, flags: u32, asyncLo: u32, asyncHi: u32): usize {
  const size = get(p, F_SIZE);
  const data = dataPtr(p);
  if (r34) {
    const head = R34_PREFIX_SIZE + WIRE_HEADER_SIZE + R34_TRANSACTION_SIZE;
    if (get(p, F_START) < head) { fail(p, E_BAD_FRAME, 0, head); return 0; }
    const at = data - head;
    store<u32>(at, WIRE_HEADER_SIZE + R34_TRANSACTION_SIZE + size);
    encodeWireHeader(at + R34_PREFIX_SIZE, CMD_TRANSACT, R34_TRANSACTION_SIZE + size);
    encodeR34Transaction(at + R34_PREFIX_SIZE + WIRE_HEADER_SIZE, addrSrc, code, flags, asyncLo, asyncHi);
    put(0, head + size);
    return at;
  }
  const head = WIRE_HEADER_SIZE + TRANSACTION_SIZE;
  if (get(p, F_START) < head) { fail(p, E_BAD_FRAME, 0, head); return 0; }
  const table = appendTable(p, version);
  if (table < 0) return 0;
  const at = dataPtr(p) - head;
  encodeWireHeader(at, CMD_TRANSACT, TRANSACTION_SIZE + size + <u32>table);
  encodeTransaction(at + WIRE_HEADER_SIZE, version, options, id, code, flags, asyncLo, asyncHi, size);
  put(0, head + size + <u32>table);
  return at;
}

/** Build a REPLY frame around the parcel (status != 0 sends no data). When decAmount > 0 (wire
 *  v0-v2 only), a DEC_STRONG frame for address (decOptions, decId) goes in front of it in the
 *  same range: libbinder returns the call target's reference just before the reply, and one
 *  buffer means one write for both. */
export function frameReply(p: usize, version: u32, r34: bool, status: i32, decOptions: u32, decId: u32, decAmount: u32): usize {
  const size = status == 0 ? get(p, F_SIZE) : 0;
  if (r34) {
    const head = R34_PREFIX_SIZE + WIRE_HEADER_SIZE + R34_REPLY_SIZE;
    if (get(p, F_START) < head) { fail(p, E_BAD_FRAME, 0, head); return 0; }
    const at = dataPtr(p) - head;
    store<u32>(at, WIRE_HEADER_SIZE + R34_REPLY_SIZE + size);
    encodeWireHeader(at + R34_PREFIX_SIZE, CMD_REPLY, R34_REPLY_SIZE + size);
    store<i32>(at + R34_PREFIX_SIZE + WIRE_HEADER_SIZE, status);
    put(0, head + size);
    return at;
  }
  const rs = replySize(version);
  const dec: u32 = decAmount > 0 ? WIRE_HEADER_SIZE + DEC_STRONG_SIZE : 0;
  const head = WIRE_HEADER_SIZE + rs;
  // a parcel opened from a received body has only that body's fixed struct in front of it
  if (get(p, F_START) < head + dec) { fail(p, E_BAD_FRAME, 0, head + dec); return 0; }
  let table: i32 = 0;
  if (status == 0) {
    table = appendTable(p, version);
    if (table < 0) return 0;
  }
  const at = dataPtr(p) - head;
  encodeWireHeader(at, CMD_REPLY, rs + size + <u32>table);
  encodeReply(at + WIRE_HEADER_SIZE, version, status, size);
  if (dec > 0) {
    encodeWireHeader(at - dec, CMD_DEC_STRONG, DEC_STRONG_SIZE);
    encodeDecStrong(at - dec + WIRE_HEADER_SIZE, decOptions, decId, decAmount);
  }
  put(0, dec + head + size + <u32>table);
  return at - dec;
}

/** A parcel whose buffer will receive `bodySize` bytes of an incoming body (the facade
 *  copies them to the returned buffer address in out[0]). No allocation beyond the body. */
export function prepareBody(p: usize, bodySize: u32): usize {
  // u64: a size near 4 GiB must not wrap to a small one and pass the checks
  if (<u64>bodySize > <u64>get(p, F_MAX) + 64 || <u64>bodySize + 4 > <u64>ALLOC_MAX) { fail(p, E_TOO_LARGE, 0, bodySize); return 0; }
  if (bodySize + 4 > get(p, F_CAP)) {
    // the new block first: should linear memory be unable to grow (a trap), the parcel still
    // owns its old buffer instead of a freed one
    const buf = heap.alloc(<usize>bodySize + 4);
    heap.free(<usize>get(p, F_BUF));
    set(p, F_BUF, <u32>buf);
    set(p, F_CAP, bodySize + 4);
  }
  set(p, F_START, 0);
  set(p, F_SIZE, bodySize);
  set(p, F_POS, 0);
  set(p, F_NOBJ, 0);
  set(p, F_BAD_ENTRY, 0);
  put(0, get(p, F_BUF));
  return <usize>get(p, F_BUF);
}

/** Install the object table of a received body, then check it (parcel/table.ts). A table
 *  that fails is the call's error, not the session's: the parcel is left with no data, marked,
 *  so every read of it fails with E_BAD_TABLE. Only the sizes that split the body (openBody)
 *  end the session. The entries stay counted (objectCount), for the session's object limit. */
function receiveTable(p: usize, version: u32, fdCount: u32, src: usize, n: u32): void {
  set(p, F_NOBJ, 0);
  let bad: u32 = 0;
  for (let i: u32 = 0; i < n; i++) {
    if (!recordObject(p, load<u32>(src + (<usize>i << 2)))) { set(p, F_ERR, 0); bad = i + 1; break; }
  }
  if (bad == 0) bad = checkReceivedTable(p, version, fdCount);
  if (bad == 0) return;
  set(p, F_SIZE, 0);
  set(p, F_BAD_ENTRY, bad);
}

/** Split the body [fixed struct | data | object table] once it is in the buffer. */
function openBody(p: usize, version: u32, r34: bool, fixed: u32, dataSizeField: u32, fdCount: u32): bool {
  const body = get(p, F_SIZE);
  if (body < fixed) { fail(p, E_BAD_FRAME, 0, fixed); return false; }
  const rest = body - fixed;
  let dataSize = rest;
  if (!r34 && version >= 1) {
    // the receiver splits the tail at parcelDataSize; what remains is the table
    if (dataSizeField > rest || ((rest - dataSizeField) & 3) != 0) { fail(p, E_BAD_FRAME, fixed, dataSizeField); return false; }
    dataSize = dataSizeField;
  }
  set(p, F_START, fixed);
  set(p, F_SIZE, dataSize);
  set(p, F_POS, 0);
  if (!r34 && version >= 1) {
    receiveTable(p, version, fdCount, dataPtr(p) + <usize>dataSize, (rest - dataSize) >> 2);
    set(p, F_MODE, get(p, F_MODE) | MODE_CHECK_TABLE);
  }
  return true;
}

/** Open a TRANSACT body that came with `fdCount` fds. Out: [options|addrPtr, id, code, flags,
 *  asyncLo, asyncHi, dataSize]. */
export function openTransaction(p: usize, version: u32, r34: bool, fdCount: u32): bool {
  const buf = <usize>get(p, F_BUF);
  if (r34) {
    if (get(p, F_SIZE) < R34_TRANSACTION_SIZE) { fail(p, E_BAD_FRAME, 0, R34_TRANSACTION_SIZE); return false; }
    decodeR34Transaction(buf);
    set(p, F_MODE, get(p, F_MODE) | MODE_R34);
    return openBody(p, version, true, R34_TRANSACTION_SIZE, 0, fdCount);
  }
  if (get(p, F_SIZE) < TRANSACTION_SIZE) { fail(p, E_BAD_FRAME, 0, TRANSACTION_SIZE); return false; }
  decodeTransaction(buf);
  return openBody(p, version, false, TRANSACTION_SIZE, load<u32>(buf + 24), fdCount);
}

/** Open a REPLY body that came with `fdCount` fds. Out: [status, dataSize]. */
export function openReply(p: usize, version: u32, r34: bool, fdCount: u32): bool {
  const buf = <usize>get(p, F_BUF);
  const fixed = r34 ? R34_REPLY_SIZE : replySize(version);
  if (get(p, F_SIZE) < fixed) { fail(p, E_BAD_FRAME, 0, fixed); return false; }
  decodeReply(buf, r34 ? 0 : version);
  if (r34) set(p, F_MODE, get(p, F_MODE) | MODE_R34);
  return openBody(p, version, r34, fixed, r34 ? 0 : load<u32>(buf + 4), fdCount);
}
