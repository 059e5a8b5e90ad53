// A single-producer / single-consumer byte ring in a SharedArrayBuffer, one per direction of a
// connection between two threads. The producer copies bytes in and publishes its position;
// the consumer copies them out and publishes its own. Sleeping is with Atomics.waitAsync (the
// event loop stays free) and waking with Atomics.notify, only when the other side said it sleeps.
//
// Layout (Int32 words, 64-byte header so the data starts on its own cache line):
//   [0] write position   [1] read position   (byte counts mod 2^32; capacity is a power of 2)
//   [2] closed (the producer wrote its last byte)
//   [3] consumer sleeping   [4] producer sleeping (waiting for space)
import { ReadGate } from "./backpressure.js";

const W = 0, R = 1, CLOSED = 2, READER_SLEEPS = 3, WRITER_SLEEPS = 4;
const HEADER = 64;

/** Can this runtime run the ring between threads? (SharedArrayBuffer + Atomics.waitAsync) */
export function sharedMemoryAvailable(): boolean {
  try {
    return typeof SharedArrayBuffer === "function" && typeof Atomics.waitAsync === "function" && new SharedArrayBuffer(8).byteLength === 8;
  } catch {
    return false;
  }
}

/** A new ring buffer of `bytes` capacity (rounded up to a power of two, at least 4 KiB). */
export function createRingBuffer(bytes: number): SharedArrayBuffer {
  let cap = 4096;
  while (cap < bytes) cap *= 2;
  return new SharedArrayBuffer(HEADER + cap);
}

class RingBase {
  protected readonly ctrl: Int32Array;
  protected readonly data: Uint8Array;
  protected readonly cap: number;
  protected readonly mask: number;
  constructor(sab: SharedArrayBuffer) {
    this.ctrl = new Int32Array(sab, 0, HEADER / 4);
    this.data = new Uint8Array(sab, HEADER);
    this.cap = this.data.length;
    if (this.cap & (this.cap - 1)) throw new RangeError("ring capacity must be a power of two");
    this.mask = this.cap - 1;
  }
}

export class RingWriter extends RingBase {
  /** Bytes not yet in the ring (the ring was full): copies, in order. */
  private backlog: Uint8Array[] = [];
  private backlogLength = 0;
  /** Runs each time the backlog empties (MessagePortConnection's onDrain). */
  onBacklogDrained: (() => void) | null = null;
  private waiting = false;
  private closing = false;
  private closed = false;
  private onFlushed: (() => void) | null = null;
  /** Our write position: bytes up to here are copied in, not necessarily published. */
  private w: number;

  constructor(sab: SharedArrayBuffer) {
    super(sab);
    this.w = Atomics.load(this.ctrl, W) >>> 0;
  }

  /** Never blocks: copies into the ring (what does not fit waits, as a private copy, for the
   *  consumer to make room). With `publish` false the bytes stay invisible to the consumer
   *  until publish(): a frame written in pieces then wakes it once. */
  write(bytes: Uint8Array, publish = true): void {
    if (this.closing) return;
    if (this.backlog.length) { this.backlog.push(new Uint8Array(bytes)); this.backlogLength += bytes.length; return; }
    const n = this.put(bytes);
    if (n < bytes.length) {
      this.publish();
      this.backlog.push(new Uint8Array(bytes.subarray(n)));
      this.backlogLength += bytes.length - n;
      void this.drain();
    } else if (publish) {
      this.publish();
    }
  }

  /** Make everything written so far visible, waking the consumer if it sleeps. */
  publish(): void {
    const w = this.w | 0;
    if (Atomics.load(this.ctrl, W) === w) return;
    Atomics.store(this.ctrl, W, w);
    if (Atomics.load(this.ctrl, READER_SLEEPS)) Atomics.notify(this.ctrl, W);
  }

  /** Publish end-of-stream after everything written so far; `then` runs once it is published. */
  close(then?: () => void): void {
    if (this.closing) return;
    this.closing = true;
    this.onFlushed = then ?? null;
    if (!this.backlog.length) this.finish();
  }

  get isClosed(): boolean { return this.closed; }

  /** Bytes written that wait outside the ring for the consumer to make room (the ring itself
   *  is fixed memory, like a socket's kernel buffer, and not counted). */
  get backlogBytes(): number { return this.backlogLength; }

  /** Give up on the backlog (the peer is gone). */
  abandon(): void {
    this.backlog = [];
    this.backlogLength = 0;
    this.closing = true;
    if (!this.closed) this.finish();
    this.onBacklogDrained?.();
    if (this.waiting) Atomics.notify(this.ctrl, R); // our own drain() may sleep on a full ring
  }

