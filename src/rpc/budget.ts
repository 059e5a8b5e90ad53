// Memory budgets for incoming frames. A server holds bytes for frames that have started to
// arrive and are not complete yet (in a connection's byte queue, or the parcel a big body is
// streamed into). One budget covers the whole server, one each peer identity (peer-quotas.ts),
// so many peers together, or one uid or certificate alone, cannot make it hold more than set.
// A connection whose frame would take a budget past its limit is slowed, not ended: its reads
// are held (the peer meets a full socket) until the budget has room again; the frame read
// timeout still runs meanwhile, so a peer that never finishes its frame cannot keep its share.
// Each connection may hold `free` bytes without charge (what a small frame split over two
// reads needs), so well-behaved peers with ordinary frames never wait on a budget.

export class MemoryBudget {
  used = 0;
  /** Most bytes charged at once (for the numbers in docs/limits.md and the tests). */
  peak = 0;
  private readonly blocked = new Set<ByteMeter>();

  constructor(readonly limit: number) {}

  get full(): boolean { return this.used > this.limit; }

  charge(n: number): void {
    this.used += n;
    if (this.used > this.peak) this.peak = this.used;
  }

  refund(n: number): void {
    this.used -= n;
    if (this.blocked.size > 0 && this.used <= this.limit) for (const m of this.blocked) m.retry();
  }

  block(m: ByteMeter): void { this.blocked.add(m); }
  unblock(m: ByteMeter): void { this.blocked.delete(m); }
}

/** What one connection holds for incoming frames, charged to its budgets. */
export class ByteMeter {
  private charged = 0;
  /** Reads are held because a budget is full. */
  blocked = false;

  constructor(
    private readonly budgets: readonly MemoryBudget[],
    private readonly free: number,
    private readonly hold: () => void,
    private readonly release: () => void,
  ) {}

  /** The connection now holds `held` bytes for incoming frames (called after each read). */
  set(held: number): void {
    const charge = held > this.free ? held - this.free : 0;
    const delta = charge - this.charged;
    if (delta === 0) return;
    this.charged = charge;
    if (delta > 0) {
      for (const b of this.budgets) b.charge(delta);
      if (!this.blocked && this.budgets.some((b) => b.full)) {
        this.blocked = true;
        for (const b of this.budgets) b.block(this);
        this.hold();
      }
    } else {
      for (const b of this.budgets) b.refund(-delta);
      this.retry();
    }
  }

  /** Resume reading if every budget has room again. */
  retry(): void {
    if (!this.blocked || this.budgets.some((b) => b.full)) return;
    this.unblockAll();
    this.release();
  }

  /** The connection is gone: give back what it held (its reads need no release). */
  close(): void {
    this.unblockAll();
    this.set(0);
  }

  private unblockAll(): void {
    this.blocked = false;
    for (const b of this.budgets) b.unblock(this);
  }
}
