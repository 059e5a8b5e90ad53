// The idle policy of a server's sessions. libbinder has none: a client may hold a binder and
// say nothing for days, and ending its session would tell it (through death notifications)
// that the service died. So by default only a session that has never been used is ended: no
// object either way (the peer took no binder from us, not even the root, and sent none), no
// call in flight, no traffic, for `unusedMs` — a handshake that only takes a session slot.
// `idleMs` (off by default) also ends sessions that hold objects, for servers whose clients
// reconnect. One timer per session, re-armed once per period; traffic only bumps a counter.
import { startTimer, stopTimer, type Timer } from "./timeouts.js";
import type { Timers } from "../platform/platform.js";

export interface IdlePolicy {
  /** End a session with no objects, no calls and no traffic for this long (0: never). */
  unusedMs: number;
  /** End any session with no calls and no traffic for this long (0: never). */
  idleMs: number;
}

export interface IdleHost {
  /** A count bumped for every frame in and call out. */
  activity(): number;
  objectCount(): number;
  /** Calls in flight either way (serve frames, calls of ours, oneways running). */
  busy(): boolean;
  end(reason: Error): void;
}

export class IdleWatch {
  private timer: Timer | null = null;
  private seen = -1;
  /** How long the session has been quiet, counted in whole periods. */
  private quietFor = 0;
  private readonly period: number;

  constructor(private readonly host: IdleHost, private readonly policy: IdlePolicy, private readonly timers?: Timers) {
    const enabled = [policy.unusedMs, policy.idleMs].filter((ms) => ms > 0);
    this.period = enabled.length ? Math.min(...enabled) : 0;
  }

  start(): void {
    if (this.period > 0) this.arm();
  }

  stop(): void {
    if (this.timer !== null) { stopTimer(this.timer, this.timers); this.timer = null; }
  }

  private arm(): void {
    this.seen = this.host.activity();
    this.timer = startTimer(this.period, () => this.check(), this.timers);
  }

  private check(): void {
    this.timer = null;
    const h = this.host;
    this.quietFor = h.activity() === this.seen && !h.busy() ? this.quietFor + this.period : 0;
    const { idleMs, unusedMs } = this.policy;
    if (idleMs > 0 && this.quietFor >= idleMs) {
      return h.end(new Error(`idle for ${this.quietFor} ms (idleSessionTimeoutMs ${idleMs})`));
    }
    const objects = h.objectCount();
    if (unusedMs > 0 && this.quietFor >= unusedMs && objects === 0) {
      return h.end(new Error(`no objects, calls or traffic for ${this.quietFor} ms (unusedSessionTimeoutMs ${unusedMs})`));
    }
    // a session that has objects never becomes unused again (it ends when the last one goes):
    // with no idle timeout there is nothing left to watch
    if (idleMs === 0 && objects > 0) return;
    this.arm();
  }
}
