// The fd reactor's loop: the body of the one worker thread that watches every fd-carrying
// socket and listener of the process (reactor-host.ts is its main-thread half and has the
// message protocol's story). Written once, against Syscalls; each runtime's worker entry
// (runtimes/<name>/reactor-worker.ts) binds it to that runtime's FFI and its worker API, and
// the build bundles that entry into a string (runtimes/<name>/reactor-worker.gen.ts) that the
// adapter starts as an evaluated worker, so it does not depend on how the package is installed,
// bundled or compiled.
//
// It blocks in poll() over the sockets, the listeners and an eventfd the main thread writes to
// wake it. A readable socket: recvmsg (MSG_CMSG_CLOEXEC, room for SCM_MAX_FD fds),
// posting {bytes, fds}; POLLOUT once when a writer asked. A readable listener: accept4 until
// EAGAIN, posting each new descriptor. Commands are read synchronously after each wake-up.
// Registered descriptors are the reactor's: it closes them on "del", so a number is never
// closed (and reused) while poll() may still watch it.
import {
  Errno, MESSAGE, MSG_CMSG_CLOEXEC, MSG_DONTWAIT, POLLERR, POLLFD, POLLHUP, POLLIN, POLLNVAL, POLLOUT,
  SOCK_CLOEXEC, SOCK_NONBLOCK,
} from "./linux.js";
import { controlTruncated, initMessageBuffer, prepareReceive, receivedFds } from "./message.js";
import type { Syscalls } from "./syscalls.js";

/** A command from the main thread. */
export type ToReactor =
  | { op: "add" | "listen"; id: number; fd: number }
  | { op: "out" | "del" | "pause" | "resume"; id: number };

/** A report to the main thread. */
export type FromReactor =
  | { t: "data"; id: number; buf: ArrayBuffer; fds?: number[]; truncated: boolean }
  | { t: "eof" | "writable" | "closed"; id: number }
  | { t: "accept"; id: number; fd: number }
  | { t: "error" | "acceptError"; id: number; errno: number };

/** What the worker's runtime gives the loop. */
export interface ReactorEnv {
  sys: Pick<Syscalls, "alloc" | "poll" | "recvmsg" | "accept4" | "read" | "close" | "errno">;
  /** The eventfd that wakes poll(). */
  wakeFd: number;
  /** Set to 1 by the main thread at process exit: the loop ends and closes every descriptor. */
  quit: Int32Array;
  /** Bytes read per recvmsg. */
  readSize: number;
  /** The next queued command, or undefined (receiveMessageOnPort). */
  nextCommand(): ToReactor | undefined;
  post(m: FromReactor, transfer?: ArrayBuffer[]): void;
}

/** How long a listener rests after accept4 failed for want of descriptors or memory. */
const ACCEPT_RETRY_MS = 100;
/** poll's timeout: only a backstop for the quit flag (the eventfd wakes the loop). */
const POLL_BACKSTOP_MS = 1000;

interface Watched {
  id: number;
  fd: number;
  listener: boolean;
  reading: boolean;
  paused: boolean;
  wantOut: boolean;
  /** A listener resting until this time (Date.now()), or 0. */
  retryAt: number;
}

