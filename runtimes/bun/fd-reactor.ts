// The fd reactor: one Worker thread that watches every fd-carrying socket and listener of the
// process (the worker's source and its loop: fd-reactor-worker.ts).
//
// Why a thread: Bun offers no readiness notification for a descriptor it does not read itself,
// and its own sockets read with recv(), which drops SCM_RIGHTS descriptors. A blocking poll()
// needs a thread of its own; the worker is that thread, shared by all connections (one thread
// however many sockets). Writes do not go through it: sendmsg on a non-blocking socket never
// blocks, so the main thread sends directly (unix-fds.ts) and asks the worker for POLLOUT only
// when the socket buffer is full. A call therefore costs one postMessage hop (the reply).
//
// The worker is unref'd whenever no socket or listener is registered, so it never keeps the
// process alive after the sessions end; at exit it is told to stop (and its descriptors close).
import { MessageChannel, Worker } from "node:worker_threads";
import { startReactorWorker, type FdReactorHost } from "../../src/transports/fd-reactor-host.js";
import { loadLibc, libcUnavailable, O, sysError, type Libc } from "./libc.js";
import { WORKER_SOURCE } from "./fd-reactor-worker.js";

/** Bytes read per recvmsg. */
const READ_SIZE = 256 * 1024;

/** The process's reactor: the worker started here, the registrations kept by the shared host
 *  (src/transports/fd-reactor-host.ts, which also holds the message protocol). */
export type FdReactor = FdReactorHost;

function startReactor(libc: Libc): FdReactorHost {
  return startReactorWorker({
    Worker, MessageChannel,
    onExit: (fn) => process.once("exit", fn),
    offExit: (fn) => process.off("exit", fn),
    eventfd: () => libc.eventfd(0, O.EFD_CLOEXEC | O.EFD_NONBLOCK),
    errno: libc.errno,
    write: libc.write,
    closeFd: (fd) => { libc.close(fd); },
    error: sysError,
  }, WORKER_SOURCE, { readSize: READ_SIZE }, (dead) => { if (reactor === dead) reactor = null; });
}

let reactor: FdReactorHost | null = null;

/** The process's reactor (started on first use). */
export function fdReactor(): FdReactorHost {
  if (reactor) return reactor;
  const libc = loadLibc();
  if (!libc) throw new Error(libcUnavailable());
  reactor = startReactor(libc);
  return reactor;
}
