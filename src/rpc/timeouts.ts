// Timers for the session layer's timeouts (handshake, frame read, idle). They must never keep
// a process alive on their own (a server's listener does that), so they are unref'd where the
// runtime allows: Node and Bun timers have unref(); Deno's are numbers, unref'd through
// Deno.unrefTimer. src/ imports no runtime, so this looks the function up at run time.
// `timers`: a platform's (platform.ts); the global ones by default.
import { portablePlatform, type Timers } from "../platform/platform.js";

export type Timer = ReturnType<typeof setTimeout>;

const globalTimers: Timers = portablePlatform.timers;

type DenoTimers = { unrefTimer?: (id: number) => void };

export function startTimer(ms: number, fn: () => void, timers: Timers = globalTimers): Timer {
  const t = timers.setTimeout(fn, ms) as Timer;
  if (typeof t === "object" && t !== null && typeof (t as { unref?: () => void }).unref === "function") {
    (t as { unref: () => void }).unref();
  } else if (typeof t === "number") {
    (globalThis as { Deno?: DenoTimers }).Deno?.unrefTimer?.(t);
  }
  return t;
}

export function stopTimer(t: Timer, timers: Timers = globalTimers): void { timers.clearTimeout(t); }
