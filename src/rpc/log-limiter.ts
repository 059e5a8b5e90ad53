// Repeated per-frame failures (a oneway to an unknown code, a handler that keeps throwing, an
// ignored refcount) cost the peer one frame each and must not cost the log one line each: a
// peer could otherwise fill a disk or drown every other message. Per kind of message, the first
// `burst` lines in an interval are written; the rest are counted, and one summary line per kind
// says how many were left out, when the interval ends (or when the limiter is flushed).
import type { Logger } from "./log.js";
import { startTimer, stopTimer, type Timer } from "./timeouts.js";
import type { Timers } from "../platform/platform.js";

export interface LogRateLimit {
  /** Lines of one kind written per interval before the rest are only counted (default 5). */
  burst: number;
  /** Length of the interval, in ms (default 10,000). */
  intervalMs: number;
}

export const DEFAULT_LOG_RATE_LIMIT: LogRateLimit = { burst: 5, intervalMs: 10_000 };

interface Kind { written: number; dropped: number; last: string }

export class LogLimiter {
  private readonly kinds = new Map<string, Kind>();
  private timer: Timer | null = null;

  constructor(private readonly logger: Logger, private readonly limit: LogRateLimit = DEFAULT_LOG_RATE_LIMIT,
      private readonly timers?: Timers) {}

  /** Write `message` unless `kind` has had its burst this interval (then count it). */
  warn(kind: string, message: string): void {
    let k = this.kinds.get(kind);
    if (!k) {
      k = { written: 0, dropped: 0, last: "" };
      this.kinds.set(kind, k);
    }
    this.timer ??= startTimer(this.limit.intervalMs, () => { this.timer = null; this.flush(); }, this.timers);
    if (k.written < this.limit.burst) {
      k.written++;
      this.logger.warn(message);
    } else {
      k.dropped++;
      k.last = message;
    }
  }

  /** End the interval: one summary line per kind that had lines left out; counts start over. */
  flush(): void {
    if (this.timer) { stopTimer(this.timer, this.timers); this.timer = null; }
    for (const k of this.kinds.values()) {
      if (k.dropped > 0) this.logger.warn(`${k.dropped} more like this left out of the log: ${k.last}`);
    }
    this.kinds.clear();
  }
}
