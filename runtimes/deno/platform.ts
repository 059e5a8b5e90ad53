// The Deno platform (src/platform/platform.ts): what sessions and parcels made through this
// adapter's entry points go through. Built once, frozen; importing this file changes nothing
// shared (pass `denoPlatform` where a platform is asked for). What it can do depends on the
// process's permissions, checked once here without prompting: fd ops need FFI.
import { Buffer } from "node:buffer";
import { portablePlatform, type Platform } from "../../src/platform/platform.js";
import { bufferString16Codec } from "../../src/core/string16.js";
import { denoContextStores, type CallContextKind } from "./context.js";
import { denoNative } from "./native.js";
import { denoFdOps } from "./unix-ffi.js";

const context = denoContextStores();

export const denoPlatform: Platform = Object.freeze({
  name: "deno",
  bytes: Object.freeze({
    ...portablePlatform.bytes,
    // Frames copied out of the core land in pooled Buffers (slices of one 8 KiB block): a new
    // Uint8Array costs Deno about 450 ns even for 60 bytes, a pooled one about 100 ns, and
    // conn.write takes either.
    allocate: (n: number): Uint8Array => Buffer.allocUnsafe(n),
  }),
  // String16 text read through node:buffer's "ucs2" (Deno's UTF-16 TextDecoder is ~8x slower);
  // written by the portable path (Buffer.write("ucs2") is slow on Deno)
  string16: bufferString16Codec((m) => Buffer.from(m), false),
  // close and dup through libc, with the FFI permission
  fds: denoNative.syscalls() ? denoFdOps : null,
  // so nested calls and getCallingIdentity work across awaits (context.ts)
  context: context.stores,
  timers: portablePlatform.timers,
});

/** Which call-context store the Deno platform uses (see context.ts). */
export function callContextKind(): CallContextKind { return context.kind; }
