// The fd runtime (native/fd-socket.ts FdRuntime) of a runtime with node:worker_threads and
// node:fs (Node, Bun and Deno all have both): the Syscalls table, the reactor worker started from
// its bundled source (runtimes/<name>/reactor-worker.gen.ts), and the socket-file chores.
// Loaded lazily: koffi, bun:ffi or Deno's FFI only when fds or peer credentials are asked for.
import { MessageChannel, Worker } from "node:worker_threads";
import { HandshakeError } from "../../src/rpc/client.js";
import { StatusCode } from "../../src/binder/status.js";
import { dupCloexec, type FdRuntime } from "../../native/fd-socket.js";
import { EFD_CLOEXEC, EFD_NONBLOCK, sysError } from "../../native/linux.js";
import { startReactorWorker, type FdReactorHost } from "../../native/reactor-host.js";
import type { Syscalls } from "../../native/syscalls.js";
import { removeSocketFile, removeStaleSocket } from "./socket-file.js";

/** Bytes read per recvmsg. */
const READ_SIZE = 256 * 1024;

/** How a runtime loads its Syscalls table, and what its reactor worker needs besides. */
export type SyscallsLoader = () => { sys: Syscalls; workerData?: Record<string, unknown> } | { sys: null; why: string };

/** A runtime's native access: the Syscalls table, loaded on first use (the answer kept, or the
 *  reason it is out of reach), and the fd runtime over it, whose reactor worker (`source`) is
 *  started on the first fd socket and again after it died. `error`: the runtime's errors for
 *  failed calls (Node's style by default). */
export class NativeAccess {
  private loaded: FdRuntime | string | undefined;

  constructor(private readonly loadSyscalls: SyscallsLoader, private readonly source: string,
      private readonly error: FdRuntime["error"] = sysError) {}

  /** The fd runtime, or why fd passing and peer credentials are out of reach. */
  readonly runtime = (): FdRuntime | string => (this.loaded ??= this.load());

  /** libc through the runtime's FFI, or null (unavailable() says why). */
  syscalls(): Syscalls | null {
    const rt = this.runtime();
    return typeof rt === "string" ? null : rt.sys;
  }

  unavailable(): string {
    const rt = this.runtime();
    return typeof rt === "string" ? rt : "";
  }

  /** A close-on-exec duplicate of `fd` (the package's fd ops). */
  readonly dup = (fd: number): number => {
    const rt = this.runtime();
    if (typeof rt === "string") throw new Error(rt);
    return dupCloexec(rt.sys, fd);
  };

  private load(): FdRuntime | string {
    const l = this.loadSyscalls();
    if (!l.sys) return l.why;
    const { sys } = l;
    const error = this.error;
    let reactor: FdReactorHost | null = null;
    const start = () => startReactorWorker({
      Worker, MessageChannel,
      onExit: (fn) => process.once("exit", fn),
      offExit: (fn) => process.off("exit", fn),
      eventfd: () => sys.eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK),
      errno: () => sys.errno(),
      write: (fd, b, n) => sys.write(fd, b, n),
      closeFd: (fd) => { sys.close(fd); },
      error,
    }, this.source, { ...l.workerData, readSize: READ_SIZE }, (dead) => { if (reactor === dead) reactor = null; });
    return { sys, error, removeStaleSocket, removeSocketFile, reactor: () => (reactor ??= start()) };
  }
}

/** A session asking for fds where they cannot travel fails its handshake with FDS_NOT_ALLOWED. */
export const fdsNotAllowed = (why: string): Error => new HandshakeError(why, StatusCode.FDS_NOT_ALLOWED);

/** The accelerated tier: send(2) on node:net sockets' descriptors (direct-send.ts) and accepted
 *  sockets re-wrapped to be read through `onread` (socket.ts), in the Node adapter and in
 *  Deno's node:net Unix transport. On by default; the environment variable
 *  TSBINDER_ACCELERATE=0 switches them off, leaving the runtime's plain socket paths (what a
 *  process without koffi or FFI gets). Read when a connection is made. */
export function accelerated(): boolean {
  return process.env.TSBINDER_ACCELERATE !== "0";
}
