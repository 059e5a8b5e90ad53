// The fd reactor: one Worker thread that watches every fd-capable socket of the process.
//
// Why a worker: node:net (libuv) reads with read(), so the kernel discards SCM_RIGHTS fds, and
// Node offers no readiness notification for a descriptor it does not read itself. A blocking
// poll() needs a thread of its own; the worker is that thread, shared by all connections (one
// thread however many sockets; libuv's 4-thread pool is never occupied, as koffi's async calls
// would do per blocked call). It blocks in poll() over the sockets plus an eventfd the main
// thread writes to wake it, reads with recvmsg (MSG_CMSG_CLOEXEC, room for 253 fds) and posts
// {bytes, fds} to the main thread. It also reports POLLOUT when a writer asked for it.
//
// Writes do not go through the worker: sendmsg on a non-blocking socket never blocks, so the
// main thread sends directly (runtimes/node/unix-fds.ts) and asks the worker for POLLOUT only
// when the socket buffer is full. That keeps a call to one postMessage hop (the reply).
//
// The worker owns the descriptors' lifetime once registered: the main thread asks it to
// remove a socket and the worker closes it, so a descriptor number is never closed (and
// reused) while poll() may still be watching it.
import { MessageChannel, Worker } from "node:worker_threads";
import { startReactorWorker, type FdReactorHost } from "../../src/transports/fd-reactor-host.js";
import { closeFd, loadLibc, libcUnavailable, O, type Libc } from "./libc.js";

/** Bytes read per recvmsg. */
const READ_SIZE = 256 * 1024;

