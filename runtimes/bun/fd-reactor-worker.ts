// The source of the fd reactor's worker thread (runtimes/bun/fd-reactor.ts starts it). Plain
// JavaScript evaluated by node:worker_threads (eval: true), so it does not depend on how this
// package was built, bundled or compiled (`bun build --compile` included).
//
// It blocks in poll() over every fd-carrying socket and listener of the process plus an eventfd
// the main thread writes to wake it. On a socket: recvmsg (MSG_CMSG_CLOEXEC, room for 253 fds),
// posting {bytes, fds}; POLLOUT once when a writer asked. On a listener: accept4 until EAGAIN,
// posting each new descriptor. Commands arrive on a MessagePort read synchronously
// (receiveMessageOnPort) after each wakeup. The worker owns registered descriptors: it closes
// them on "del", so a number is never closed (and reused) while poll() may still watch it.
export const WORKER_SOURCE = String.raw`"use strict";
const { workerData, parentPort, receiveMessageOnPort } = require("node:worker_threads");
const { dlopen, FFIType, ptr, read: peek } = require("bun:ffi");
const { i32, u64, i64_fast, ptr: P } = FFIType;
const lib = dlopen("libc.so.6", {
  poll: { args: [P, u64, i32], returns: i32 },
  recvmsg: { args: [i32, P, i32], returns: i64_fast },
  accept4: { args: [i32, P, P, i32], returns: i32 },
  read: { args: [i32, P, u64], returns: i64_fast },
  close: { args: [i32], returns: i32 },
  __errno_location: { args: [], returns: P },
}).symbols;
const errnoAt = lib.__errno_location();
const errno = () => peek.i32(errnoAt, 0);
const { wakeFd, ctl, quit, readSize } = workerData;
const POLLIN = 1, POLLOUT = 4, POLLERR = 8, POLLHUP = 16, POLLNVAL = 32;
const EINTR = 4, EAGAIN = 11, ECONNABORTED = 103;
const SOCK_NONBLOCK = 0x800, SOCK_CLOEXEC = 0x80000, MSG_DONTWAIT = 0x40, MSG_CMSG_CLOEXEC = 0x40000000;
const MAX_FDS = 253, CTRL = 128, CTRL_LEN = (16 + MAX_FDS * 4 + 7) & ~7, DATA = 2048;
const mem = new Uint8Array(DATA + readSize);
const base = BigInt(ptr(mem));
const dv = new DataView(mem.buffer, mem.byteOffset, mem.byteLength);
// struct msghdr at 0 (no name, one iovec at 64), the iovec points at DATA
dv.setBigUint64(0, 0n, true); dv.setUint32(8, 0, true);
dv.setBigUint64(16, base + 64n, true); dv.setBigUint64(24, 1n, true);
dv.setBigUint64(64, base + BigInt(DATA), true); dv.setBigUint64(72, BigInt(readSize), true);
const wakeBuf = new Uint8Array(8);
const conns = new Map();
let pfd = new Uint8Array(0), pfdView = null, order = [], count = 1, dirty = true, backoff = 0;

function rebuild() {
  count = conns.size + 1;
  if (count * 8 > pfd.length) {
    pfd = new Uint8Array(Math.max(16, count * 2) * 8);
    pfdView = new DataView(pfd.buffer);
  }
  pfdView.setInt32(0, wakeFd, true); pfdView.setInt16(4, POLLIN, true); pfdView.setInt16(6, 0, true);
  order = [];
  const now = Date.now();
  backoff = 0;
  let at = 8;
  for (const c of conns.values()) {
    let ev = (c.reading && !c.paused ? POLLIN : 0) | (c.wantOut ? POLLOUT : 0);
    if (c.retryAt) {
      if (c.retryAt > now) { ev = 0; backoff = backoff ? Math.min(backoff, c.retryAt - now) : c.retryAt - now; }
      else c.retryAt = 0;
    }
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
    if (c.op === "add") conns.set(c.id, { id: c.id, fd: c.fd, listener: false, reading: true, paused: false, wantOut: false, retryAt: 0 });
    else if (c.op === "listen") conns.set(c.id, { id: c.id, fd: c.fd, listener: true, reading: true, wantOut: false, retryAt: 0 });
    else if (c.op === "out") { const x = conns.get(c.id); if (x) x.wantOut = true; }
    else if (c.op === "pause" || c.op === "resume") { const x = conns.get(c.id); if (x) x.paused = c.op === "pause"; }
    else if (c.op === "del") {
      const x = conns.get(c.id);
      if (x) { conns.delete(c.id); lib.close(x.fd); }
      parentPort.postMessage({ t: "closed", id: c.id });
    }
  }
}

function accept(c) {
  for (;;) {
    const fd = lib.accept4(c.fd, null, null, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd >= 0) { parentPort.postMessage({ t: "accept", id: c.id, fd }); continue; }
    const e = errno();
    if (e === EAGAIN) return;
    if (e === EINTR || e === ECONNABORTED) continue;
    // out of descriptors or memory (EMFILE, ENFILE, ENOBUFS, ENOMEM): the listener stays
    // readable, so look again in a while rather than spin
    c.retryAt = Date.now() + 100; dirty = true;
    parentPort.postMessage({ t: "acceptError", id: c.id, errno: e });
    return;
  }
}

function receive(c) {
  dv.setBigUint64(32, base + BigInt(CTRL), true); dv.setBigUint64(40, BigInt(CTRL_LEN), true); dv.setInt32(48, 0, true);
  const got = Number(lib.recvmsg(c.fd, mem, MSG_CMSG_CLOEXEC | MSG_DONTWAIT));
  if (got < 0) {
    const e = errno();
    if (e === EAGAIN || e === EINTR) return;
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
    if (fds) for (const fd of fds) lib.close(fd);
    parentPort.postMessage({ t: "eof", id: c.id });
    return;
  }
  const buf = mem.buffer.slice(DATA, DATA + got);
  parentPort.postMessage({ t: "data", id: c.id, buf, fds, truncated }, [buf]);
}

for (;;) {
  if (dirty) rebuild();
  // the timeout is a backstop for the quit flag (the eventfd wakes us), or a listener's retry
  const r = lib.poll(pfd, count, backoff ? Math.min(backoff, 1000) : 1000);
  if (Atomics.load(quit, 0)) break;
  if (r < 0) continue;
  if (r === 0) { commands(); if (backoff) dirty = true; continue; }
  if (pfdView.getInt16(6, true) !== 0) { lib.read(wakeFd, wakeBuf, 8); commands(); }
  for (let i = 1; i < count; i++) {
    const re = pfdView.getInt16(i * 8 + 6, true);
    if (re === 0) continue;
    const c = order[i - 1];
    if (conns.get(c.id) !== c) continue; // removed (and closed) just now
    if (c.listener) { accept(c); continue; }
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
for (const c of conns.values()) lib.close(c.fd);
`;
