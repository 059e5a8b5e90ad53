// The Node platform (src/platform/platform.ts): what sessions and parcels made through this
// adapter's entry points go through. Built once, frozen; importing this file changes nothing
// shared (pass `nodePlatform` where a platform is asked for).
import { AsyncLocalStorage } from "node:async_hooks";
import { Buffer } from "node:buffer";
import { portablePlatform, type Platform } from "../../src/platform/platform.js";
import { asyncLocalStorageStores } from "../../src/platform/context-store.js";
import { bufferString16Codec } from "../../src/core/string16.js";
import { nodeFdOps } from "./unix-fds.js";

export const nodePlatform: Platform = Object.freeze({
  name: "node",
  bytes: Object.freeze({
    // frames copied out of the core land in pooled Buffers, which node's sockets take as they are
    allocate: (n: number): Uint8Array => Buffer.allocUnsafe(n),
    // Big byte[] (and other array) results copied out of linear memory into memory that is
    // not zero-filled first: a plain Uint8Array over Buffer.allocUnsafeSlow's ArrayBuffer,
    // which is the array's alone (exactly n bytes, never pooled). Below 16 KiB it saves nothing.
    unzeroed: (n: number): Uint8Array => new Uint8Array(Buffer.allocUnsafeSlow(n).buffer, 0, n),
    unzeroedFrom: 16 * 1024,
    sliceFrom: portablePlatform.bytes.sliceFrom,
  }),
  // String16 text through Buffer's "ucs2" (ICU's UTF-16 TextDecoder is ~3x slower)
  string16: bufferString16Codec((m) => Buffer.from(m)),
  fds: nodeFdOps,
  // so nested calls and getCallingIdentity work across awaits
  context: asyncLocalStorageStores(AsyncLocalStorage),
  timers: portablePlatform.timers,
});
