// tsbinder/aidl: the AIDL compiler as a library (the `tsbinder aidl` CLI is built on it). Apart
// from the runtime: no runtime entry (tsbinder, /codegen, /transport, the adapters) imports it.
export { compile, analyze, type CompileOptions, type CompileResult, type Analysis } from "./compile.js";
export type { GenOptions } from "./gen/file.js";
export type { FileSystem } from "./resolve.js";
export { AidlError, AidlErrors, type SourcePos } from "./errors.js";
