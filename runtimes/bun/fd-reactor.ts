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
import { FdReactorHost, type FromWorker } from "../../src/transports/fd-reactor-host.js";
import { loadLibc, libcUnavailable, O, sysError, type Libc } from "./libc.js";
import { WORKER_SOURCE } from "./fd-reactor-worker.js";

/** Bytes read per recvmsg. */
const READ_SIZE = 256 * 1024;

/** The process's reactor: the worker started here, the registrations kept by the shared host
 *  (src/transports/fd-reactor-host.ts, which also holds the message protocol). */
export type FdReactor = FdReactorHost;

function startReactor(libc: Libc): FdReactorHost {
  const wakeFd = libc.eventfd(0, O.EFD_CLOEXEC | O.EFD_NONBLOCK);
  if (wakeFd < 0) throw sysError("eventfd", libc.errno());
  const wakeBytes = new Uint8Array(new BigUint64Array([1n]).buffer);
  const quit = new Int32Array(new SharedArrayBuffer(4));
  const { port1: ctl, port2 } = new MessageChannel();
  const worker = new Worker(WORKER_SOURCE, {
    eval: true,
    name: "tsbinder fd reactor",
    workerData: { wakeFd, ctl: port2, quit, readSize: READ_SIZE },
    transferList: [port2],
    stdout: false,
    stderr: false,
  });
  worker.unref();
  const host = new FdReactorHost({
    post: (cmd) => ctl.postMessage(cmd),
    wake: () => { libc.write(wakeFd, wakeBytes, 8); },
    ref: () => worker.ref(),
    unref: () => worker.unref(),
    closeFd: (fd) => { libc.close(fd); },
    error: (call, errno) => sysError(call, errno),
  });
  // a worker blocked in poll() must not outlive the process's JavaScript: tell it to stop
  const stop = () => {
    Atomics.store(quit, 0, 1);
    libc.write(wakeFd, wakeBytes, 8);
  };
  const fail = (e: Error) => {
    process.off("exit", stop);
    if (reactor === host) reactor = null;
    host.fail(e);
  };
  worker.on("message", (m: FromWorker) => host.onMessage(m));
  worker.on("error", (e: Error) => fail(e));
  worker.on("exit", (code: number) => fail(new Error(`fd reactor worker exited (code ${code})`)));
  process.once("exit", stop);
  return host;
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
