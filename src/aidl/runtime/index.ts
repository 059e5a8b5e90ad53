// The AIDL runtime: everything generated TypeScript code needs beyond Parcel/Binder.
// Re-exported by "tsbinder/codegen" (src/codegen.ts), which generated code imports.
export {
  type AidlParcelable, type ParcelableInit, type ParcelableClass, type Holder, holder, nonNull, requireValue,
  writeParcelable, readParcelable, writeArray, readArray, checkFixedSize, newOutArray,
  writeByteEnumArray, readByteEnumArray, newOutByteArray, writeMap, readMap,
} from "./parcelable.js";
export { type IInterface, transactCall, transactOneway, dispatchCall, dispatchOneway } from "./interface.js";
export { type UnstructuredParcelableType, defineUnstructuredParcelable } from "./unstructured.js";
export { ParcelableHolder, ParcelableStability } from "./holder.js";
export { type UnionCodec, writeUnion, readUnion, badUnionTag } from "./union.js";
export { aidlEquals, aidlToString } from "./derive.js";
