// Two small pieces the adapters share for TransportConnection's backpressure members
// (rpc/transport.ts): the callbacks waiting for an adapter's queue to drain (onDrain), and the
// gate a pull-based read loop waits at while reading is paused (pauseReading).

/** onDrain callbacks, run once `drained()` holds: on a later tick when it holds already, else
 *  when the adapter calls check() after sending (cheap when nobody waits). */
export class DrainWaiters {
  private waiters: (() => void)[] = [];

  /** `drained`: the adapter's queue is empty, or the connection is gone. */
  constructor(private readonly drained: () => boolean) {}

  get waiting(): boolean { return this.waiters.length > 0; }

  add(cb: () => void): void {
    this.waiters.push(cb);
    if (this.drained()) queueMicrotask(this.check);
  }

  readonly check = (): void => {
    if (this.waiters.length === 0 || !this.drained()) return;
    const w = this.waiters;
    this.waiters = [];
    for (const cb of w) cb();
  };
}

/** Where a read loop waits while reading is paused: `closed` is null while reading goes on,
 *  else a promise that resume() settles. */
export class ReadGate {
  private gate: { promise: Promise<void>; resolve: () => void } | null = null;

  get closed(): Promise<void> | null { return this.gate ? this.gate.promise : null; }

  pause(): void {
    if (this.gate) return;
    let resolve!: () => void;
    const promise = new Promise<void>((r) => { resolve = r; });
    this.gate = { promise, resolve };
  }

  resume(): void {
    const g = this.gate;
    this.gate = null;
    g?.resolve();
  }
}
