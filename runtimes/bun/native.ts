// The Bun adapter's native access: libc through bun:ffi (loaded on first use), the fd runtime
// and its reactor worker.
import { NativeAccess } from "../node/fd-runtime.js";
import { REACTOR_SOURCE } from "./reactor-worker.gen.js";
import { loadBunSyscalls } from "./syscalls.js";

export const bunNative: NativeAccess = new NativeAccess(loadBunSyscalls, REACTOR_SOURCE);
