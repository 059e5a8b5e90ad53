// The Deno adapter's native side: the fd runtime over Deno.dlopen (with --allow-ffi; the
// reason kept without it), its errors in Deno's style, and the accelerated-tier switch.
import { Errno, sysError } from "../../native/linux.js";
import { NativeAccess } from "../node/fd-runtime.js";
import { REACTOR_SOURCE } from "./reactor-worker.gen.js";
import { loadDenoSyscalls } from "./syscalls.js";

/** An error for a failed socket call, as Deno's own errors where one fits. */
function denoError(call: string, errno: number, target?: string): Error {
  const e = sysError(call, errno, target);
  switch (errno) {
    case Errno.ENOENT: return new Deno.errors.NotFound(e.message);
    case Errno.ECONNREFUSED: return new Deno.errors.ConnectionRefused(e.message);
    case Errno.EACCES: return new Deno.errors.PermissionDenied(e.message);
    case Errno.EADDRINUSE: return new Deno.errors.AddrInUse(e.message);
    default: return e;
  }
}

/** libc through Deno.dlopen (with --allow-ffi), the fd runtime and its reactor worker. */
export const denoNative: NativeAccess = new NativeAccess(loadDenoSyscalls, REACTOR_SOURCE, denoError);

/** The accelerated tier of Deno's node:net Unix transport (send(2), descriptor re-wrapping):
 *  off with TSBINDER_ACCELERATE=0, as in the Node adapter. Read only where the environment may
 *  be read without a prompt (--allow-env). */
export function accelerated(): boolean {
  const variable = "TSBINDER_ACCELERATE";
  return Deno.permissions.querySync({ name: "env", variable }).state !== "granted" || Deno.env.get(variable) !== "0";
}
