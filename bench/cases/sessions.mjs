// sessions-1k, one client process's share: open `sessions` sessions to the server, wait for
// the common start time, keep one null call in flight on every session for `durationMs`, hold
// the sessions open until `holdUntil` (the bench reads the server's memory meanwhile), close.
// Returns how many sessions opened, calls made, errors, and the call latencies seen.
import { CODE_PING } from "../common.mjs";
import { call, connect } from "../systems/tsbinder.mjs";
import { sleep } from "../lib/rt.mjs";
import { summarize } from "../lib/stats.mjs";

export async function run(job) {
  const sessions = [];
  const errors = [];
  const note = (e) => { if (errors.length < 5) errors.push(String(e?.message ?? e)); };
  let failed = 0;
  const t0 = performance.now();
  for (let i = 0; i < job.sessions; i += 10) {
    // 10 handshakes at a time
    await Promise.all(Array.from({ length: Math.min(10, job.sessions - i) }, async () => {
      try { sessions.push(await connect({ transport: "unix", address: job.address })); } catch (e) { failed++; note(e); }
    }));
  }
  const openMs = performance.now() - t0;
  const lateMs = Math.max(0, Date.now() - job.startAt);
  if (lateMs === 0) await sleep(job.startAt - Date.now());
  let calls = 0, callErrors = 0;
  const samples = [];
  const end = performance.now() + job.durationMs;
  const loop = async (c) => {
    while (performance.now() < end) {
      const t = performance.now();
      try { await call(c.root, CODE_PING); calls++; if (samples.length < 200_000) samples.push(performance.now() - t); } catch (e) { callErrors++; note(e); if (!c.root.isBinderAlive()) return; }
    }
  };
  const w0 = performance.now();
  await Promise.all(sessions.map(loop));
  const wall = performance.now() - w0;
  if (Date.now() < job.holdUntil) await sleep(job.holdUntil - Date.now());
  for (const c of sessions) c.close();
  const stats = samples.length ? summarize(samples, wall) : {};
  return [{
    opened: sessions.length, failed, calls, call_errors: callErrors, wall_ms: wall, open_ms: openMs, late_ms: lateMs,
    p50_us: stats.p50_us, p99_us: stats.p99_us, errors,
  }];
}
