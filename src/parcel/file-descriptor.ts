// ParcelFileDescriptor: an OS file descriptor that can travel in a parcel (SCM_RIGHTS on Unix
// sockets). src/ cannot close or duplicate an fd itself (that is a runtime API), so the runtime
// adapter registers how to (setFdOps; runtimes/node does it on import).
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

export type FdCloser = (fd: number) => void;

/** What a runtime adapter provides to handle raw descriptors. */
export interface FdOps {
  close(fd: number): void;
  /** A new descriptor for the same open file (close-on-exec). Throws on failure. */
  dup(fd: number): number;
}

/** libbinder's maximum number of fds in one message in mode UNIX (RpcWireFormat.h). */
export const MAX_FDS_PER_MESSAGE = 253;

let ops: Partial<FdOps> = {};

/** Called by a runtime adapter (runtimes/node, ...) to teach the package to close and
 *  duplicate fds. */
export function setFdOps(fns: Partial<FdOps>): void { ops = { ...ops, ...fns }; }
/** Called by a runtime adapter to teach the package how to close fds (see setFdOps). */
export function setFdCloser(fn: FdCloser): void { ops = { ...ops, close: fn }; }

/** @internal close a raw descriptor through the runtime adapter (no-op without one). */
export function closeRawFd(fd: number): void {
  if (fd >= 0) ops.close?.(fd);
}
/** @internal close several raw descriptors, never throwing. */
export function closeRawFds(fds: readonly number[] | undefined): void {
  if (!fds) return;
  for (const fd of fds) { try { closeRawFd(fd); } catch { /* already closed */ } }
}
/** @internal duplicate a raw descriptor through the runtime adapter. */
export function dupRawFd(fd: number): number {
  if (!ops.dup) throw new Error("no runtime adapter registered fd duplication (import tsbinder/node)");
  if (fd < 0) throw new Error("file descriptor was closed");
  return ops.dup(fd);
}
/** @internal duplicates of `fds` (all or nothing). */
export function dupRawFds(fds: readonly ParcelFileDescriptor[]): number[] {
  const out: number[] = [];
  try {
    for (const f of fds) out.push(dupRawFd(f.fd));
  } catch (e) {
    closeRawFds(out);
    throw e;
  }
  return out;
}

// closes package-created descriptors that were dropped without close()
const collected = new FinalizationRegistry<number>((fd) => {
  try { closeRawFd(fd); } catch { /* nothing to report to */ }
});

export class ParcelFileDescriptor {
  #fd: number;
  #tracked = false;
  /** Wrap `fd`. The object owns it from now on in the sense that close() closes it; the
   *  package itself never closes a descriptor the caller wrapped (see the rules above). */
  constructor(fd: number) {
    if (!Number.isInteger(fd) || fd < 0) throw new RangeError(`not a file descriptor: ${fd}`);
    this.#fd = fd;
  }
  /** @internal a descriptor the package created (closed on collection if never closed). */
  static _owned(fd: number): ParcelFileDescriptor {
    const p = new ParcelFileDescriptor(fd);
    p.#tracked = true;
    collected.register(p, fd, p);
    return p;
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
    return ParcelFileDescriptor._owned(dupRawFd(this.#fd));
  }
  close(): void {
    if (this.#fd < 0) return;
    const fd = this.#fd;
    this.#fd = -1;
    this.untrack();
    closeRawFd(fd);
  }
  [Symbol.dispose](): void { this.close(); }
  private untrack(): void {
    if (this.#tracked) { this.#tracked = false; collected.unregister(this); }
  }
}
