// The main-thread half of the fd reactor: the worker thread that polls every fd-passing socket
// of the process (its loop: reactor.ts, bound to a runtime's FFI by runtimes/<name>/
// reactor-worker.ts and bundled into a string at build time). The adapter starts the worker
// with startReactorWorker; this side keeps the registrations, sends the worker its commands
// and hands what it reports to the connections and listeners.
//
// Protocol (structured-clone messages):
//   to the worker, on `ctl`:  { op: "add" | "listen", id, fd } | { op: "out" | "del" | "pause"
//     | "resume", id }
//     followed by a wake-up (the worker is blocked in poll(), which also watches an eventfd);
//   from the worker:          { t: "data", id, buf, fds?, truncated } | { t: "eof" | "writable"
//     | "closed", id } | { t: "accept", id, fd } | { t: "error" | "acceptError", id, errno }.
// The worker owns every registered descriptor: it closes it after "del" and then reports
// "closed", so a number is never closed (and reused) while poll() may still watch it.
import { closeRawFds, type FdCloser } from "../src/parcel/file-descriptor.js";
import type { FdReactorLike, ReactorClient } from "./fd-connection.js";
import type { FromReactor, ToReactor } from "./reactor.js";

/** What the reactor reports to a listener's owner. */
export interface ReactorListener {
  /** A new connected socket (non-blocking, close-on-exec), owned by the callee. */
  onAccept(fd: number): void;
  onAcceptError(error: Error): void;
  onClosed(): void;
}

/** The adapter's side of the host: the worker and its wake-ups. */
export interface ReactorWorkerIo {
  /** Post a command to the worker (it reads them when woken). */
  post(cmd: ToReactor): void;
  /** Wake the worker's poll() (write to its eventfd). */
  wake(): void;
  /** Keep the process alive while something is registered, and not otherwise. */
  ref(): void;
  unref(): void;
  closeFd(fd: number): void;
  /** The error for a failed system call the worker reports. */
  error(call: string, errno: number): Error;
}

export class FdReactorHost implements FdReactorLike {
  private readonly clients = new Map<number, ReactorClient>();
  private readonly listeners = new Map<number, ReactorListener>();
  private nextId = 1;
  private wakePending = false;
  private referenced = false;
  private dead: Error | null = null;

  /** Closes descriptors that arrive for a client that is gone (through the runtime's libc). */
  private readonly closer: FdCloser;