/** Run the loop until `env.quit` is set. */
export function runReactor(env: ReactorEnv): void {
  const { sys, wakeFd, quit, readSize } = env;
  const mem = sys.alloc(MESSAGE.DATA + readSize);
  const dv = initMessageBuffer(mem.bytes, mem.address);
  const wakeBuf = new Uint8Array(8);
  const watched = new Map<number, Watched>();
  let pfd = new Uint8Array(0);
  let pv = new DataView(pfd.buffer);
  let order: Watched[] = [];
  let count = 1;
  let dirty = true;
  let backoff = 0;

  const setPollfd = (i: number, fd: number, events: number) => {
    const at = i * POLLFD.size;
    pv.setInt32(at + POLLFD.fields.fd[0], fd, true);
    pv.setInt16(at + POLLFD.fields.events[0], events, true);
    pv.setInt16(at + POLLFD.fields.revents[0], 0, true);
  };
  const revents = (i: number) => pv.getInt16(i * POLLFD.size + POLLFD.fields.revents[0], true);

  function rebuild(): void {
    count = watched.size + 1;
    if (count * POLLFD.size > pfd.length) {
      pfd = new Uint8Array(Math.max(16, count * 2) * POLLFD.size);
      pv = new DataView(pfd.buffer);
    }
    setPollfd(0, wakeFd, POLLIN);
    order = [];
    const now = Date.now();
    backoff = 0;
    for (const w of watched.values()) {
      let ev = (w.reading && !w.paused ? POLLIN : 0) | (w.wantOut ? POLLOUT : 0);
      if (w.retryAt) {
        if (w.retryAt > now) { ev = 0; backoff = backoff ? Math.min(backoff, w.retryAt - now) : w.retryAt - now; }
        else w.retryAt = 0;
      }
      order.push(w);
      // a negative fd is skipped by poll (a finished socket would report POLLHUP forever)
      setPollfd(order.length, ev ? w.fd : -1, ev);
    }
    dirty = false;
  }

  function commands(): void {
    for (let c = env.nextCommand(); c; c = env.nextCommand()) {
      dirty = true;
      if (c.op === "add" || c.op === "listen") {
        watched.set(c.id, { id: c.id, fd: c.fd, listener: c.op === "listen", reading: true, paused: false, wantOut: false, retryAt: 0 });
        continue;
      }
      const w = watched.get(c.id);
      if (c.op === "out") { if (w) w.wantOut = true; }
      else if (c.op === "pause" || c.op === "resume") { if (w) w.paused = c.op === "pause"; }
      else {
        if (w) { watched.delete(c.id); sys.close(w.fd); }
        env.post({ t: "closed", id: c.id });
      }
    }
  }

  function accept(w: Watched): void {
    for (;;) {
      const fd = sys.accept4(w.fd, SOCK_NONBLOCK | SOCK_CLOEXEC);
      if (fd >= 0) { env.post({ t: "accept", id: w.id, fd }); continue; }
      const e = sys.errno();
      if (e === Errno.EAGAIN) return;
      if (e === Errno.EINTR || e === Errno.ECONNABORTED) continue;
      // out of descriptors or memory (EMFILE, ENFILE, ENOBUFS, ENOMEM): the listener stays
      // readable, so look again in a while rather than spin
      w.retryAt = Date.now() + ACCEPT_RETRY_MS;
      dirty = true;
      env.post({ t: "acceptError", id: w.id, errno: e });
      return;
    }
  }

  function receive(w: Watched): void {
    prepareReceive(dv, mem.address, readSize);
    const got = sys.recvmsg(w.fd, mem, MSG_CMSG_CLOEXEC | MSG_DONTWAIT);
    if (got < 0) {
      const e = sys.errno();
      if (e === Errno.EAGAIN || e === Errno.EINTR) return;
      w.reading = false;
      dirty = true;
      env.post({ t: "error", id: w.id, errno: e });
      return;
    }
    const fds = receivedFds(dv);
    if (got === 0) {
      w.reading = false;
      dirty = true;
      if (fds) for (const fd of fds) sys.close(fd);
      env.post({ t: "eof", id: w.id });
      return;
    }
    const buf = mem.bytes.slice(MESSAGE.DATA, MESSAGE.DATA + got).buffer;
    env.post({ t: "data", id: w.id, buf, fds, truncated: controlTruncated(dv) }, [buf]);
  }

  for (;;) {
    if (dirty) rebuild();
    const r = sys.poll(pfd, count, backoff ? Math.min(backoff, POLL_BACKSTOP_MS) : POLL_BACKSTOP_MS);
    if (Atomics.load(quit, 0)) break;
    if (r < 0) continue;
    if (r === 0) { commands(); if (backoff) dirty = true; continue; }
    if (revents(0) !== 0) { sys.read(wakeFd, wakeBuf, 8); commands(); }
    for (let i = 1; i < count; i++) {
      const re = revents(i);
      if (re === 0) continue;
      const w = order[i - 1]!;
      if (watched.get(w.id) !== w) continue; // removed (and closed) just now
      if (w.listener) { accept(w); continue; }
      if (w.wantOut && (re & (POLLOUT | POLLERR | POLLHUP | POLLNVAL))) {
        w.wantOut = false;
        dirty = true;
        env.post({ t: "writable", id: w.id });
      }
      if (w.reading && !w.paused && (re & (POLLIN | POLLERR | POLLHUP | POLLNVAL))) {
        if (re & POLLNVAL) {
          w.reading = false;
          dirty = true;
          env.post({ t: "error", id: w.id, errno: Errno.EBADF });
        } else receive(w);
      }
    }
  }
  for (const w of watched.values()) sys.close(w.fd);
}
