// ParcelFileDescriptor: an OS file descriptor that can travel in a parcel (SCM_RIGHTS on Unix
// sockets). src/ cannot close or duplicate an fd itself (that is a runtime API): it does so
// through the fd ops of a Platform (platform/platform.ts; the portable one has none).
//
// Which platform closes and duplicates a descriptor:
//
// * One the package creates (read from a parcel, dup()) uses the platform of the parcel or
//   descriptor it came from (for a parcel without fd ops, a local call's on the portable
//   platform, the platform of the descriptor that was written into it).
// * One wrapped by user code, `new ParcelFileDescriptor(fd, platform)`, uses that platform;
//   without one, the platform of the first parcel it is written into whose platform has fd
//   ops (a session's parcels carry the session's platform). Until then, close() and dup()
//   have nothing to act through: close() throws (the caller still owns the number), as dup()
//   always did without a runtime adapter.
//
// Ownership (who closes what):
//
// * A ParcelFileDescriptor the caller writes into a parcel (writeFileDescriptor /
//   writeParcelFileDescriptor) stays the caller's: the parcel only refers to it, and disposing
//   or resetting the parcel does not close it. The session duplicates every fd of a message
//   while it builds the frame, synchronously inside transact() (and, for a reply, right after
//   onTransact returns), and hands those duplicates to the transport, which closes them once
//   sendmsg has passed them to the kernel (or the connection dies first). So the caller may
//   close its descriptor as soon as transact() has returned its promise, even for a oneway call
//   or a call still queued for a free connection; a service may close a descriptor it wrote
//   into a reply once onTransact has returned. (Duplicating at frame build rather than in the
//   transport's write() matters: a frame may wait for a free connection, or a reply for the
//   nested call above it, and the caller's descriptor may be closed by then.)
// * `takeOwnership` (libbinder's writeFileDescriptor(fd, takeOwnership)) hands the descriptor
//   to the parcel instead: it is closed when the parcel is disposed or reset, which for a reply
//   is right after it was sent. Generated AIDL stubs write results (return values, out/inout
//   arguments) this way, as libbinder's and Java's stubs close returned descriptors: a service
//   method that returns a ParcelFileDescriptor gives it away (return `pfd.dup()` to keep one).
// * Descriptors that arrive with a message are owned by the parcel they arrived in and are
//   closed when it is disposed (or reset). Reading one (readFileDescriptor /
//   readParcelFileDescriptor) returns a NEW ParcelFileDescriptor that owns a duplicate (as
//   libbinder's readUniqueFileDescriptor does): the caller closes it (or detach()es the number
//   and takes it over). Reading the same object twice gives two independent duplicates.
// * Descriptors this package creates (received duplicates) are also closed when their
//   ParcelFileDescriptor is garbage-collected unclosed, as Java's ParcelFileDescriptor and
//   Node's FileHandle do; that is a safety net, not the plan. A descriptor wrapped by
//   `new ParcelFileDescriptor(fd)` is never closed behind the caller's back by collection.
//
// Limits: at most MAX_FDS_PER_MESSAGE (253, libbinder's limit for mode UNIX, also the
// kernel's SCM_MAX_FD) descriptors per message; more is refused with BAD_VALUE before anything
// is sent.

import type { FdOps, Platform } from "../platform/platform.js";
export type { FdOps } from "../platform/platform.js";
/** What closing raw descriptors needs (a platform's FdOps, or a transport's own libc). */
export type FdCloser = Pick<FdOps, "close">;

/** libbinder's maximum number of fds in one message in mode UNIX (RpcWireFormat.h). */
export const MAX_FDS_PER_MESSAGE = 253;

/** @internal close a raw descriptor through `ops` (no-op without them: only a platform with
 *  fd ops ever has descriptors to close). */
export function closeRawFd(ops: FdCloser | null, fd: number): void {
  if (fd >= 0) ops?.close(fd);
}
/** @internal close several raw descriptors, never throwing. */
export function closeRawFds(ops: FdCloser | null, fds: readonly number[] | undefined): void {
  if (!fds || !ops) return;
  for (const fd of fds) { try { closeRawFd(ops, fd); } catch { /* already closed */ } }
}
/** @internal duplicate a raw descriptor through `ops`. */
export function dupRawFd(ops: FdOps | null, fd: number): number {
  if (!ops) throw new Error("no platform with fd ops for this descriptor (use a runtime adapter's platform, e.g. nodePlatform)");
  if (fd < 0) throw new Error("file descriptor was closed");
  return ops.dup(fd);
}
/** @internal duplicates of `fds` (all or nothing). */
export function dupRawFds(ops: FdOps | null, fds: readonly ParcelFileDescriptor[]): number[] {
  const out: number[] = [];
  try {
    for (const f of fds) out.push(dupRawFd(ops, f.fd));
  } catch (e) {
    closeRawFds(ops, out);
    throw e;
  }
  return out;
}

// closes package-created descriptors that were dropped without close()
const collected = new FinalizationRegistry<{ ops: FdOps; fd: number }>((held) => {
  try { held.ops.close(held.fd); } catch { /* nothing to report to */ }
});

export class ParcelFileDescriptor {
  #fd: number;
  #ops: FdOps | null;
  #tracked = false;
  /** Wrap `fd`. The object owns it from now on in the sense that close() closes it; the
   *  package itself never closes a descriptor the caller wrapped (see the rules above).
   *  `platform`: the one that closes and duplicates it (else the first parcel's it is
   *  written into). */
  constructor(fd: number, platform?: Platform) {
    if (!Number.isInteger(fd) || fd < 0) throw new RangeError(`not a file descriptor: ${fd}`);
    this.#fd = fd;
    this.#ops = platform?.fds ?? null;
  }
  /** @internal a descriptor the package created through `ops` (closed on collection if
   *  never closed). */
  static _owned(ops: FdOps, fd: number): ParcelFileDescriptor {
    const p = new ParcelFileDescriptor(fd);
    p.#ops = ops;
    p.#tracked = true;
    collected.register(p, { ops, fd }, p);
    return p;
  }
  /** @internal the fd ops it closes and dups through (null: none yet). */
  get _ops(): FdOps | null { return this.#ops; }
  /** @internal a parcel it is written into offers its platform's fd ops (kept if none yet). */
  _bind(ops: FdOps | null): void {
    this.#ops ??= ops;
  }
  /** The descriptor, or -1 once closed or detached. */
  get fd(): number { return this.#fd; }
  /** Take ownership of the descriptor away from this object (it will not close it). */
  detach(): number {
    const fd = this.#fd;
    this.#fd = -1;
    this.untrack();
    return fd;
  }
  /** A new ParcelFileDescriptor owning a duplicate of this descriptor. */
  dup(): ParcelFileDescriptor {
    const ops = this.#ops;
    if (!ops) throw new Error("this ParcelFileDescriptor has no platform to duplicate it through (pass one to its constructor)");
    return ParcelFileDescriptor._owned(ops, dupRawFd(ops, this.#fd));
  }
  /** Close the descriptor (through its platform: see the rules above). */
  close(): void {
    if (this.#fd < 0) return;
    if (!this.#ops) throw new Error("this ParcelFileDescriptor has no platform to close it through (pass one to its constructor)");
    const fd = this.#fd;
    this.#fd = -1;
    this.untrack();
    this.#ops.close(fd);
  }
  [Symbol.dispose](): void { this.close(); }
  private untrack(): void {
    if (this.#tracked) { this.#tracked = false; collected.unregister(this); }
  }
}