  constructor(private readonly io: ReactorWorkerIo) {
    this.closer = { close: (fd) => io.closeFd(fd) };
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

  /** Stop polling the socket for input (backpressure), and start again. */
  pauseReading(id: number): void { if (!this.dead) this.send({ op: "pause", id }); }
  resumeReading(id: number): void { if (!this.dead) this.send({ op: "resume", id }); }

  /** Stop watching and close the descriptor; onClosed follows. False when the worker is gone
   *  (its registrations were ended): the caller closes the descriptor itself. */
  remove(id: number): boolean {
    if (this.dead) return false;
    this.send({ op: "del", id });
    return true;
  }

  get isDead(): boolean { return this.dead !== null; }

  /** The worker holds the process open exactly while something is registered. */
  private refresh(): void {
    const want = this.clients.size + this.listeners.size > 0;
    if (want === this.referenced) return;
    this.referenced = want;
    if (want) this.io.ref();
    else this.io.unref();
  }

  private send(cmd: ToReactor): void {
    this.io.post(cmd);
    if (this.wakePending) return;
    // commands issued in the same turn share one wakeup
    this.wakePending = true;
    queueMicrotask(this.wake);
  }

  private readonly wake = () => {
    this.wakePending = false;
    this.io.wake();
  };

  /** A message from the worker. */
  onMessage(m: FromReactor): void {
    switch (m.t) {
      case "data": {
        const client = this.clients.get(m.id);
        if (!client) { closeRawFds(this.closer, m.fds); return; }
        if (m.truncated) {
          closeRawFds(this.closer, m.fds);
          client.onEnd(new Error("peer sent more file descriptors than one message may carry (MSG_CTRUNC)"));
          return;
        }
        client.onData(new Uint8Array(m.buf), m.fds && m.fds.length ? m.fds : undefined);
        return;
      }
      case "eof": this.clients.get(m.id)?.onEnd(); return;
      case "error": this.clients.get(m.id)?.onEnd(this.io.error("recvmsg", m.errno)); return;
      case "writable": this.clients.get(m.id)?.onWritable(); return;
      case "accept": {
        const l = this.listeners.get(m.id);
        if (l) l.onAccept(m.fd);
        else this.io.closeFd(m.fd); // the listener was closed meanwhile
        return;
      }
      case "acceptError": this.listeners.get(m.id)?.onAcceptError(this.io.error("accept4", m.errno)); return;
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

  /** The worker died: every registration ends with `e` (their owners close the descriptors:
   *  remove() answers false from now on). */
  fail(e: Error): void {
    if (this.dead) return;
    this.dead = e;
    const clients = [...this.clients.values()];
    const listeners = [...this.listeners.values()];
    this.clients.clear();
    this.listeners.clear();
    this.refresh();
    for (const c of clients) { c.onEnd(e); c.onClosed(); }
    for (const l of listeners) { l.onAcceptError(e); l.onClosed(); }
  }
}

/** What starting a reactor worker needs from the runtime: node:worker_threads (Node and Bun
 *  both have it), the process's exit event, and libc's eventfd/write. */
export interface ReactorWorkerEnv<Port> {
  Worker: new (source: string, options: {
    eval: true; name: string; workerData: unknown; transferList: Port[]; stdout: false; stderr: false;
  }) => {
    ref(): unknown;
    unref(): unknown;
    // the shape of node:worker_threads' own listener type
    on(event: string, fn: (...args: any[]) => void): unknown;
  };
  MessageChannel: new () => { port1: { postMessage(m: unknown): void }; port2: Port };
  onExit(fn: () => void): void;
  offExit(fn: () => void): void;
  eventfd(): number;
  errno(): number;
  write(fd: number, bytes: Uint8Array, n: number): number;
  closeFd(fd: number): void;
  error(call: string, errno: number): Error;
}

/** Start the worker (`source`, evaluated) and its host. The worker gets `workerData` plus
 *  { wakeFd, ctl, quit }: the eventfd that wakes its poll(), the port its commands come on, and
 *  the flag that stops it at process exit (a worker blocked in poll() would hold the process
 *  open). `onDead` runs once if the worker dies. */
export function startReactorWorker<Port>(env: ReactorWorkerEnv<Port>, source: string, workerData: Record<string, unknown>,
    onDead: (host: FdReactorHost) => void): FdReactorHost {
  const wakeFd = env.eventfd();
  if (wakeFd < 0) throw env.error("eventfd", env.errno());
  const wakeBytes = new Uint8Array(new BigUint64Array([1n]).buffer);
  const quit = new Int32Array(new SharedArrayBuffer(4));
  const { port1: ctl, port2 } = new env.MessageChannel();
  const worker = new env.Worker(source, {
    eval: true,
    name: "tsbinder fd reactor",
    workerData: { ...workerData, wakeFd, ctl: port2, quit },
    transferList: [port2],
    stdout: false,
    stderr: false,
  });
  worker.unref();
  const host = new FdReactorHost({
    post: (cmd) => ctl.postMessage(cmd),
    wake: () => { env.write(wakeFd, wakeBytes, 8); },
    ref: () => worker.ref(),
    unref: () => worker.unref(),
    closeFd: env.closeFd,
    error: env.error,
  });
  const stop = () => {
    Atomics.store(quit, 0, 1);
    env.write(wakeFd, wakeBytes, 8);
  };
  const fail = (e: Error) => {
    env.offExit(stop);
    onDead(host);
    host.fail(e);
  };
  worker.on("message", (m: FromReactor) => host.onMessage(m));
  worker.on("error", (e: Error) => fail(e));
  worker.on("exit", (code: number) => fail(new Error(`fd reactor worker exited (code ${code})`)));
  env.onExit(stop);
  return host;
}