  private finish(): void {
    this.publish();
    this.closed = true;
    Atomics.store(this.ctrl, CLOSED, 1);
    Atomics.notify(this.ctrl, W);
    const f = this.onFlushed;
    this.onFlushed = null;
    f?.();
  }

  /** Copy as much of `b` as fits (unpublished); returns how much did. */
  private put(b: Uint8Array): number {
    const w = this.w;
    const r = Atomics.load(this.ctrl, R) >>> 0;
    const free = this.cap - ((w - r) >>> 0);
    const n = Math.min(free, b.length);
    if (n === 0) return 0;
    const at = w & this.mask;
    const first = Math.min(n, this.cap - at);
    this.data.set(first === b.length ? b : b.subarray(0, first), at);
    if (n > first) this.data.set(b.subarray(first, n), 0);
    this.w = (w + n) >>> 0;
    return n;
  }

  private async drain(): Promise<void> {
    if (this.waiting) return;
    this.waiting = true;
    try {
      while (this.backlog.length) {
        const head = this.backlog[0]!;
        const n = this.put(head);
        this.publish();
        this.backlogLength -= n;
        if (n === head.length) { this.backlog.shift(); continue; }
        if (n > 0) this.backlog[0] = head.subarray(n);
        // full: sleep until the consumer moves its read position
        Atomics.store(this.ctrl, WRITER_SLEEPS, 1);
        const r = Atomics.load(this.ctrl, R);
        if (((this.w - (r >>> 0)) >>> 0) === this.cap) {
          const res = Atomics.waitAsync(this.ctrl, R, r);
          if (res.async) await res.value;
        }
        Atomics.store(this.ctrl, WRITER_SLEEPS, 0);
        if (this.closed) return; // abandoned while we slept
      }
    } finally {
      this.waiting = false;
    }
    if (!this.backlog.length) this.onBacklogDrained?.();
    if (this.closing && !this.closed) this.finish();
  }
}

export class RingReader extends RingBase {
  private stopped = false;
  private running = false;
  /** Closed while paused: nothing is taken from the ring (the producer's backlog grows). */
  private readonly gate = new ReadGate();

  pause(): void { this.gate.pause(); }

  resume(): void { this.gate.resume(); }

  /** Deliver chunks (fresh copies) until the producer closes (then `onEnd`) or stop(). */
  async run(onData: (chunk: Uint8Array) => void, onEnd: () => void): Promise<void> {
    if (this.running) return;
    this.running = true;
    let spins = 0;
    while (!this.stopped) {
      if (this.gate.closed) { await this.gate.closed; continue; }
      if (this.take(onData)) {
        // a producer that never pauses must not starve this thread's event loop
        if (++spins >= 64) { spins = 0; await new Promise((r) => setTimeout(r, 0)); }
        continue;
      }
      spins = 0;
      if (Atomics.load(this.ctrl, CLOSED)) {
        if (this.take(onData)) continue;
        break;
      }
      const r = Atomics.load(this.ctrl, R);
      Atomics.store(this.ctrl, READER_SLEEPS, 1);
      if (Atomics.load(this.ctrl, W) === r && !Atomics.load(this.ctrl, CLOSED)) {
        const res = Atomics.waitAsync(this.ctrl, W, r);
        if (res.async) await res.value;
      }
      Atomics.store(this.ctrl, READER_SLEEPS, 0);
    }
    this.running = false;
    if (!this.stopped) { this.stopped = true; onEnd(); }
  }

  /** Deliver whatever is in the ring now (used when the peer vanished). */
  drainNow(onData: (chunk: Uint8Array) => void): void { this.take(onData); }

  /** Stop the loop (wakes it if it sleeps); onEnd is not called. */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.resume();
    Atomics.notify(this.ctrl, W);
  }

  private take(onData: (chunk: Uint8Array) => void): boolean {
    const r = Atomics.load(this.ctrl, R) >>> 0;
    const w = Atomics.load(this.ctrl, W) >>> 0;
    const n = (w - r) >>> 0;
    if (n === 0) return false;
    const at = r & this.mask;
    const first = Math.min(n, this.cap - at);
    const chunk = new Uint8Array(n);
    chunk.set(this.data.subarray(at, at + first));
    if (n > first) chunk.set(this.data.subarray(0, n - first), first);
    Atomics.store(this.ctrl, R, w | 0);
    if (Atomics.load(this.ctrl, WRITER_SLEEPS)) Atomics.notify(this.ctrl, R);
    onData(chunk);
    return true;
  }
}
