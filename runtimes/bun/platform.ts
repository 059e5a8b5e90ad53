// The Bun platform (src/platform/platform.ts): what sessions and parcels made through this
// adapter's entry points go through. Built once, frozen; importing this file changes nothing
// shared (pass `bunPlatform` where a platform is asked for).
import { AsyncLocalStorage } from "node:async_hooks";
import { portablePlatform, type Platform } from "../../src/platform/platform.js";
import { asyncLocalStorageStores } from "../../src/platform/context-store.js";
import { bufferString16Codec } from "../../src/core/string16.js";
import { bunFdOps } from "./unix-fds.js";

export const bunPlatform: Platform = Object.freeze({
  name: "bun",
  // byte[] and the like leave linear memory by slice(): JSC skips the zero-fill (core.ts)
  bytes: Object.freeze({ ...portablePlatform.bytes, sliceFrom: 0 }),
  // String16 text through Buffer's "ucs2" (Bun's UTF-16 TextDecoder is ~8x slower)
  string16: bufferString16Codec((m) => Buffer.from(m)),
  fds: bunFdOps,
  // Bun has node:async_hooks: nested calls and getCallingIdentity work across awaits
  context: asyncLocalStorageStores(AsyncLocalStorage),
  timers: portablePlatform.timers,
});
