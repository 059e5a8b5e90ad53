// The Node adapter's native access: libc through koffi (loaded on first use), the fd runtime
// and its reactor worker.
import { NativeAccess } from "./fd-runtime.js";
import { REACTOR_SOURCE } from "./reactor-worker.gen.js";
import { loadKoffiSyscalls } from "./syscalls.js";

export const nodeNative: NativeAccess = new NativeAccess(loadKoffiSyscalls, REACTOR_SOURCE);
