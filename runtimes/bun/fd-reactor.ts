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
import { MessageChannel, Worker, type MessagePort } from "node:worker_threads";
import { closeRawFds } from "../../src/parcel/file-descriptor.js";
import { loadLibc, libcUnavailable, O, sysError, type Libc } from "./libc.js";
import { WORKER_SOURCE } from "./fd-reactor-worker.js";
import type { FdReactorLike, ReactorClient } from "../../src/transports/fd-connection.js";

/** Bytes read per recvmsg. */
const READ_SIZE = 256 * 1024;

/** What the reactor reports to a listener's owner. */
export interface ReactorListener {
  /** A new connected socket (non-blocking, close-on-exec), owned by the callee. */
  onAccept(fd: number): void;
  onAcceptError(error: Error): void;
  onClosed(): void;
}

type FromWorker =
  | { t: "data"; id: number; buf: ArrayBuffer; fds?: number[]; truncated: boolean }
  | { t: "eof" | "writable" | "closed"; id: number }
  | { t: "accept"; id: number; fd: number }
  | { t: "error" | "acceptError"; id: number; errno: number };

export class FdReactor implements FdReactorLike {
  private readonly worker: Worker;
  private readonly ctl: MessagePort;
  private readonly quit = new Int32Array(new SharedArrayBuffer(4));
  private readonly wakeFd: number;
  private readonly wakeBytes = new Uint8Array(new BigUint64Array([1n]).buffer);
  private readonly clients = new Map<number, ReactorClient>();
  private readonly listeners = new Map<number, ReactorListener>();
  private nextId = 1;
  private wakePending = false;
  private referenced = false;
  private dead: Error | null = null;

  constructor(private readonly libc: Libc) {
    this.wakeFd = libc.eventfd(0, O.EFD_CLOEXEC | O.EFD_NONBLOCK);
    if (this.wakeFd < 0) throw sysError("eventfd", libc.errno());
    const { port1, port2 } = new MessageChannel();
    this.ctl = port1;
    this.worker = new Worker(WORKER_SOURCE, {
      eval: true,
      name: "tsbinder fd reactor",
      workerData: { wakeFd: this.wakeFd, ctl: port2, quit: this.quit, readSize: READ_SIZE },
      transferList: [port2],
      stdout: false,
      stderr: false,
    });
    this.worker.unref();
    this.worker.on("message", (m: FromWorker) => this.onMessage(m));
    this.worker.on("error", (e: Error) => this.fail(e));
    this.worker.on("exit", (code: number) => this.fail(new Error(`fd reactor worker exited (code ${code})`)));
    // a worker blocked in poll() must not outlive the process's JavaScript: tell it to stop
    process.once("exit", this.stop);
  }

  /** Watch a connected socket (now owned by the reactor: it closes it on remove()). */
  add(fd: number, client: ReactorClient): number {
    if (this.dead) throw this.dead;
    const id = this.nextId++;
    this.clients.set(id, client);
    this.refresh();
    this.send({ op: "add", id, fd });
    return id;
  }

  /** Accept on a listening socket (owned by the reactor from now on, closed on remove()). */
  listen(fd: number, listener: ReactorListener): number {
    if (this.dead) throw this.dead;
    const id = this.nextId++;
    this.listeners.set(id, listener);
    this.refresh();
    this.send({ op: "listen", id, fd });
    return id;
  }

  /** Report POLLOUT once (the socket buffer was full). */
  wantWritable(id: number): void { this.send({ op: "out", id }); }
  /** Stop watching and close the descriptor; onClosed follows. False when the worker is gone
   *  (its registrations were ended): the caller closes the descriptor itself. */
  remove(id: number): boolean {
    if (this.dead) return false;
    this.send({ op: "del", id });
    return true;
  }

  /** The worker holds the process open exactly while something is registered. */
  private refresh(): void {
    const want = this.clients.size + this.listeners.size > 0;
    if (want === this.referenced) return;
    this.referenced = want;
    if (want) this.worker.ref();
    else this.worker.unref();
  }

  private send(cmd: { op: string; id: number; fd?: number }): void {
    this.ctl.postMessage(cmd);
    if (this.wakePending) return;
    // commands issued in the same turn share one wakeup
    this.wakePending = true;
    queueMicrotask(this.wake);
  }

  private readonly wake = () => {
    this.wakePending = false;
    this.libc.write(this.wakeFd, this.wakeBytes, 8);
  };

  private readonly stop = () => {
    Atomics.store(this.quit, 0, 1);
    this.libc.write(this.wakeFd, this.wakeBytes, 8);
  };

  private onMessage(m: FromWorker): void {
    switch (m.t) {
      case "data": {
        const client = this.clients.get(m.id);
        if (!client) { closeRawFds(m.fds); return; }
        if (m.truncated) {
          closeRawFds(m.fds);
          client.onEnd(new Error("peer sent more file descriptors than one message may carry (MSG_CTRUNC)"));
          return;
        }
        client.onData(new Uint8Array(m.buf), m.fds && m.fds.length ? m.fds : undefined);
        return;
      }
      case "eof": this.clients.get(m.id)?.onEnd(); return;
      case "error": this.clients.get(m.id)?.onEnd(sysError("recvmsg", m.errno)); return;
      case "writable": this.clients.get(m.id)?.onWritable(); return;
      case "accept": {
        const l = this.listeners.get(m.id);
        if (l) l.onAccept(m.fd);
        else this.libc.close(m.fd); // the listener was closed meanwhile
        return;
      }
      case "acceptError": this.listeners.get(m.id)?.onAcceptError(sysError("accept4", m.errno)); return;
      case "closed": {
        const client = this.clients.get(m.id);
        const listener = this.listeners.get(m.id);
        this.clients.delete(m.id);
        this.listeners.delete(m.id);
        this.refresh();
        client?.onClosed();
        listener?.onClosed();
        return;
      }
    }
  }

  private fail(e: Error): void {
    if (this.dead) return;
    this.dead = e;
    process.off("exit", this.stop);
    if (reactor === this) reactor = null;
    const clients = [...this.clients.values()];
    const listeners = [...this.listeners.values()];
    this.clients.clear();
    this.listeners.clear();
    this.refresh();
    for (const c of clients) { c.onEnd(e); c.onClosed(); }
    for (const l of listeners) { l.onAcceptError(e); l.onClosed(); }
  }
}

let reactor: FdReactor | null = null;

/** The process's reactor (started on first use). */
export function fdReactor(): FdReactor {
  if (reactor) return reactor;
  const libc = loadLibc();
  if (!libc) throw new Error(libcUnavailable());
  reactor = new FdReactor(libc);
  return reactor;
}