// The worker runs this source (plain JavaScript, evaluated: it must not depend on how this
// package was built or bundled).
const WORKER_SOURCE = String.raw`"use strict";
const { workerData, parentPort, receiveMessageOnPort } = require("node:worker_threads");
const koffi = require(workerData.koffiPath);
const lib = koffi.load("libc.so.6");
const poll = lib.func("int poll(void *fds, uint64_t nfds, int timeout)");
const recvmsg = lib.func("intptr_t recvmsg(int fd, void *msg, int flags)");
const read = lib.func("intptr_t read(int fd, void *buf, uintptr_t n)");
const close = lib.func("int close(int fd)");
const { wakeFd, ctl, quit, readSize } = workerData;
const POLLIN = 1, POLLOUT = 4, POLLERR = 8, POLLHUP = 16, POLLNVAL = 32;
const MAX_FDS = 253, CTRL = 128, CTRL_LEN = (16 + MAX_FDS * 4 + 7) & ~7, DATA = 2048;
const mem = koffi.alloc("uint8_t", DATA + readSize);
const base = koffi.address(mem);
const view = koffi.view(mem, DATA + readSize);
const dv = new DataView(view);
// struct msghdr at 0 (no name, one iovec at 64), the iovec points at DATA
dv.setBigUint64(0, 0n, true); dv.setUint32(8, 0, true);
dv.setBigUint64(16, base + 64n, true); dv.setBigUint64(24, 1n, true);
dv.setBigUint64(64, base + BigInt(DATA), true); dv.setBigUint64(72, BigInt(readSize), true);
const wakeBuf = koffi.alloc("uint8_t", 8);
const conns = new Map();
let pfd = null, pfdView = null, pfdCap = 0, order = [], count = 1, dirty = true;

function rebuild() {
  count = conns.size + 1;
  if (count > pfdCap) {
    if (pfd) koffi.free(pfd);
    pfdCap = Math.max(16, count * 2);
    pfd = koffi.alloc("uint8_t", pfdCap * 8);
    pfdView = new DataView(koffi.view(pfd, pfdCap * 8));
  }
  pfdView.setInt32(0, wakeFd, true); pfdView.setInt16(4, POLLIN, true); pfdView.setInt16(6, 0, true);
  order = [];
  let at = 8;
  for (const c of conns.values()) {
    const ev = (c.reading && !c.paused ? POLLIN : 0) | (c.wantOut ? POLLOUT : 0);
    // a negative fd is skipped by poll (a finished socket would report POLLHUP forever)
    pfdView.setInt32(at, ev ? c.fd : -1, true); pfdView.setInt16(at + 4, ev, true); pfdView.setInt16(at + 6, 0, true);
    order.push(c);
    at += 8;
  }
  dirty = false;
}

function commands() {
  for (;;) {
    const m = receiveMessageOnPort(ctl);
    if (!m) return;
    const c = m.message;
    dirty = true;
    if (c.op === "add") conns.set(c.id, { id: c.id, fd: c.fd, reading: true, paused: false, wantOut: false });
    else if (c.op === "out") { const x = conns.get(c.id); if (x) x.wantOut = true; }
    else if (c.op === "pause" || c.op === "resume") { const x = conns.get(c.id); if (x) x.paused = c.op === "pause"; }
    else if (c.op === "del") {
      const x = conns.get(c.id);
      if (x) { conns.delete(c.id); close(x.fd); }
      parentPort.postMessage({ t: "closed", id: c.id });
    }
  }
}

function receive(c) {
  dv.setBigUint64(32, base + BigInt(CTRL), true); dv.setBigUint64(40, BigInt(CTRL_LEN), true); dv.setInt32(48, 0, true);
  const got = Number(recvmsg(c.fd, mem, 0x40000000 | 0x40)); // MSG_CMSG_CLOEXEC | MSG_DONTWAIT
  if (got < 0) {
    const e = koffi.errno();
    if (e === 11 || e === 4) return; // EAGAIN, EINTR
    c.reading = false; dirty = true;
    parentPort.postMessage({ t: "error", id: c.id, errno: e });
    return;
  }
  let fds;
  const clen = Number(dv.getBigUint64(40, true));
  for (let off = CTRL; off + 16 <= CTRL + clen;) {
    const len = Number(dv.getBigUint64(off, true));
    if (len < 16) break;
    if (dv.getInt32(off + 8, true) === 1 && dv.getInt32(off + 12, true) === 1) { // SOL_SOCKET, SCM_RIGHTS
      if (!fds) fds = [];
      for (let p = off + 16; p + 4 <= off + len; p += 4) fds.push(dv.getInt32(p, true));
    }
    off += (len + 7) & ~7;
  }
  const truncated = (dv.getInt32(48, true) & 8) !== 0; // MSG_CTRUNC: the kernel dropped fds
  if (got === 0) {
    c.reading = false; dirty = true;
    if (fds) for (const fd of fds) close(fd);
    parentPort.postMessage({ t: "eof", id: c.id });
    return;
  }
  const buf = view.slice(DATA, DATA + got);
  parentPort.postMessage({ t: "data", id: c.id, buf, fds, truncated }, [buf]);
}

for (;;) {
  if (dirty) rebuild();
  // the timeout is only a backstop for the quit flag; the eventfd wakes us
  const r = poll(pfd, count, 1000);
  if (Atomics.load(quit, 0)) break;
  if (r <= 0) continue;
  if (pfdView.getInt16(6, true) !== 0) { read(wakeFd, wakeBuf, 8); commands(); }
  for (let i = 1; i < count; i++) {
    const re = pfdView.getInt16(i * 8 + 6, true);
    if (re === 0) continue;
    const c = order[i - 1];
    if (conns.get(c.id) !== c) continue; // removed (and closed) just now
    if (c.wantOut && (re & (POLLOUT | POLLERR | POLLHUP | POLLNVAL))) {
      c.wantOut = false; dirty = true;
      parentPort.postMessage({ t: "writable", id: c.id });
    }
    if (c.reading && !c.paused && (re & (POLLIN | POLLERR | POLLHUP | POLLNVAL))) {
      if (re & POLLNVAL) { c.reading = false; dirty = true; parentPort.postMessage({ t: "error", id: c.id, errno: 9 }); }
      else receive(c);
    }
  }
}
for (const c of conns.values()) close(c.fd);
`;

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
    closeFd,
    error: (call, errno) => new Error(`${call} failed: errno ${errno}`),
  }, WORKER_SOURCE, { koffiPath: libc.koffiPath, readSize: READ_SIZE }, (dead) => { if (reactor === dead) reactor = null; });
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
