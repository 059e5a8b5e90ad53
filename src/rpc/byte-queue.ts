// Incoming bytes, as the transport delivered them, consumed in exact-size pieces. Chunks are
// kept by reference; a read that fits in one chunk returns a view (no copy), and copyTo()
// copies straight to a destination (a parcel in linear memory).

/** A copy of `bytes` (start..end). Not `bytes.slice()`: chunks from Node and Bun are often
 *  Buffers, whose slice() is a view of the same memory. */
export function copyBytes(bytes: Uint8Array, start = 0, end = bytes.length): Uint8Array {
  return new Uint8Array(bytes.subarray(start, end));
}

/** Pieces up to this many bytes are copied by a loop, not by set() on a view. */
const SMALL_COPY = 64;

export class ByteQueue {
  private chunks: Uint8Array[] = [];
  private head = 0; // offset into chunks[0]
  private total = 0;
  private pushedTotal = 0;
  private waiter: (() => void) | null = null;
  private ended = false;

  get length(): number { return this.total; }
  /** Bytes ever pushed: `pushed - length` is the stream offset of the next unread byte. */
  get pushed(): number { return this.pushedTotal; }
  get isEnded(): boolean { return this.ended; }

  push(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    this.chunks.push(chunk);
    this.total += chunk.length;
    this.pushedTotal += chunk.length;
    this.wake();
  }

  end(): void {
    this.ended = true;
    this.wake();
  }

  /** Resolves when more data arrives or the stream ends. */
  wait(): Promise<void> {
    return new Promise((resolve) => { this.waiter = resolve; });
  }

  /** n bytes, or null if fewer are buffered. The result is a view of a transport chunk when it
   *  lies in one: use it or copy it before handing it on. */
  read(n: number): Uint8Array | null {
    if (n > this.total) return null;
    if (n === 0) return new Uint8Array(0);
    const first = this.chunks[0]!;
    if (first.length - this.head >= n) {
      const out = first.subarray(this.head, this.head + n);
      this.consume(n);
      return out;
    }
    const out = new Uint8Array(n);
    this.copyTo(n, out, 0);
    return out;
  }

  /** Copy the first n bytes (must be buffered) to dest[at..], consuming them unless `keep`. */
  copyTo(n: number, dest: Uint8Array, at: number, keep = false): void {
    let off = 0;
    for (let i = 0, h = this.head; off < n; i++, h = 0) {
      const c = this.chunks[i]!;
      const take = Math.min(c.length - h, n - off);
      const to = at + off;
      if (take <= SMALL_COPY) {
        // a frame header, a small body: no view to make (a Buffer's subarray() builds its
        // FastBuffer through the species constructor, which costs more than these bytes)
        for (let k = 0; k < take; k++) dest[to + k] = c[h + k]!;
      } else {
        dest.set(take === c.length ? c : new Uint8Array(c.buffer, c.byteOffset + h, take), to);
      }
      off += take;
    }
    if (!keep) this.consume(n);
  }

  /** `chunk` (pushed earlier) is about to be reused by its owner: if the queue still holds
   *  part of it, hold a copy of that part instead. */
  release(chunk: Uint8Array): void {
    const i = this.chunks.lastIndexOf(chunk);
    if (i < 0) return;
    if (i === 0) {
      this.chunks[0] = copyBytes(chunk, this.head);
      this.head = 0;
    } else {
      this.chunks[i] = copyBytes(chunk);
    }
  }

  /** Drop n buffered bytes. */
  skip(n: number): void {
    if (n > this.total) throw new RangeError(`skip(${n}) with ${this.total} bytes buffered`);
    this.consume(n);
  }

  /** Read exactly n bytes, waiting for them; null if the stream ends first. */
  async readExactly(n: number): Promise<Uint8Array | null> {
    for (;;) {
      const b = this.read(n);
      if (b) return copyBytes(b);
      if (this.ended) return null;
      await this.wait();
    }
  }

  private consume(n: number): void {
    this.total -= n;
    while (n > 0) {
      const c = this.chunks[0]!;
      const left = c.length - this.head;
      if (n < left) { this.head += n; return; }
      n -= left;
      this.chunks.shift();
      this.head = 0;
    }
  }

  private wake(): void {
    const w = this.waiter;
    if (w) { this.waiter = null; w(); }
  }
}
