// The exports of the wasm core. Names are grouped by prefix: parcel_*, wire_*, frame_*.
// Every function takes plain numbers (pointers, u32 fields); nothing managed crosses.
export { scratch } from "./scratch";
export { out as wire_out } from "./wire/out";

// parcel handles
export { create as parcel_create, destroy as parcel_destroy, reset as parcel_reset,
  reserve as parcel_reserve, pooledHandles as parcel_pooledHandles } from "./parcel/handle";
export { writeInt32 as parcel_writeInt32, writeFloat as parcel_writeFloat, writeDouble as parcel_writeDouble,
  writeInt64 as parcel_writeInt64, readInt32 as parcel_readInt32, readFloat as parcel_readFloat,
  readDouble as parcel_readDouble, readInt64Slot as parcel_readInt64Slot } from "./parcel/scalars";
export { writeString16Utf8 as parcel_writeString16Utf8, writeString16Units as parcel_writeString16Units,
  reserveString16 as parcel_reserveString16,
  readString16 as parcel_readString16, writeString8 as parcel_writeString8, readString8 as parcel_readString8,
  writeCString as parcel_writeCString, readCString as parcel_readCString } from "./parcel/strings";
export { writeArrayReserve as parcel_writeArrayReserve, readArray as parcel_readArray,
  readCount as parcel_readCount } from "./parcel/arrays";
export { writeNullBinder as parcel_writeNullBinder, writeBinder as parcel_writeBinder,
  writeBinderR34 as parcel_writeBinderR34, readBinder as parcel_readBinder, writeFd as parcel_writeFd,
  readFd as parcel_readFd, setObjectTable as parcel_setObjectTable, objectCount as parcel_objectCount,
  objectTable as parcel_objectTable, dataAddress as parcel_dataAddress } from "./parcel/objects";
export { beginParcelable as parcel_beginParcelable, endParcelable as parcel_endParcelable,
  enterParcelable as parcel_enterParcelable, exitParcelable as parcel_exitParcelable,
  skipSizedBlock as parcel_skipSizedBlock, setPosition as parcel_setPosition } from "./parcel/parcelable";
export { readExceptionCode as parcel_readExceptionCode, skipStackTrace as parcel_skipStackTrace } from "./parcel/status";

// wire structs (encode at an address, decode into wire_out)
export { encodeConnectionHeader as wire_encodeConnectionHeader,
  decodeConnectionHeader as wire_decodeConnectionHeader } from "./wire/connection-header";
export { encodeNewSessionResponse as wire_encodeNewSessionResponse,
  decodeNewSessionResponse as wire_decodeNewSessionResponse } from "./wire/new-session-response";
export { encodeConnectionInit as wire_encodeConnectionInit,
  checkConnectionInit as wire_checkConnectionInit } from "./wire/connection-init";
export { encodeWireHeader as wire_encodeWireHeader, decodeWireHeader as wire_decodeWireHeader } from "./wire/header";
export { encodeTransaction as wire_encodeTransaction, decodeTransaction as wire_decodeTransaction } from "./wire/transaction";
export { encodeReply as wire_encodeReply, decodeReply as wire_decodeReply, replySize as wire_replySize } from "./wire/reply";
export { encodeDecStrong as wire_encodeDecStrong, decodeDecStrong as wire_decodeDecStrong } from "./wire/dec-strong";
export { encodeR34Transaction as wire_encodeR34Transaction, decodeR34Transaction as wire_decodeR34Transaction } from "./wire/r34";
export { versionSupported as wire_versionSupported } from "./wire/versions";

// frames
export { frameTransaction as frame_transaction, frameReply as frame_reply, prepareBody as frame_prepareBody,
  openTransaction as frame_openTransaction, openReply as frame_openReply } from "./wire/frame";

// Sizes of every wire struct, exported so the facade and the tests read them from one place.
import { CONNECTION_HEADER_SIZE, SESSION_ID_SIZE } from "./wire/connection-header";
import { NEW_SESSION_RESPONSE_SIZE } from "./wire/new-session-response";
import { CONNECTION_INIT_SIZE } from "./wire/connection-init";
import { WIRE_HEADER_SIZE } from "./wire/header";
import { TRANSACTION_SIZE } from "./wire/transaction";
import { DEC_STRONG_SIZE } from "./wire/dec-strong";
import { R34_TRANSACTION_SIZE, R34_DEC_STRONG_SIZE, R34_PREFIX_SIZE } from "./wire/r34";
import { HEADROOM, HANDLE_SIZE } from "./parcel/layout";

export function sizes(at: usize): void {
  store<u32>(at, CONNECTION_HEADER_SIZE);
  store<u32>(at + 4, SESSION_ID_SIZE);
  store<u32>(at + 8, NEW_SESSION_RESPONSE_SIZE);
  store<u32>(at + 12, CONNECTION_INIT_SIZE);
  store<u32>(at + 16, WIRE_HEADER_SIZE);
  store<u32>(at + 20, TRANSACTION_SIZE);
  store<u32>(at + 24, DEC_STRONG_SIZE);
  store<u32>(at + 28, R34_TRANSACTION_SIZE);
  store<u32>(at + 32, R34_DEC_STRONG_SIZE);
  store<u32>(at + 36, R34_PREFIX_SIZE);
  store<u32>(at + 40, HEADROOM);
  store<u32>(at + 44, HANDLE_SIZE);
}
