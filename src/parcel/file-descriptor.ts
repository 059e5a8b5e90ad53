// ParcelFileDescriptor: an owned OS file descriptor that can travel in a parcel (SCM_RIGHTS on
// Unix sockets). src/ cannot close an fd itself (that is a runtime API), so the runtime
// adapter that creates descriptors registers how to close them.

export type FdCloser = (fd: number) => void;
let closer: FdCloser | null = null;

/** Called by a runtime adapter (runtimes/node, ...) to teach the package how to close fds. */
export function setFdCloser(fn: FdCloser): void { closer = fn; }

export class ParcelFileDescriptor {
  #fd: number;
  constructor(fd: number) {
    if (!Number.isInteger(fd) || fd < 0) throw new RangeError(`not a file descriptor: ${fd}`);
    this.#fd = fd;
  }
  /** The descriptor, or -1 once closed or detached. */
  get fd(): number { return this.#fd; }
  /** Take ownership of the descriptor away from this object (it will not close it). */
  detach(): number {
    const fd = this.#fd;
    this.#fd = -1;
    return fd;
  }
  close(): void {
    if (this.#fd < 0) return;
    const fd = this.#fd;
    this.#fd = -1;
    closer?.(fd);
  }
  [Symbol.dispose](): void { this.close(); }
}
