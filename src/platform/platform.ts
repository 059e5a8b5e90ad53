// Platform: what the runtime-neutral package needs from the runtime it runs on, in one
// object passed explicitly (adapter entry point -> session -> parcel), never installed
// globally. Two platforms live side by side in one process: each session and each parcel
// uses the one it was given. Where none is given (a Parcel made by user code, the memory
// transport), `portablePlatform` is used: plain Uint8Arrays, the portable String16 codec, no
// file descriptors, the synchronous call-context store and the global timers.
import { portableByteCopies, type ByteCopies } from "../core/core.js";
import { portableString16Codec, type String16Codec } from "../core/string16.js";
import { syncContextStores, type ContextStores } from "./context-store.js";

/** How a platform closes and duplicates raw file descriptors. */
export interface FdOps {
  close(fd: number): void;
  /** A new descriptor for the same open file (close-on-exec). Throws on failure. */
  dup(fd: number): number;
}

/** Timers for the session layer's timeouts; a test or embedder may supply its own. */
export interface Timers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(timer: unknown): void;
}

export interface Platform {
  /** For messages and logs ("portable", "node", ...). */
  readonly name: string;
  /** Where copies out of linear memory go (core.ts says what each part is for). */
  readonly bytes: ByteCopies;
  /** How String16 text leaves (and, optionally, enters) linear memory (string16.ts). */
  readonly string16: String16Codec;
  /** Closing and duplicating descriptors, or null where the platform has none. */
  readonly fds: FdOps | null;
  /** The call-context stores (context-store.ts). */
  readonly context: ContextStores;
  readonly timers: Timers;
}

const globalTimers: Timers = Object.freeze({
  setTimeout: (fn: () => void, ms: number): unknown => setTimeout(fn, ms),
  clearTimeout: (t: unknown): void => clearTimeout(t as ReturnType<typeof setTimeout>),
});

/** What every runtime has; the default wherever no platform is given. */
export const portablePlatform: Platform = Object.freeze({
  name: "portable",
  bytes: portableByteCopies,
  string16: portableString16Codec,
  fds: null,
  context: syncContextStores,
  timers: globalTimers,
});

/** A platform like `base` with some parts replaced (frozen, like the adapters' own). */
export function derivePlatform(base: Platform, parts: Partial<Platform>): Platform {
  return Object.freeze({ ...base, ...parts });
}
